//! Invite codes and the links they make between a coach and a learner: joining, listing,
//! ending, and whether a link shares every answer.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::{
    entities::{coach_invite, coach_link, user},
    error::AppError,
};

/// How long an invite code stays valid.
pub const INVITE_DAYS: i64 = 7;

/// Letters and digits that cannot be mistaken for one another when read aloud.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

pub async fn create_invite(
    db: &impl ConnectionTrait,
    coach: &user::Model,
    now: DateTime<Utc>,
) -> Result<coach_invite::Model, AppError> {
    if coach.role == crate::auth::Role::Learner {
        return Err(AppError::Forbidden(
            "only coaches create invite codes; ask an administrator to make you a coach".to_owned(),
        ));
    }
    Ok(coach_invite::ActiveModel {
        coach_id: Set(coach.id),
        code: Set(new_code()),
        uses_left: Set(1),
        expires_at: Set(now + Duration::days(INVITE_DAYS)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A learner joins a coach with an invite code.
pub async fn join(
    db: &impl ConnectionTrait,
    learner: &user::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<coach_link::Model, AppError> {
    let code = code.trim().to_uppercase();
    let invite = coach_invite::Entity::find()
        .filter(coach_invite::Column::Code.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid("code", "no invite has this code; check it with your coach")
        })?;
    if invite.expires_at <= now {
        return Err(AppError::invalid(
            "code",
            format!(
                "this invite code expired on {}; ask your coach for a new one",
                invite.expires_at.format("%a %-d %b %Y")
            ),
        ));
    }
    if invite.coach_id == learner.id {
        return Err(AppError::invalid("code", "this is your own invite code"));
    }
    if active_link(db, invite.coach_id, learner.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "you are already linked to this coach".to_owned(),
        ));
    }
    // Take one use; of two learners racing for the last use only one wins.
    let taken = coach_invite::Entity::update_many()
        .col_expr(
            coach_invite::Column::UsesLeft,
            Expr::col(coach_invite::Column::UsesLeft).sub(Expr::val(1)),
        )
        .filter(coach_invite::Column::Id.eq(invite.id))
        .filter(coach_invite::Column::UsesLeft.gt(0))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Err(AppError::invalid(
            "code",
            "this invite code has already been used; ask your coach for a new one",
        ));
    }
    Ok(coach_link::ActiveModel {
        coach_id: Set(invite.coach_id),
        learner_id: Set(learner.id),
        share_all: Set(true),
        created_at: Set(now),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub(super) async fn active_link(
    db: &impl ConnectionTrait,
    coach_id: i32,
    learner_id: i32,
) -> Result<Option<coach_link::Model>, sea_orm::DbErr> {
    coach_link::Entity::find()
        .filter(coach_link::Column::CoachId.eq(coach_id))
        .filter(coach_link::Column::LearnerId.eq(learner_id))
        .filter(coach_link::Column::EndedAt.is_null())
        .one(db)
        .await
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct LinkView {
    pub id: i32,
    pub coach_id: i32,
    pub coach: String,
    pub learner_id: i32,
    pub learner: String,
    pub share_all: bool,
    pub created_at: DateTime<Utc>,
    /// The asking user's side of the link: `coach` or `learner`.
    pub my_role: &'static str,
}

/// The user's active links, as coach and as learner.
pub async fn links_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LinkView>, sea_orm::DbErr> {
    let links = coach_link::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(coach_link::Column::CoachId.eq(user_id))
                .add(coach_link::Column::LearnerId.eq(user_id)),
        )
        .filter(coach_link::Column::EndedAt.is_null())
        .order_by_asc(coach_link::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = links
        .iter()
        .flat_map(|l| [l.coach_id, l.learner_id])
        .collect();
    let names: std::collections::HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(links
        .into_iter()
        .map(|l| LinkView {
            id: l.id,
            coach: names.get(&l.coach_id).cloned().unwrap_or_default(),
            learner: names.get(&l.learner_id).cloned().unwrap_or_default(),
            coach_id: l.coach_id,
            learner_id: l.learner_id,
            share_all: l.share_all,
            created_at: l.created_at,
            my_role: if l.coach_id == user_id {
                "coach"
            } else {
                "learner"
            },
        })
        .collect())
}

/// An active link the user is part of; any other id is "not found".
pub(super) async fn my_link(
    db: &impl ConnectionTrait,
    user_id: i32,
    link_id: i32,
) -> Result<coach_link::Model, AppError> {
    coach_link::Entity::find_by_id(link_id)
        .filter(coach_link::Column::EndedAt.is_null())
        .one(db)
        .await?
        .filter(|l| l.coach_id == user_id || l.learner_id == user_id)
        .ok_or(AppError::NotFound("link"))
}

/// Either side ends a link; from then on the coach sees nothing new or old.
pub async fn end_link(
    db: &impl ConnectionTrait,
    user_id: i32,
    link_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let link = my_link(db, user_id, link_id).await?;
    let mut active: coach_link::ActiveModel = link.into();
    active.ended_at = Set(Some(now));
    active.update(db).await?;
    Ok(())
}

/// The learner switches a link between sharing every answer and sharing only chosen ones.
pub async fn set_share_all(
    db: &impl ConnectionTrait,
    learner_id: i32,
    link_id: i32,
    share_all: bool,
) -> Result<coach_link::Model, AppError> {
    let link = my_link(db, learner_id, link_id).await?;
    if link.learner_id != learner_id {
        return Err(AppError::Forbidden(
            "only the learner decides what a link shares".to_owned(),
        ));
    }
    let mut active: coach_link::ActiveModel = link.into();
    active.share_all = Set(share_all);
    Ok(active.update(db).await?)
}
