//! Card actions: suspend, bury, and leeches (listed, counted, cleared).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use super::{clock_for, grading::own_card};
use crate::{
    entities::{card, question, review_log, user},
    error::AppError,
};

/// How many cards of the user are flagged as leeches (the length of
/// [`leeches`], without loading them).
pub async fn leech_count(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, sea_orm::DbErr> {
    card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::Leech.eq(true))
        .count(db)
        .await
}

/// Suspends a card (it is never shown until unsuspended) or unsuspends it.
pub async fn set_suspended(
    db: &DatabaseConnection,
    user_id: i32,
    card_id: i32,
    suspended: bool,
) -> Result<card::Model, AppError> {
    let card = own_card(db, user_id, card_id).await?;
    let mut active: card::ActiveModel = card.into();
    active.suspended = Set(suspended);
    Ok(active.update(db).await?)
}

/// Buries a card until the next study day starts (or unburies it).
pub async fn set_buried(
    db: &DatabaseConnection,
    user: &user::Model,
    card_id: i32,
    buried: bool,
    now: DateTime<Utc>,
) -> Result<card::Model, AppError> {
    let card = own_card(db, user.id, card_id).await?;
    let mut active: card::ActiveModel = card.into();
    active.buried_until = Set(buried.then(|| clock_for(user).tomorrow_start(now)));
    Ok(active.update(db).await?)
}

/// A card flagged as a leech, with its question.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct Leech {
    pub card_id: i32,
    pub question_id: i32,
    pub prompt: String,
    pub lapses: i32,
    pub agains: u64,
    pub suspended: bool,
    pub due: DateTime<Utc>,
}

/// The user's leeches, most failed first.
pub async fn leeches(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<Leech>, AppError> {
    let cards = card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::Leech.eq(true))
        .all(db)
        .await?;
    let ids: Vec<i32> = cards.iter().map(|c| c.id).collect();
    let mut agains: std::collections::HashMap<i32, u64> = std::collections::HashMap::new();
    let rows: Vec<(i32,)> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::CardId)
        .filter(review_log::Column::CardId.is_in(ids))
        .filter(review_log::Column::Rating.eq(1))
        .filter(review_log::Column::UndoneAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    for (card_id,) in rows {
        *agains.entry(card_id).or_insert(0) += 1;
    }
    let prompts: std::collections::HashMap<i32, String> = question::Entity::find()
        .filter(question::Column::Id.is_in(cards.iter().map(|c| c.question_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.prompt))
        .collect();
    let mut out: Vec<Leech> = cards
        .into_iter()
        .map(|c| Leech {
            card_id: c.id,
            question_id: c.question_id,
            prompt: prompts.get(&c.question_id).cloned().unwrap_or_default(),
            lapses: c.lapses,
            agains: agains.get(&c.id).copied().unwrap_or(0),
            suspended: c.suspended,
            due: c.due,
        })
        .collect();
    out.sort_by(|a, b| b.agains.cmp(&a.agains).then(a.card_id.cmp(&b.card_id)));
    Ok(out)
}

/// Clears a card's leech flag (after the learner reworked the story); its
/// past Agains no longer count towards the threshold only if it fails again
/// that many times more.
pub async fn clear_leech(
    db: &DatabaseConnection,
    user_id: i32,
    card_id: i32,
) -> Result<card::Model, AppError> {
    let card = own_card(db, user_id, card_id).await?;
    let mut active: card::ActiveModel = card.into();
    active.leech = Set(false);
    Ok(active.update(db).await?)
}
