//! Drafts: what the learner is writing, saved as they type and restored on return.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{check_seconds, StarFields};
use crate::{
    entities::{answer, draft},
    error::AppError,
    store::questions::ensure_visible_question,
};

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
    ensure_visible_question(db, user_id, question_id).await?;
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
