//! The day's queue: today's counts and the next card, in the order learning, review, a coach's
//! assignments, started, new (interview-aware), learn-ahead.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};

use super::{
    clock_for,
    grading::card_for_question,
    level_of,
    sources::{
        competency_reviews, count_at_most, interview_window, own_active_cards, NewCardSource,
    },
    LEARN_AHEAD_MINUTES,
};
use crate::{
    entities::{card, question, review_log, user},
    error::AppError,
    store::questions::visible_bank_ids,
};

/// Today's counts after the daily limits. Only cards due now count as due:
/// a learning card whose step ends later today is counted apart.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Today {
    pub learning: u64,
    pub review: u64,
    pub new: u64,
    pub done_today: u64,
    /// Learning cards due later in this study day, not yet due.
    pub later_today: u64,
    /// When the first of those is due.
    pub next_learning_due: Option<DateTime<Utc>>,
}

impl Today {
    pub fn due(&self) -> u64 {
        self.learning + self.review
    }
    /// Nothing to practise now (learning cards may still be due later today).
    pub fn is_empty(&self) -> bool {
        self.learning + self.review + self.new == 0
    }
    /// Everything still to practise this study day: due now, new, and
    /// learning cards coming due later.
    pub fn left_today(&self) -> u64 {
        self.due() + self.new + self.later_today
    }
    /// Whether `/practice` serves the next learning card now, ahead of its
    /// time, because nothing else is left (Anki's learn-ahead).
    pub fn learn_ahead(&self, now: DateTime<Utc>) -> bool {
        self.is_empty()
            && self
                .next_learning_due
                .is_some_and(|due| due <= now + Duration::minutes(LEARN_AHEAD_MINUTES))
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
        .filter(review_log::Column::ReviewedAt.gte(since))
        .filter(review_log::Column::UndoneAt.is_null());
    if let Some(state) = state_before {
        query = query.filter(review_log::Column::StateBefore.eq(state));
    }
    query.count(db).await
}

fn remaining(limit: i32, used: u64) -> u64 {
    (limit.max(0) as u64).saturating_sub(used)
}

/// Today's grades that are not undone: all of them, and those of review and
/// of new cards, in one pass over the user's log since `since`.
#[derive(Clone, Copy, Debug, Default)]
struct GradedToday {
    all: u64,
    review: u64,
    new: u64,
}

async fn graded_today_by_state(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: DateTime<Utc>,
) -> Result<GradedToday, sea_orm::DbErr> {
    let query = review_log::Entity::find()
        .select_only()
        .expr_as(Expr::cust("COUNT(*)"), "all_count")
        .expr_as(
            Expr::cust("COUNT(CASE WHEN state_before = 'review' THEN 1 END)"),
            "review_count",
        )
        .expr_as(
            Expr::cust("COUNT(CASE WHEN state_before = 'new' THEN 1 END)"),
            "new_count",
        )
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::ReviewedAt.gte(since))
        .filter(review_log::Column::UndoneAt.is_null())
        .into_query();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(GradedToday::default());
    };
    let get = |name: &str| -> Result<u64, sea_orm::DbErr> {
        Ok(row.try_get::<i64>("", name)?.max(0) as u64)
    };
    Ok(GradedToday {
        all: get("all_count")?,
        review: get("review_count")?,
        new: get("new_count")?,
    })
}

/// Today's counts. The review and new counts are only ever shown capped by
/// the day's remaining limits, so they are counted up to those limits and
/// not beyond (and not at all once a limit is used up).
pub async fn today(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Today, sea_orm::DbErr> {
    let clock = clock_for(user);
    let since = clock.today_start(now);
    let bank_ids = visible_bank_ids(db, user.id).await?;
    let graded = graded_today_by_state(db, user.id, since).await?;
    let learning_cards = || {
        own_active_cards(user.id, bank_ids.clone(), now)
            .filter(card::Column::State.is_in(["learning", "relearning"]))
    };
    let learning = learning_cards()
        .filter(card::Column::Due.lte(now))
        .count(db)
        .await?;
    let later: Vec<DateTime<Utc>> = learning_cards()
        .select_only()
        .column(card::Column::Due)
        .filter(card::Column::Due.gt(now))
        .filter(card::Column::Due.lt(clock.tomorrow_start(now)))
        .into_tuple()
        .all(db)
        .await?;
    let review = count_at_most(
        db,
        own_active_cards(user.id, bank_ids.clone(), now)
            .filter(card::Column::State.eq("review"))
            .filter(card::Column::Due.lte(now)),
        remaining(user.reviews_per_day, graded.review),
    )
    .await?;
    let new_left = remaining(user.new_per_day, graded.new);
    let mut new = 0;
    if new_left > 0 {
        let source = NewCardSource::for_user(db, user.id, &bank_ids).await?;
        new = count_at_most(db, source.started_cards(user.id, now), new_left).await?;
        if new < new_left {
            // Newest questions first: cards are made in bank order, so the
            // questions still without one tend to be the recent ones.
            new += count_at_most(
                db,
                source.uncarded(user.id).order_by_desc(question::Column::Id),
                new_left - new,
            )
            .await?;
        }
    }
    Ok(Today {
        learning,
        review,
        new,
        done_today: graded.all,
        later_today: later.len() as u64,
        next_learning_due: later.into_iter().min(),
    })
}

/// The user's reviewed cards (not new, suspended or buried), soonest due first, at most
/// `limit`; and how many questions new cards may still come from, counting at most
/// `new_cap`. What the settings page's workload estimate simulates.
pub async fn workload_cards(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
    limit: u64,
    new_cap: u64,
) -> Result<(Vec<card::Model>, u64), sea_orm::DbErr> {
    let bank_ids = visible_bank_ids(db, user.id).await?;
    let reviewed = own_active_cards(user.id, bank_ids.clone(), now)
        .filter(card::Column::State.ne("new"))
        .filter(card::Column::Reps.gt(0))
        .order_by_asc(card::Column::Due)
        .limit(limit)
        .all(db)
        .await?;
    let source = NewCardSource::for_user(db, user.id, &bank_ids).await?;
    let mut new = count_at_most(db, source.started_cards(user.id, now), new_cap).await?;
    if new < new_cap {
        new += count_at_most(db, source.uncarded(user.id), new_cap - new).await?;
    }
    Ok((reviewed, new))
}

/// The next card to practise now, creating the card of a new question when
/// its turn comes; `None` when the day is done.
pub async fn next_card(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Option<card::Model>, AppError> {
    let since = clock_for(user).today_start(now);
    let bank_ids = visible_bank_ids(db, user.id).await?;

    let due_learning = first_learning_due_by(db, user.id, &bank_ids, now, now).await?;
    if due_learning.is_some() {
        return Ok(due_learning);
    }

    if remaining(
        user.reviews_per_day,
        graded_today(db, user.id, since, Some("review")).await?,
    ) > 0
    {
        let review = own_active_cards(user.id, bank_ids.clone(), now)
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
            .started_cards(user.id, now)
            .order_by_asc(card::Column::Id)
            .one(db)
            .await?;
        if started.is_some() {
            return Ok(started);
        }
        let level = level_of(user);
        let fresh = match interview_window(user, now) {
            // Before an interview, new questions come from the competency
            // reviewed least so far, so every one is covered in time; within
            // it, in the usual order (the learner's level first).
            Some(since) => {
                let candidates: Vec<(i32, i32)> = source
                    .uncarded_in_order(user.id, level)
                    .select_only()
                    .column(question::Column::Id)
                    .column(question::Column::CompetencyId)
                    .into_tuple()
                    .all(db)
                    .await?;
                let reviewed = competency_reviews(db, user.id, since).await?;
                candidates
                    .into_iter()
                    .enumerate()
                    .min_by_key(|(order, (_, competency))| {
                        (reviewed.get(competency).copied().unwrap_or(0), *order)
                    })
                    .map(|(_, (id, _))| id)
            }
            None => source
                .uncarded_in_order(user.id, level)
                .one(db)
                .await?
                .map(|q| q.id),
        };
        if let Some(question_id) = fresh {
            return Ok(Some(
                card_for_question(db, user.id, question_id, now).await?,
            ));
        }
    }

    first_learning_due_by(
        db,
        user.id,
        &bank_ids,
        now,
        now + Duration::minutes(LEARN_AHEAD_MINUTES),
    )
    .await
}

/// The learning or relearning card due first, if one is due by `by`. One
/// search per state: with `state = ?` the (user_id, state, due) index yields
/// the cards in due order, where `state IN (..) ORDER BY due` made SQLite walk
/// every due card of the user by date (all the due reviews too) to find none.
async fn first_learning_due_by(
    db: &impl ConnectionTrait,
    user_id: i32,
    bank_ids: &[i32],
    now: DateTime<Utc>,
    by: DateTime<Utc>,
) -> Result<Option<card::Model>, AppError> {
    let mut first: Option<card::Model> = None;
    for state in ["learning", "relearning"] {
        let found = own_active_cards(user_id, bank_ids.to_vec(), now)
            .filter(card::Column::State.eq(state))
            .filter(card::Column::Due.lte(by))
            .order_by_asc(card::Column::Due)
            .order_by_asc(card::Column::Id)
            .one(db)
            .await?;
        if let Some(card) = found {
            if first
                .as_ref()
                .is_none_or(|f| (card.due, card.id) < (f.due, f.id))
            {
                first = Some(card);
            }
        }
    }
    Ok(first)
}
