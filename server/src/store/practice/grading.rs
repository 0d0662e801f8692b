//! Grading a card with FSRS (atomically with its review log), undoing the last grade, and
//! rescheduling every card after a settings change.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use starling_domain::schedule::{Card, Rating};

use super::{clock_for, fuzz_seed, scheduler_for, to_domain};
use crate::{
    entities::{answer, card, review_log, user},
    error::AppError,
};

/// The user's card for a question, created (as new, due now) if missing.
pub async fn card_for_question(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
    now: DateTime<Utc>,
) -> Result<card::Model, AppError> {
    let find = || {
        card::Entity::find()
            .filter(card::Column::UserId.eq(user_id))
            .filter(card::Column::QuestionId.eq(question_id))
    };
    if let Some(found) = find().one(db).await? {
        return Ok(found);
    }
    let fresh = Card::new(now);
    let inserted = card::ActiveModel {
        user_id: Set(user_id),
        question_id: Set(question_id),
        state: Set(fresh.state.into()),
        due: Set(fresh.due),
        stability: Set(fresh.stability),
        difficulty: Set(fresh.difficulty),
        last_review: Set(None),
        reps: Set(0),
        lapses: Set(0),
        scheduled_days: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(model) => Ok(model),
        // Another tab created it first: use theirs.
        Err(err) if crate::store::accounts::is_unique_violation(&err) => {
            find().one(db).await?.ok_or(AppError::NotFound("card"))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn own_card(
    db: &impl ConnectionTrait,
    user_id: i32,
    card_id: i32,
) -> Result<card::Model, AppError> {
    card::Entity::find_by_id(card_id)
        .filter(card::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("card"))
}

/// Grades a card: schedules it with FSRS and logs the review, atomically.
/// Grading the same answer twice returns the card as the first grade left it.
pub async fn grade_card(
    db: &DatabaseConnection,
    user: &user::Model,
    card_id: i32,
    rating: Rating,
    answer_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<card::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = own_card(&txn, user.id, card_id).await?;
    if let Some(answer_id) = answer_id {
        let answer = answer::Entity::find_by_id(answer_id)
            .filter(answer::Column::UserId.eq(user.id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("answer"))?;
        if answer.question_id != current.question_id {
            return Err(AppError::invalid(
                "answer_id",
                "the answer is for another question than this card",
            ));
        }
        // An attempt already graded is found by the unique index on the
        // log's answer when the grade is logged below: the transaction is
        // then dropped and the card stays as that grade left it.
    }
    let before = to_domain(&current)?;
    let clock = clock_for(user);
    let outcome = scheduler_for(&txn, user, now)
        .await?
        .grade(&before, rating, now, &clock, fuzz_seed(&current))
        .map_err(|err| AppError::Internal(err.into()))?;
    // A question failed again and again is a leech: flag it once it reaches
    // the user's threshold (Again ratings not undone, this one included).
    let leech = current.leech
        || (rating == Rating::Again && {
            let agains = review_log::Entity::find()
                .filter(review_log::Column::CardId.eq(current.id))
                .filter(review_log::Column::Rating.eq(1))
                .filter(review_log::Column::UndoneAt.is_null())
                .count(&txn)
                .await?;
            agains + 1 >= user.leech_threshold.max(1) as u64
        });
    let card_before = serde_json::to_string(&Snapshot::of(&current))
        .map_err(|err| AppError::Internal(err.into()))?;
    let after = &outcome.card;
    let elapsed_days = before
        .last_review
        .map(|last| (clock.day_of(now) - clock.day_of(last)).num_days().max(0))
        .unwrap_or(0);

    // Guarded by the review count read above: two grades racing for one card
    // cannot both advance it.
    let updated = card::Entity::update_many()
        .col_expr(card::Column::State, Expr::value(after.state.as_str()))
        .col_expr(card::Column::Due, Expr::value(after.due))
        .col_expr(card::Column::Stability, Expr::value(after.stability))
        .col_expr(card::Column::Difficulty, Expr::value(after.difficulty))
        .col_expr(card::Column::LastReview, Expr::value(after.last_review))
        .col_expr(card::Column::Reps, Expr::value(after.reps as i32))
        .col_expr(card::Column::Lapses, Expr::value(after.lapses as i32))
        .col_expr(
            card::Column::ScheduledDays,
            Expr::value(after.scheduled_days as i32),
        )
        .col_expr(card::Column::Step, Expr::value(after.step as i32))
        .col_expr(card::Column::Leech, Expr::value(leech))
        .filter(card::Column::Id.eq(current.id))
        .filter(card::Column::Reps.eq(current.reps))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::Conflict(
            "this card was just graded by another request; reload to see its new state".to_owned(),
        ));
    }
    let logged = review_log::ActiveModel {
        card_id: Set(current.id),
        user_id: Set(user.id),
        answer_id: Set(answer_id),
        rating: Set(rating.number() as i16),
        state_before: Set(before.state.into()),
        elapsed_days: Set(elapsed_days as i32),
        scheduled_days: Set(after.scheduled_days as i32),
        stability: Set(after.stability),
        difficulty: Set(after.difficulty),
        due: Set(after.due),
        reviewed_at: Set(now),
        card_before: Set(Some(card_before)),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match logged {
        Ok(_) => txn.commit().await?,
        // The same answer graded before (or at the same moment by another
        // request): that grade stands and this one is dropped with the
        // transaction.
        Err(err) if crate::store::accounts::is_unique_violation(&err) => {
            drop(txn);
            return own_card(db, user.id, card_id).await;
        }
        Err(err) => return Err(err.into()),
    }
    own_card(db, user.id, card_id).await
}

/// A card's scheduling fields as they were before a grade, kept with the
/// review log so the grade can be undone.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Snapshot {
    state: String,
    due: DateTime<Utc>,
    stability: f64,
    difficulty: f64,
    last_review: Option<DateTime<Utc>>,
    reps: i32,
    lapses: i32,
    scheduled_days: i32,
    step: i32,
    leech: bool,
}

impl Snapshot {
    fn of(card: &card::Model) -> Snapshot {
        Snapshot {
            state: card.state.as_str().to_owned(),
            due: card.due,
            stability: card.stability,
            difficulty: card.difficulty,
            last_review: card.last_review,
            reps: card.reps,
            lapses: card.lapses,
            scheduled_days: card.scheduled_days,
            step: card.step,
            leech: card.leech,
        }
    }
}

/// What undoing a grade did.
#[derive(utoipa::ToSchema, Clone, Debug, serde::Serialize)]
pub struct Undone {
    pub card_id: i32,
    #[schema(value_type = starling_domain::schedule::Rating)]
    pub rating: &'static str,
    pub reviewed_at: DateTime<Utc>,
    /// The attempt that was graded; it stays, and may be graded again.
    pub answer_id: Option<i32>,
}

/// Undoes the user's most recent grade that is not undone yet: the card goes
/// back to how it was, the log is marked undone and no longer counts. Calling
/// it again undoes the grade before.
pub async fn undo_last_grade(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Undone, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let last = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user.id))
        .filter(review_log::Column::UndoneAt.is_null())
        .order_by_desc(review_log::Column::ReviewedAt)
        .order_by_desc(review_log::Column::Id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("grade to undo"))?;
    let snapshot: Snapshot = last
        .card_before
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| {
            AppError::Conflict(
                "this grade was given before undo existed and cannot be undone".to_owned(),
            )
        })?;
    let card = own_card(&txn, user.id, last.card_id).await?;
    // The card must still be as this grade left it; a later grade (undone
    // first) or a reschedule would make the snapshot wrong.
    if card.reps != snapshot.reps + 1 {
        return Err(AppError::Conflict(
            "the card has changed since this grade; it cannot be undone".to_owned(),
        ));
    }
    let mut active: card::ActiveModel = card.into();
    active.state = Set(snapshot
        .state
        .parse()
        .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?);
    active.due = Set(snapshot.due);
    active.stability = Set(snapshot.stability);
    active.difficulty = Set(snapshot.difficulty);
    active.last_review = Set(snapshot.last_review);
    active.reps = Set(snapshot.reps);
    active.lapses = Set(snapshot.lapses);
    active.scheduled_days = Set(snapshot.scheduled_days);
    active.step = Set(snapshot.step);
    active.leech = Set(snapshot.leech);
    active.update(&txn).await?;
    let answer_id = last.answer_id;
    let mut log: review_log::ActiveModel = last.clone().into();
    log.undone_at = Set(Some(now));
    // Frees the attempt to be graded again.
    log.answer_id = Set(None);
    log.update(&txn).await?;
    txn.commit().await?;
    Ok(Undone {
        card_id: last.card_id,
        rating: crate::store::answers::stored_rating(last.rating).as_str(),
        reviewed_at: last.reviewed_at,
        answer_id,
    })
}

/// Recomputes the due dates of the user's review cards after a change of
/// retention, parameters, maximum interval or interview date; returns how
/// many moved. Cards already due stay due.
pub async fn reschedule_all(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let scheduler = scheduler_for(db, user, now).await?;
    let clock = clock_for(user);
    let cards = card::Entity::find()
        .filter(card::Column::UserId.eq(user.id))
        .filter(card::Column::State.eq(card::State::Review))
        .filter(card::Column::Due.gt(now))
        .all(db)
        .await?;
    let txn = crate::db::begin_write(db).await?;
    let mut moved = 0;
    for card in cards {
        let Some(next) = scheduler.reschedule(&to_domain(&card)?, now, &clock) else {
            continue;
        };
        if next.due == card.due {
            continue;
        }
        card::Entity::update_many()
            .col_expr(card::Column::Due, Expr::value(next.due))
            .col_expr(
                card::Column::ScheduledDays,
                Expr::value(next.scheduled_days as i32),
            )
            .filter(card::Column::Id.eq(card.id))
            .filter(card::Column::Reps.eq(card.reps))
            .exec(&txn)
            .await?;
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}
