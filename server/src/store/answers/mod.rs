//! STAR answers, their drafts and their reviews; every read and write is
//! scoped to the user who asks.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::{
    entities::{answer, card, draft, question, review, review_item, review_log},
    error::AppError,
    store::questions::ensure_visible_question,
};

mod drafts;
mod export;
mod reviews;

pub use drafts::{draft_or_empty, find_draft, last_sent_at, save_draft, SavedDraft};
pub use export::answers_markdown;
pub use reviews::{grade_of, reviews_of, save_review, ItemComment, ReviewInput, ReviewView};

/// The longest a single STAR field may be (characters).
pub const MAX_FIELD_CHARS: usize = 20_000;

/// The longest a review comment may be (characters).
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// The five parts of a STAR answer.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct StarFields {
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub reflection: String,
}

impl StarFields {
    pub fn named(&self) -> [(&'static str, &str); 5] {
        [
            ("situation", &self.situation),
            ("task", &self.task),
            ("action", &self.action),
            ("result", &self.result),
            ("reflection", &self.reflection),
        ]
    }

    fn check_lengths(&self) -> Result<(), AppError> {
        for (name, text) in self.named() {
            if text.chars().count() > MAX_FIELD_CHARS {
                return Err(AppError::invalid(
                    name,
                    format!("{name} is longer than {MAX_FIELD_CHARS} characters"),
                ));
            }
        }
        Ok(())
    }

    pub fn is_blank(&self) -> bool {
        self.named().iter().all(|(_, text)| text.trim().is_empty())
    }
}

fn check_seconds(seconds: i64) -> Result<i32, AppError> {
    if !(0..=86_400).contains(&seconds) {
        return Err(AppError::invalid(
            "seconds_spent",
            "seconds_spent must be between 0 and 86400",
        ));
    }
    Ok(seconds as i32)
}

/// Saves a new attempt at a question and clears its draft; the draft's
/// recording, if any, moves onto the attempt.
pub async fn create_answer(
    db: &DatabaseConnection,
    user_id: i32,
    question_id: i32,
    fields: StarFields,
    seconds_spent: i64,
    story_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<answer::Model, AppError> {
    let seconds_spent = check_seconds(seconds_spent)?;
    if let Some(story_id) = story_id {
        crate::store::stories::get(db, user_id, story_id).await?;
    }
    fields.check_lengths()?;
    if fields.is_blank() {
        return Err(AppError::invalid(
            "situation",
            "the answer is empty: write at least one of situation, task, action, result or reflection",
        ));
    }
    ensure_visible_question(db, user_id, question_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let last = answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .filter(answer::Column::QuestionId.eq(question_id))
        .order_by_desc(answer::Column::Attempt)
        .one(&txn)
        .await?;
    let card_id = card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::QuestionId.eq(question_id))
        .one(&txn)
        .await?
        .map(|c| c.id);
    let created = answer::ActiveModel {
        user_id: Set(user_id),
        question_id: Set(question_id),
        card_id: Set(card_id),
        attempt: Set(last.map(|a| a.attempt).unwrap_or(0) + 1),
        situation: Set(fields.situation),
        task: Set(fields.task),
        action: Set(fields.action),
        result: Set(fields.result),
        reflection: Set(fields.reflection),
        seconds_spent: Set(seconds_spent),
        created_at: Set(now),
        story_id: Set(story_id),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| {
        if crate::store::accounts::is_unique_violation(&err) {
            AppError::Conflict(
                "another attempt at this question was saved at the same moment; try again"
                    .to_owned(),
            )
        } else {
            err.into()
        }
    })?;
    draft::Entity::delete_many()
        .filter(draft::Column::UserId.eq(user_id))
        .filter(draft::Column::QuestionId.eq(question_id))
        .exec(&txn)
        .await?;
    crate::store::recordings::attach_draft(&txn, user_id, question_id, created.id).await?;
    txn.commit().await?;
    Ok(created)
}

/// The user's own answer; another user's answer is "not found", not "forbidden",
/// so ids reveal nothing.
pub async fn own_answer(
    db: &impl ConnectionTrait,
    user_id: i32,
    answer_id: i32,
) -> Result<answer::Model, AppError> {
    answer::Entity::find_by_id(answer_id)
        .filter(answer::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("answer"))
}

/// The automatic analysis of a stored answer.
/// Starling's suggestion for a built-in STAR item of a checklist (`None`
/// for a question's own items, which the analysis does not judge):
/// `{met, evidence}` for the review pages.
pub fn suggestion_for(
    analysis: &starling_domain::analysis::Analysis,
    item: &crate::store::questions::RubricEntry,
) -> Option<minijinja::Value> {
    analysis
        .star_items
        .iter()
        .find(|s| s.key == item.key)
        .map(|s| minijinja::context! { met => s.met, evidence => s.evidence.clone() })
}

pub fn analyse(answer: &answer::Model) -> starling_domain::analysis::Analysis {
    starling_domain::analysis::analyse(&starling_domain::analysis::AnswerText {
        situation: &answer.situation,
        task: &answer.task,
        action: &answer.action,
        result: &answer.result,
        reflection: &answer.reflection,
    })
}

pub fn fields_of(answer: &answer::Model) -> StarFields {
    StarFields {
        situation: answer.situation.clone(),
        task: answer.task.clone(),
        action: answer.action.clone(),
        result: answer.result.clone(),
        reflection: answer.reflection.clone(),
    }
}

/// One attempt as the history page lists it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct AttemptSummary {
    pub answer_id: i32,
    pub question_id: i32,
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
    pub seconds_spent: i32,
    /// Checklist items ticked in the self-review, out of the checklist's size.
    pub checked: Option<usize>,
    pub rating: Option<&'static str>,
}

/// Every attempt of the user, newest first, grouped by question in first-seen order.
pub async fn history(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<(question::Model, Vec<AttemptSummary>)>, sea_orm::DbErr> {
    let answers = answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .order_by_desc(answer::Column::CreatedAt)
        .order_by_desc(answer::Column::Id)
        .all(db)
        .await?;
    let answer_ids: Vec<i32> = answers.iter().map(|a| a.id).collect();
    let self_reviews: HashMap<i32, i32> = review::Entity::find()
        .filter(review::Column::AnswerId.is_in(answer_ids.clone()))
        .filter(review::Column::ReviewerId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.answer_id))
        .collect();
    let mut ticks: HashMap<i32, usize> = HashMap::new();
    for (review_id,) in review_item::Entity::find()
        .select_only()
        .column(review_item::Column::ReviewId)
        .filter(
            review_item::Column::ReviewId.is_in(self_reviews.keys().copied().collect::<Vec<_>>()),
        )
        .into_tuple::<(i32,)>()
        .all(db)
        .await?
    {
        if let Some(answer_id) = self_reviews.get(&review_id) {
            *ticks.entry(*answer_id).or_default() += 1;
        }
    }
    let reviewed: HashSet<i32> = self_reviews.values().copied().collect();
    let ratings: HashMap<i32, i16> = review_log::Entity::find()
        .filter(review_log::Column::AnswerId.is_in(answer_ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|log| log.answer_id.map(|id| (id, log.rating)))
        .collect();
    let question_ids: Vec<i32> = answers.iter().map(|a| a.question_id).collect();
    let questions: HashMap<i32, question::Model> = question::Entity::find()
        .filter(question::Column::Id.is_in(question_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let mut order: Vec<i32> = Vec::new();
    let mut grouped: HashMap<i32, Vec<AttemptSummary>> = HashMap::new();
    for a in answers {
        if !grouped.contains_key(&a.question_id) {
            order.push(a.question_id);
        }
        grouped
            .entry(a.question_id)
            .or_default()
            .push(AttemptSummary {
                answer_id: a.id,
                question_id: a.question_id,
                attempt: a.attempt,
                created_at: a.created_at,
                seconds_spent: a.seconds_spent,
                checked: reviewed
                    .contains(&a.id)
                    .then(|| ticks.get(&a.id).copied().unwrap_or(0)),
                rating: ratings.get(&a.id).map(|r| stored_rating(*r).as_str()),
            });
    }
    Ok(order
        .into_iter()
        .filter_map(|qid| Some((questions.get(&qid)?.clone(), grouped.remove(&qid)?)))
        .collect())
}

/// The rating a review log stores as its number (1-4); a number out of
/// range reads as Easy, as it always has.
pub fn stored_rating(number: i16) -> starling_domain::schedule::Rating {
    starling_domain::schedule::Rating::from_number(i64::from(number))
        .unwrap_or(starling_domain::schedule::Rating::Easy)
}

/// The user's attempts at one question, newest first.
pub async fn attempts_at(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<Vec<answer::Model>, sea_orm::DbErr> {
    answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .filter(answer::Column::QuestionId.eq(question_id))
        .order_by_desc(answer::Column::Attempt)
        .all(db)
        .await
}
