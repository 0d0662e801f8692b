//! Reading questions the way learners see them: with their bank, competency
//! and checklist, limited to the banks a user may see.

use std::collections::HashMap;

use sea_orm::{
    sea_query::Condition, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use crate::{
    entities::{bank, coach_link, competency, question, rubric_item},
    error::AppError,
};

/// Banks a user may practise from: global banks, their own, and those of
/// the coaches they are linked to.
pub fn visible_banks(user_id: i32) -> Condition {
    Condition::any()
        .add(bank::Column::OwnerId.is_null())
        .add(bank::Column::OwnerId.eq(user_id))
        .add(
            bank::Column::OwnerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(coach_link::Column::CoachId)
                    .from(coach_link::Entity)
                    .and_where(coach_link::Column::LearnerId.eq(user_id))
                    .and_where(coach_link::Column::EndedAt.is_null())
                    .to_owned(),
            ),
        )
}

pub async fn visible_bank_ids(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<i32>, sea_orm::DbErr> {
    Ok(bank::Entity::find()
        .filter(visible_banks(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect())
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct RubricEntry {
    pub id: i32,
    pub key: String,
    pub text: String,
    pub help: String,
    /// `star` for the built-in checklist, `question` for the question's own items.
    pub source: &'static str,
}

impl From<rubric_item::Model> for RubricEntry {
    fn from(item: rubric_item::Model) -> Self {
        Self {
            source: if item.question_id.is_some() {
                "question"
            } else {
                "star"
            },
            id: item.id,
            key: item.key,
            text: item.text,
            help: item.help,
        }
    }
}

/// A question with everything a page or API client shows.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct QuestionView {
    pub id: i32,
    pub key: String,
    pub bank: String,
    pub bank_title: String,
    pub competency: String,
    pub competency_name: String,
    pub prompt: String,
    pub variants: Vec<String>,
    pub follow_ups: Vec<String>,
    /// What a weak answer to this question shows; shown after the checklist
    /// when the answer is reviewed.
    pub red_flags: Vec<String>,
    pub tags: Vec<String>,
    pub level: Vec<String>,
    pub retired: bool,
    /// The question's own rubric items (the STAR checklist comes separately).
    pub rubric: Vec<RubricEntry>,
}

/// A question's list field (variants, follow-ups, red flags, tags, level),
/// stored as JSON.
pub fn decode_list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The active rubric items of these questions, in order, by question id.
pub async fn rubric_by_question(
    db: &impl ConnectionTrait,
    question_ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<rubric_item::Model>>, sea_orm::DbErr> {
    let mut rubric: HashMap<i32, Vec<rubric_item::Model>> = HashMap::new();
    for item in rubric_item::Entity::find()
        .filter(rubric_item::Column::QuestionId.is_in(question_ids))
        .filter(rubric_item::Column::Retired.eq(false))
        .order_by_asc(rubric_item::Column::Position)
        .all(db)
        .await?
    {
        if let Some(qid) = item.question_id {
            rubric.entry(qid).or_default().push(item);
        }
    }
    Ok(rubric)
}

/// The competencies of these questions, by id.
pub async fn competencies_of<'a>(
    db: &impl ConnectionTrait,
    questions: impl IntoIterator<Item = &'a question::Model>,
) -> Result<HashMap<i32, competency::Model>, sea_orm::DbErr> {
    let ids: Vec<i32> = questions.into_iter().map(|q| q.competency_id).collect();
    Ok(competency::Entity::find()
        .filter(competency::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

async fn views(
    db: &impl ConnectionTrait,
    questions: Vec<question::Model>,
) -> Result<Vec<QuestionView>, sea_orm::DbErr> {
    if questions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let bank_ids: Vec<i32> = questions.iter().map(|q| q.bank_id).collect();
    let banks: HashMap<i32, bank::Model> = bank::Entity::find()
        .filter(bank::Column::Id.is_in(bank_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let comps = competencies_of(db, &questions).await?;
    let mut rubric = rubric_by_question(db, ids).await?;
    Ok(questions
        .into_iter()
        .map(|q| {
            let own = rubric.remove(&q.id).unwrap_or_default();
            let (bank, comp) = (banks.get(&q.bank_id), comps.get(&q.competency_id));
            view_of(q, bank, comp, own)
        })
        .collect())
}

/// A question with its bank, competency and own rubric items, as shown.
fn view_of(
    q: question::Model,
    bank: Option<&bank::Model>,
    comp: Option<&competency::Model>,
    own_rubric: Vec<rubric_item::Model>,
) -> QuestionView {
    QuestionView {
        id: q.id,
        bank: bank.map(|b| b.key.clone()).unwrap_or_default(),
        bank_title: bank.map(|b| b.title.clone()).unwrap_or_default(),
        competency: comp.map(|c| c.key.clone()).unwrap_or_default(),
        competency_name: comp.map(|c| c.name.clone()).unwrap_or_default(),
        variants: decode_list(&q.variants),
        follow_ups: decode_list(&q.follow_ups),
        red_flags: decode_list(&q.red_flags),
        tags: decode_list(&q.tags),
        level: decode_list(&q.level),
        rubric: own_rubric.into_iter().map(RubricEntry::from).collect(),
        retired: q.retired,
        key: q.key,
        prompt: q.prompt,
    }
}

/// Active questions the user may see, filtered by competency and bank keys.
pub async fn list_questions(
    db: &impl ConnectionTrait,
    user_id: i32,
    competency_key: Option<&str>,
    bank_key: Option<&str>,
) -> Result<Vec<QuestionView>, sea_orm::DbErr> {
    let mut banks = bank::Entity::find().filter(visible_banks(user_id));
    if let Some(key) = bank_key {
        banks = banks.filter(bank::Column::Key.eq(key));
    }
    let bank_ids: Vec<i32> = banks.all(db).await?.into_iter().map(|b| b.id).collect();
    let mut query = question::Entity::find()
        .filter(question::Column::BankId.is_in(bank_ids.clone()))
        .filter(question::Column::Retired.eq(false));
    if let Some(key) = competency_key {
        let comp_ids: Vec<i32> = competency::Entity::find()
            .filter(competency::Column::BankId.is_in(bank_ids))
            .filter(competency::Column::Key.eq(key))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        query = query.filter(question::Column::CompetencyId.is_in(comp_ids));
    }
    let questions = query
        .order_by_asc(question::Column::BankId)
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    views(db, questions).await
}

/// One question, if the user may see it.
pub async fn visible_question(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<QuestionView, AppError> {
    Ok(visible_question_checklist(db, user_id, question_id)
        .await?
        .0)
}

/// A question the user may see, with its whole checklist (the STAR items,
/// then the question's own): two queries, the question with its bank and
/// competency, and every checklist item.
pub async fn visible_question_checklist(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<(QuestionView, Vec<RubricEntry>), AppError> {
    let (found, bank, comp) = visible(user_id, question_id)
        .find_also_related(bank::Entity)
        .find_also_related(competency::Entity)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("question"))?;
    let items = checklist_items(db, question_id).await?;
    let checklist: Vec<RubricEntry> = items.iter().cloned().map(RubricEntry::from).collect();
    let own = items
        .into_iter()
        .filter(|i| i.question_id.is_some())
        .collect();
    Ok((view_of(found, bank.as_ref(), comp.as_ref(), own), checklist))
}

/// Checks that the user may see the question (one query), for writes that
/// only need to know.
pub async fn ensure_visible_question(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<(), AppError> {
    visible(user_id, question_id)
        .select_only()
        .column(question::Column::Id)
        .into_tuple::<i32>()
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("question"))
}

/// The question, if it is in a bank the user may see.
fn visible(user_id: i32, question_id: i32) -> sea_orm::Select<question::Entity> {
    question::Entity::find_by_id(question_id).filter(
        question::Column::BankId.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(bank::Column::Id)
                .from(bank::Entity)
                .cond_where(visible_banks(user_id))
                .to_owned(),
        ),
    )
}

/// The full checklist of a question: the STAR items, then its own items.
pub async fn checklist(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<Vec<RubricEntry>, sea_orm::DbErr> {
    Ok(checklist_items(db, question_id)
        .await?
        .into_iter()
        .map(RubricEntry::from)
        .collect())
}

/// The active STAR items (no question) first, then the question's own, each
/// in order, in one query.
async fn checklist_items(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<Vec<rubric_item::Model>, sea_orm::DbErr> {
    let mut items = rubric_item::Entity::find()
        .filter(
            Condition::any()
                .add(rubric_item::Column::QuestionId.is_null())
                .add(rubric_item::Column::QuestionId.eq(question_id)),
        )
        .filter(rubric_item::Column::Retired.eq(false))
        .order_by_asc(rubric_item::Column::Position)
        .order_by_asc(rubric_item::Column::Id)
        .all(db)
        .await?;
    items.sort_by_key(|item| item.question_id.is_some());
    Ok(items)
}

/// The question an answer was written to, whatever bank it is in now (a
/// coach reading a learner's answer may not see the learner's private bank).
pub async fn question_of_answer(
    db: &impl ConnectionTrait,
    question_id: i32,
) -> Result<question::Model, AppError> {
    question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("question"))
}
