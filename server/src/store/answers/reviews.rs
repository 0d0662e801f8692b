//! Self-reviews and coaches' reviews of an answer: the checklist ticked, comments, the grade.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::MAX_COMMENT_CHARS;
use crate::{
    entities::{review, review_item, review_item_comment, review_log},
    error::AppError,
    store::questions::checklist,
};

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
            kind: r.kind.as_str().to_owned(),
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
        crate::store::coaching::Reader::Author => review::Kind::Own,
        crate::store::coaching::Reader::Coach => review::Kind::Coach,
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
        kind: Set(kind),
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
