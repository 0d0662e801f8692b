//! STAR answers, their drafts and their reviews; every read and write is
//! scoped to the user who asks.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::{
    entities::{
        answer, card, draft, question, review, review_item, review_item_comment, review_log,
    },
    error::AppError,
    store::questions::{checklist, visible_question},
};

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
    visible_question(db, user_id, question_id).await?;
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

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ReviewView {
    pub id: i32,
    pub kind: String,
    pub reviewer_id: i32,
    pub checked: Vec<i32>,
    pub comment: String,
    pub item_comments: Vec<ItemComment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn reviews_of(
    db: &impl ConnectionTrait,
    answer_id: i32,
) -> Result<Vec<ReviewView>, sea_orm::DbErr> {
    let reviews = review::Entity::find()
        .filter(review::Column::AnswerId.eq(answer_id))
        .order_by_asc(review::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = reviews.iter().map(|r| r.id).collect();
    let mut notes: HashMap<i32, Vec<ItemComment>> = HashMap::new();
    for note in review_item_comment::Entity::find()
        .filter(review_item_comment::Column::ReviewId.is_in(ids.clone()))
        .order_by_asc(review_item_comment::Column::RubricItemId)
        .all(db)
        .await?
    {
        notes.entry(note.review_id).or_default().push(ItemComment {
            rubric_item_id: note.rubric_item_id,
            comment: note.comment,
        });
    }
    let mut checked: HashMap<i32, Vec<i32>> = HashMap::new();
    for item in review_item::Entity::find()
        .filter(review_item::Column::ReviewId.is_in(ids))
        .order_by_asc(review_item::Column::RubricItemId)
        .all(db)
        .await?
    {
        checked
            .entry(item.review_id)
            .or_default()
            .push(item.rubric_item_id);
    }
    Ok(reviews
        .into_iter()
        .map(|r| ReviewView {
            checked: checked.remove(&r.id).unwrap_or_default(),
            item_comments: notes.remove(&r.id).unwrap_or_default(),
            id: r.id,
            kind: r.kind,
            reviewer_id: r.reviewer_id,
            comment: r.comment,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// Records (or replaces) a review: the author's self-review, or the review
/// of a coach the answer is shared with. Anyone else finds no such answer.
pub async fn save_review(
    db: &DatabaseConnection,
    user_id: i32,
    answer_id: i32,
    input: &ReviewInput,
    now: DateTime<Utc>,
) -> Result<ReviewView, AppError> {
    let (answer, reader) = crate::store::coaching::readable_answer(db, user_id, answer_id).await?;
    let kind = match reader {
        crate::store::coaching::Reader::Author => "self",
        crate::store::coaching::Reader::Coach => "coach",
    };
    let (checked, comment) = (&input.checked, &input.comment);
    for text in std::iter::once(comment).chain(input.item_comments.iter().map(|c| &c.comment)) {
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Err(AppError::invalid(
                "comment",
                format!("a comment is longer than {MAX_COMMENT_CHARS} characters"),
            ));
        }
    }
    let allowed: HashSet<i32> = checklist(db, answer.question_id)
        .await?
        .into_iter()
        .map(|item| item.id)
        .collect();
    let mut ticked: Vec<i32> = checked.to_vec();
    ticked.sort_unstable();
    ticked.dedup();
    if let Some(unknown) = ticked
        .iter()
        .chain(input.item_comments.iter().map(|c| &c.rubric_item_id))
        .find(|id| !allowed.contains(id))
    {
        return Err(AppError::invalid(
            "checked",
            format!("rubric item {unknown} is not on this answer's checklist"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    review::Entity::insert(review::ActiveModel {
        answer_id: Set(answer.id),
        reviewer_id: Set(user_id),
        kind: Set(kind.to_owned()),
        comment: Set(comment.trim().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([review::Column::AnswerId, review::Column::ReviewerId])
            .update_columns([review::Column::Comment, review::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let saved = review::Entity::find()
        .filter(review::Column::AnswerId.eq(answer.id))
        .filter(review::Column::ReviewerId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("review"))?;
    review_item::Entity::delete_many()
        .filter(review_item::Column::ReviewId.eq(saved.id))
        .exec(&txn)
        .await?;
    if !ticked.is_empty() {
        review_item::Entity::insert_many(ticked.iter().map(|id| review_item::ActiveModel {
            review_id: Set(saved.id),
            rubric_item_id: Set(*id),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    review_item_comment::Entity::delete_many()
        .filter(review_item_comment::Column::ReviewId.eq(saved.id))
        .exec(&txn)
        .await?;
    let notes: Vec<review_item_comment::ActiveModel> = input
        .item_comments
        .iter()
        .filter(|c| !c.comment.trim().is_empty())
        .map(|c| review_item_comment::ActiveModel {
            review_id: Set(saved.id),
            rubric_item_id: Set(c.rubric_item_id),
            comment: Set(c.comment.trim().to_owned()),
        })
        .collect();
    if !notes.is_empty() {
        review_item_comment::Entity::insert_many(notes)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    reviews_of(db, answer.id)
        .await?
        .into_iter()
        .find(|r| r.id == saved.id)
        .ok_or(AppError::NotFound("review"))
}

/// A comment on one checklist item.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ItemComment {
    pub rubric_item_id: i32,
    pub comment: String,
}

/// What a reviewer submits.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
pub struct ReviewInput {
    #[serde(default)]
    pub checked: Vec<i32>,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub item_comments: Vec<ItemComment>,
}

/// The grade given with this answer, if any.
pub async fn grade_of(
    db: &impl ConnectionTrait,
    answer_id: i32,
) -> Result<Option<review_log::Model>, sea_orm::DbErr> {
    review_log::Entity::find()
        .filter(review_log::Column::AnswerId.eq(answer_id))
        .one(db)
        .await
}

pub async fn save_draft(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
    fields: StarFields,
    seconds_spent: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let seconds_spent = check_seconds(seconds_spent)?;
    fields.check_lengths()?;
    visible_question(db, user_id, question_id).await?;
    draft::Entity::insert(draft::ActiveModel {
        user_id: Set(user_id),
        question_id: Set(question_id),
        situation: Set(fields.situation),
        task: Set(fields.task),
        action: Set(fields.action),
        result: Set(fields.result),
        reflection: Set(fields.reflection),
        seconds_spent: Set(seconds_spent),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([draft::Column::UserId, draft::Column::QuestionId])
            .update_columns([
                draft::Column::Situation,
                draft::Column::Task,
                draft::Column::Action,
                draft::Column::Result,
                draft::Column::Reflection,
                draft::Column::SecondsSpent,
                draft::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find_draft(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<Option<draft::Model>, sea_orm::DbErr> {
    draft::Entity::find()
        .filter(draft::Column::UserId.eq(user_id))
        .filter(draft::Column::QuestionId.eq(question_id))
        .one(db)
        .await
}

/// The saved draft of a question as its pages show it: the fields, the
/// timer, and the revision (the Unix epoch when there is no draft).
pub struct SavedDraft {
    pub fields: StarFields,
    pub seconds_spent: i64,
    pub revision: DateTime<Utc>,
}

/// The question's saved draft (drafts belong to the question, whichever page
/// typed them), or empty fields.
pub async fn draft_or_empty(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<SavedDraft, sea_orm::DbErr> {
    Ok(match find_draft(db, user_id, question_id).await? {
        Some(draft) => SavedDraft {
            fields: StarFields {
                situation: draft.situation,
                task: draft.task,
                action: draft.action,
                result: draft.result,
                reflection: draft.reflection,
            },
            seconds_spent: i64::from(draft.seconds_spent),
            revision: draft.updated_at,
        },
        None => SavedDraft {
            fields: StarFields::default(),
            seconds_spent: 0,
            revision: DateTime::UNIX_EPOCH,
        },
    })
}

/// When the user last sent an attempt at this question: a copy of a draft
/// the browser kept from before then belongs to an answer already sent.
pub async fn last_sent_at(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    answer::Entity::find()
        .select_only()
        .column(answer::Column::CreatedAt)
        .filter(answer::Column::UserId.eq(user_id))
        .filter(answer::Column::QuestionId.eq(question_id))
        .order_by_desc(answer::Column::CreatedAt)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await
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
                rating: ratings.get(&a.id).map(|r| rating_name(*r)),
            });
    }
    Ok(order
        .into_iter()
        .filter_map(|qid| Some((questions.get(&qid)?.clone(), grouped.remove(&qid)?)))
        .collect())
}

pub fn rating_name(number: i16) -> &'static str {
    match number {
        1 => "again",
        2 => "hard",
        3 => "good",
        _ => "easy",
    }
}

/// Keeps a user's text from turning into Markdown structure, HTML, a link or an
/// image: `&` and `<` as entities (no tag, comment or entity survives), a backslash
/// before inline markup (`[`, `]`, `!`, `*`, `_`, `` ` ``, `~`, `\`), before the `:` of
/// a URL scheme (`javascript:`, `http://`), the `@` of an e-mail address and the `.` of
/// `www.` (no autolink), and before a line-leading character that starts a block.
fn markdown_text(text: &str) -> String {
    text.trim()
        .lines()
        .map(|line| {
            let line = line.trim_start();
            let mut escaped = String::with_capacity(line.len() + 8);
            let mut previous = None;
            for (at, c) in line.char_indices() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '[' | ']' | '!' | '*' | '_' | '`' | '~' | '\\' | '@' => {
                        escaped.push('\\');
                        escaped.push(c);
                    }
                    ':' if previous.is_some_and(|p: char| p.is_ascii_alphabetic()) => {
                        escaped.push_str("\\:");
                    }
                    '.' if line.as_bytes()[at.saturating_sub(3)..at]
                        .eq_ignore_ascii_case(b"www") =>
                    {
                        escaped.push_str("\\.");
                    }
                    c => escaped.push(c),
                }
                previous = Some(c);
            }
            match line.chars().next() {
                Some('#' | '>' | '-' | '+' | '|' | '=') => format!("\\{escaped}"),
                _ => escaped,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The user's latest attempt at every question, as one Markdown document
/// grouped by competency, to read before an interview.
pub async fn answers_markdown(
    db: &impl ConnectionTrait,
    user_id: i32,
    competency_key: Option<&str>,
) -> Result<String, sea_orm::DbErr> {
    let mut latest: HashMap<i32, answer::Model> = HashMap::new();
    for a in answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .all(db)
        .await?
    {
        match latest.get(&a.question_id) {
            Some(seen) if seen.attempt >= a.attempt => {}
            _ => {
                latest.insert(a.question_id, a);
            }
        }
    }
    let questions = question::Entity::find()
        .filter(question::Column::Id.is_in(latest.keys().copied().collect::<Vec<_>>()))
        .order_by_asc(question::Column::BankId)
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    let competencies = crate::store::questions::competencies_of(db, &questions).await?;
    let mut doc = String::from("# My interview answers\n");
    let mut current_competency = None;
    let mut grouped: Vec<&question::Model> = questions
        .iter()
        .filter(|q| {
            competency_key.is_none_or(|key| {
                competencies
                    .get(&q.competency_id)
                    .is_some_and(|c| c.key == key)
            })
        })
        .collect();
    grouped.sort_by_key(|q| {
        competencies
            .get(&q.competency_id)
            .map(|c| (c.bank_id, c.position))
            .unwrap_or_default()
    });
    for q in grouped {
        let Some(a) = latest.get(&q.id) else { continue };
        if current_competency != Some(q.competency_id) {
            current_competency = Some(q.competency_id);
            let name = competencies
                .get(&q.competency_id)
                .map(|c| c.name.as_str())
                .unwrap_or("Other");
            doc.push_str(&format!("\n## {}\n", markdown_text(name)));
        }
        doc.push_str(&format!(
            "\n### {}\n\n*Attempt {}, {}*\n",
            markdown_text(&q.prompt),
            a.attempt,
            a.created_at.format("%a %-d %b %Y")
        ));
        for (label, text) in fields_of(a).named() {
            if !text.trim().is_empty() {
                let mut heading = label.to_owned();
                heading[..1].make_ascii_uppercase();
                doc.push_str(&format!("\n**{heading}.** {}\n", markdown_text(text)));
            }
        }
    }
    Ok(doc)
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
