//! The practice queue and grading: which card comes next today (respecting
//! daily limits and the 04:00 rollover), and FSRS scheduling of a grade.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use starling_domain::schedule::{
    Card, CardState, DayClock, Outcome, Rating, Scheduler, SchedulerConfig,
};

use crate::{
    entities::{answer, card, question, review_log, user},
    error::ApiError,
    store::questions::visible_bank_ids,
};

/// Learning cards due within this window are shown when nothing else is left,
/// as Anki does, so a short relearning step does not end the session early.
const LEARN_AHEAD_MINUTES: i64 = 20;

pub fn clock_for(user: &user::Model) -> DayClock {
    let tz = user.time_zone.parse().unwrap_or(chrono_tz::UTC);
    DayClock::new(tz, 4)
}

pub fn scheduler_for(user: &user::Model) -> Result<Scheduler, ApiError> {
    Scheduler::new(SchedulerConfig {
        desired_retention: user.desired_retention as f32,
        ..SchedulerConfig::default()
    })
    .map_err(|err| ApiError::Internal(err.into()))
}

pub fn to_domain(card: &card::Model) -> Result<Card, ApiError> {
    let state = card.state.parse::<CardState>().map_err(|_| {
        ApiError::Internal(anyhow::anyhow!("card {} has state {}", card.id, card.state))
    })?;
    Ok(Card {
        state,
        due: card.due,
        stability: card.stability,
        difficulty: card.difficulty,
        last_review: card.last_review,
        reps: card.reps.max(0) as u32,
        lapses: card.lapses.max(0) as u32,
        scheduled_days: card.scheduled_days.max(0) as u32,
    })
}

/// The same seed for the preview and the grade, so the buttons show the truth.
fn fuzz_seed(card: &card::Model) -> u64 {
    ((card.id as u64) << 20) ^ (card.reps as u64)
}

pub fn preview(
    user: &user::Model,
    card: &card::Model,
    now: DateTime<Utc>,
) -> Result<[Outcome; 4], ApiError> {
    scheduler_for(user)?
        .preview(&to_domain(card)?, now, &clock_for(user), fuzz_seed(card))
        .map_err(|err| ApiError::Internal(err.into()))
}

/// Today's counts after the daily limits.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Today {
    pub learning: u64,
    pub review: u64,
    pub new: u64,
    pub done_today: u64,
}

impl Today {
    pub fn due(&self) -> u64 {
        self.learning + self.review
    }
    pub fn is_empty(&self) -> bool {
        self.learning + self.review + self.new == 0
    }
}

async fn graded_today(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: DateTime<Utc>,
    state_before: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut query = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::ReviewedAt.gte(since));
    if let Some(state) = state_before {
        query = query.filter(review_log::Column::StateBefore.eq(state));
    }
    query.count(db).await
}

fn remaining(limit: i32, used: u64) -> u64 {
    (limit.max(0) as u64).saturating_sub(used)
}

/// Cards of active questions in banks the user can see.
pub(crate) fn own_active_cards(user_id: i32, bank_ids: Vec<i32>) -> sea_orm::Select<card::Entity> {
    card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(
            card::Column::QuestionId.in_subquery(
                Query::select()
                    .column(question::Column::Id)
                    .from(question::Entity)
                    .and_where(question::Column::BankId.is_in(bank_ids))
                    .and_where(question::Column::Retired.eq(false))
                    .to_owned(),
            ),
        )
}

/// Questions new cards may come from: active, in a practised bank the user
/// can see, in a competency they have not switched off.
#[derive(Clone, Debug)]
struct NewCardSource {
    bank_ids: Vec<i32>,
    skipped_competencies: Vec<i32>,
}

impl NewCardSource {
    async fn for_user(
        db: &impl ConnectionTrait,
        user_id: i32,
        visible: &[i32],
    ) -> Result<Self, sea_orm::DbErr> {
        let choices = crate::store::choices::for_user(db, user_id).await?;
        Ok(Self {
            bank_ids: visible
                .iter()
                .copied()
                .filter(|id| choices.practises_bank(*id))
                .collect(),
            skipped_competencies: choices.skipped_competencies.into_iter().collect(),
        })
    }

    fn questions(&self) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(question::Column::Id)
            .from(question::Entity)
            .and_where(question::Column::BankId.is_in(self.bank_ids.clone()))
            .and_where(question::Column::Retired.eq(false))
            .and_where(question::Column::CompetencyId.is_not_in(self.skipped_competencies.clone()))
            .to_owned()
    }

    /// Cards shown but never graded.
    fn started_cards(&self, user_id: i32) -> sea_orm::Select<card::Entity> {
        card::Entity::find()
            .filter(card::Column::UserId.eq(user_id))
            .filter(card::Column::State.eq("new"))
            .filter(card::Column::QuestionId.in_subquery(self.questions()))
    }

    /// Questions the user has no card for yet.
    fn uncarded(&self, user_id: i32) -> sea_orm::Select<question::Entity> {
        question::Entity::find()
            .filter(question::Column::Id.in_subquery(self.questions()))
            .filter(
                question::Column::Id.not_in_subquery(
                    Query::select()
                        .column(card::Column::QuestionId)
                        .from(card::Entity)
                        .and_where(card::Column::UserId.eq(user_id))
                        .to_owned(),
                ),
            )
    }
}

pub async fn today(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Today, sea_orm::DbErr> {
    let since = clock_for(user).today_start(now);
    let bank_ids = visible_bank_ids(db, user.id).await?;
    let learning = own_active_cards(user.id, bank_ids.clone())
        .filter(card::Column::State.is_in(["learning", "relearning"]))
        .filter(card::Column::Due.lte(now + Duration::minutes(LEARN_AHEAD_MINUTES)))
        .count(db)
        .await?;
    let review_due = own_active_cards(user.id, bank_ids.clone())
        .filter(card::Column::State.eq("review"))
        .filter(card::Column::Due.lte(now))
        .count(db)
        .await?;
    let reviews_done = graded_today(db, user.id, since, Some("review")).await?;
    let new_done = graded_today(db, user.id, since, Some("new")).await?;
    let source = NewCardSource::for_user(db, user.id, &bank_ids).await?;
    let new_cards = source.started_cards(user.id).count(db).await?;
    let uncarded = source.uncarded(user.id).count(db).await?;
    Ok(Today {
        learning,
        review: review_due.min(remaining(user.reviews_per_day, reviews_done)),
        new: (new_cards + uncarded).min(remaining(user.new_per_day, new_done)),
        done_today: graded_today(db, user.id, since, None).await?,
    })
}

/// The next card to practise now, creating the card of a new question when
/// its turn comes; `None` when the day is done.
pub async fn next_card(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Option<card::Model>, ApiError> {
    let since = clock_for(user).today_start(now);
    let bank_ids = visible_bank_ids(db, user.id).await?;

    let due_learning = own_active_cards(user.id, bank_ids.clone())
        .filter(card::Column::State.is_in(["learning", "relearning"]))
        .filter(card::Column::Due.lte(now))
        .order_by_asc(card::Column::Due)
        .one(db)
        .await?;
    if due_learning.is_some() {
        return Ok(due_learning);
    }

    if remaining(
        user.reviews_per_day,
        graded_today(db, user.id, since, Some("review")).await?,
    ) > 0
    {
        let review = own_active_cards(user.id, bank_ids.clone())
            .filter(card::Column::State.eq("review"))
            .filter(card::Column::Due.lte(now))
            .order_by_asc(card::Column::Due)
            .order_by_asc(card::Column::Id)
            .one(db)
            .await?;
        if review.is_some() {
            return Ok(review);
        }
    }

    if remaining(
        user.new_per_day,
        graded_today(db, user.id, since, Some("new")).await?,
    ) > 0
    {
        // A coach's assignments come before the learner's other new questions.
        if let Some(question_id) =
            crate::store::coaching::next_assigned_question(db, user.id, &bank_ids).await?
        {
            return Ok(Some(
                card_for_question(db, user.id, question_id, now).await?,
            ));
        }
        let source = NewCardSource::for_user(db, user.id, &bank_ids).await?;
        let started = source
            .started_cards(user.id)
            .order_by_asc(card::Column::Id)
            .one(db)
            .await?;
        if started.is_some() {
            return Ok(started);
        }
        if let Some(fresh) = source
            .uncarded(user.id)
            .order_by_asc(question::Column::BankId)
            .order_by_asc(question::Column::Position)
            .one(db)
            .await?
        {
            return Ok(Some(card_for_question(db, user.id, fresh.id, now).await?));
        }
    }

    Ok(own_active_cards(user.id, bank_ids)
        .filter(card::Column::State.is_in(["learning", "relearning"]))
        .filter(card::Column::Due.lte(now + Duration::minutes(LEARN_AHEAD_MINUTES)))
        .order_by_asc(card::Column::Due)
        .one(db)
        .await?)
}

/// The user's card for a question, created (as new, due now) if missing.
pub async fn card_for_question(
    db: &impl ConnectionTrait,
    user_id: i32,
    question_id: i32,
    now: DateTime<Utc>,
) -> Result<card::Model, ApiError> {
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
        state: Set(fresh.state.as_str().to_owned()),
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
            find().one(db).await?.ok_or(ApiError::NotFound("card"))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn own_card(
    db: &impl ConnectionTrait,
    user_id: i32,
    card_id: i32,
) -> Result<card::Model, ApiError> {
    card::Entity::find_by_id(card_id)
        .filter(card::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("card"))
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
) -> Result<card::Model, ApiError> {
    let txn = db.begin().await?;
    let current = own_card(&txn, user.id, card_id).await?;
    if let Some(answer_id) = answer_id {
        let answer = answer::Entity::find_by_id(answer_id)
            .filter(answer::Column::UserId.eq(user.id))
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("answer"))?;
        if answer.question_id != current.question_id {
            return Err(ApiError::invalid(
                "answer_id",
                "the answer is for another question than this card",
            ));
        }
        let already = review_log::Entity::find()
            .filter(review_log::Column::AnswerId.eq(answer_id))
            .one(&txn)
            .await?;
        if already.is_some() {
            return Ok(current);
        }
    }
    let before = to_domain(&current)?;
    let clock = clock_for(user);
    let outcome = scheduler_for(user)?
        .grade(&before, rating, now, &clock, fuzz_seed(&current))
        .map_err(|err| ApiError::Internal(err.into()))?;
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
        .filter(card::Column::Id.eq(current.id))
        .filter(card::Column::Reps.eq(current.reps))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::Conflict(
            "this card was just graded by another request; reload to see its new state".to_owned(),
        ));
    }
    let logged = review_log::ActiveModel {
        card_id: Set(current.id),
        user_id: Set(user.id),
        answer_id: Set(answer_id),
        rating: Set(rating.number() as i16),
        state_before: Set(before.state.as_str().to_owned()),
        elapsed_days: Set(elapsed_days as i32),
        scheduled_days: Set(after.scheduled_days as i32),
        stability: Set(after.stability),
        difficulty: Set(after.difficulty),
        due: Set(after.due),
        reviewed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match logged {
        Ok(_) => txn.commit().await?,
        // The same answer graded at the same moment by another request: that
        // grade stands and this one is dropped with the transaction.
        Err(err) if crate::store::accounts::is_unique_violation(&err) => {
            drop(txn);
            return own_card(db, user.id, card_id).await;
        }
        Err(err) => return Err(err.into()),
    }
    own_card(db, user.id, card_id).await
}
