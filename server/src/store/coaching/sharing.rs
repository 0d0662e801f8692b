//! What a linked coach may read: every answer, or only those shared on the link.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::links::{active_link, links_of, my_link};
use crate::{
    entities::{answer, shared_answer},
    error::AppError,
};

/// Shares (or stops sharing) one of the learner's answers on one of their links.
pub async fn share_answer(
    db: &impl ConnectionTrait,
    learner_id: i32,
    answer_id: i32,
    link_id: i32,
    share: bool,
) -> Result<(), AppError> {
    crate::store::answers::own_answer(db, learner_id, answer_id).await?;
    let link = my_link(db, learner_id, link_id).await?;
    if link.learner_id != learner_id {
        return Err(AppError::NotFound("link"));
    }
    shared_answer::Entity::delete_many()
        .filter(shared_answer::Column::LinkId.eq(link_id))
        .filter(shared_answer::Column::AnswerId.eq(answer_id))
        .exec(db)
        .await?;
    if share {
        shared_answer::Entity::insert(shared_answer::ActiveModel {
            link_id: Set(link_id),
            answer_id: Set(answer_id),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Whether a coach may read an answer: an active link to its author that
/// shares everything, or shares this answer.
pub async fn coach_can_see(
    db: &impl ConnectionTrait,
    coach_id: i32,
    found: &answer::Model,
) -> Result<bool, sea_orm::DbErr> {
    let Some(link) = active_link(db, coach_id, found.user_id).await? else {
        return Ok(false);
    };
    if link.share_all {
        return Ok(true);
    }
    Ok(shared_answer::Entity::find_by_id((link.id, found.id))
        .one(db)
        .await?
        .is_some())
}

/// Who is reading an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Author,
    Coach,
}

/// An answer its author or a coach allowed to see it may read; for anyone
/// else it does not exist.
pub async fn readable_answer(
    db: &impl ConnectionTrait,
    user_id: i32,
    answer_id: i32,
) -> Result<(answer::Model, Reader), AppError> {
    let found = answer::Entity::find_by_id(answer_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("answer"))?;
    if found.user_id == user_id {
        return Ok((found, Reader::Author));
    }
    if coach_can_see(db, user_id, &found).await? {
        return Ok((found, Reader::Coach));
    }
    Err(AppError::NotFound("answer"))
}

/// For each of the learner's links that shares only chosen answers, whether
/// this answer is shared on it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ShareChoice {
    pub link_id: i32,
    pub coach: String,
    pub shared: bool,
}

pub async fn share_choices(
    db: &impl ConnectionTrait,
    learner_id: i32,
    answer_id: i32,
) -> Result<Vec<ShareChoice>, sea_orm::DbErr> {
    let mut out = Vec::new();
    for link in links_of(db, learner_id)
        .await?
        .into_iter()
        .filter(|l| l.learner_id == learner_id && !l.share_all)
    {
        let shared = shared_answer::Entity::find_by_id((link.id, answer_id))
            .one(db)
            .await?
            .is_some();
        out.push(ShareChoice {
            link_id: link.id,
            coach: link.coach,
            shared,
        });
    }
    Ok(out)
}
