//! The day's queue: today's counts and the next card, in the order learning, review, a coach's
//! assignments, started, new (interview-aware), learn-ahead.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Asterisk, Expr, Query, UnionType},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
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

/// The stages of the day's queue, in the order their cards come. Defined
/// once: [`today`] counts them and [`next_card`] picks from them, both in
/// this order, so the counts shown are the cards that will be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Learning and relearning cards due now.
    Learning,
    /// Review cards due now, up to the daily review limit.
    Review,
    /// A coach's assignments: new questions ahead of the learner's own.
    Assigned,
    /// Cards shown but never graded.
    Started,
    /// Questions without a card yet: the learner's level first and, before
    /// an interview, the competency reviewed least.
    New,
    /// Learning cards due within [`LEARN_AHEAD_MINUTES`], once nothing else
    /// is left (Anki's learn-ahead).
    LearnAhead,
}

impl Stage {
    pub const ORDER: [Stage; 6] = [
        Stage::Learning,
        Stage::Review,
        Stage::Assigned,
        Stage::Started,
        Stage::New,
        Stage::LearnAhead,
    ];

    /// The daily limit the stage's cards count against.
    fn limit(self) -> Option<Limit> {
        match self {
            Stage::Review => Some(Limit::Reviews),
            Stage::Assigned | Stage::Started | Stage::New => Some(Limit::NewCards),
            Stage::Learning | Stage::LearnAhead => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Limit {
    Reviews,
    NewCards,
}

/// What a stage serves: a card, or a question whose card is made when served.
enum Pick {
    Card(card::Model),
    Question(i32),
}

/// A user's queue at `now`: what every stage needs, read once.
struct Queue<'a, C> {
    db: &'a C,
    user: &'a user::Model,
    now: DateTime<Utc>,
    bank_ids: Vec<i32>,
    graded: GradedToday,
    /// Read when a stage of new cards is first reached.
    source: Option<NewCardSource>,
}

impl<'a, C: ConnectionTrait> Queue<'a, C> {
    async fn open(
        db: &'a C,
        user: &'a user::Model,
        now: DateTime<Utc>,
    ) -> Result<Self, sea_orm::DbErr> {
        let since = clock_for(user).today_start(now);
        Ok(Self {
            db,
            user,
            now,
            bank_ids: visible_bank_ids(db, user.id).await?,
            graded: graded_today_by_state(db, user.id, since).await?,
            source: None,
        })
    }

    /// How many more cards a limit allows today.
    fn allowance(&self, limit: Limit) -> u64 {
        match limit {
            Limit::Reviews => remaining(self.user.reviews_per_day, self.graded.review),
            Limit::NewCards => remaining(self.user.new_per_day, self.graded.new),
        }
    }

    async fn source(&mut self) -> Result<NewCardSource, sea_orm::DbErr> {
        if let Some(source) = &self.source {
            return Ok(source.clone());
        }
        let source = NewCardSource::for_user(self.db, self.user.id, &self.bank_ids).await?;
        self.source = Some(source.clone());
        Ok(source)
    }

    fn learning_cards(&self) -> sea_orm::Select<card::Entity> {
        own_active_cards(self.user.id, self.bank_ids.clone(), self.now)
            .filter(card::Column::State.is_in([card::State::Learning, card::State::Relearning]))
    }

    fn due_reviews(&self) -> sea_orm::Select<card::Entity> {
        own_active_cards(self.user.id, self.bank_ids.clone(), self.now)
            .filter(card::Column::State.eq(card::State::Review))
            .filter(card::Column::Due.lte(self.now))
    }

    /// How many cards the stage holds now, counting at most `cap`.
    async fn count(&mut self, stage: Stage, cap: u64) -> Result<u64, sea_orm::DbErr> {
        match stage {
            Stage::Learning => {
                self.learning_cards()
                    .filter(card::Column::Due.lte(self.now))
                    .count(self.db)
                    .await
            }
            Stage::Review => count_at_most(self.db, self.due_reviews(), cap).await,
            // Assigned questions are started or new ones, counted there.
            Stage::Assigned => Ok(0),
            Stage::Started => {
                let source = self.source().await?;
                count_at_most(self.db, source.started_cards(self.user.id, self.now), cap).await
            }
            Stage::New => {
                // Newest questions first: cards are made in bank order, so the
                // questions still without one tend to be the recent ones.
                let source = self.source().await?;
                count_at_most(
                    self.db,
                    source
                        .uncarded(self.user.id)
                        .order_by_desc(question::Column::Id),
                    cap,
                )
                .await
            }
            // Learning cards due later today are counted apart (`later_today`).
            Stage::LearnAhead => Ok(0),
        }
    }

    /// The card (or new question) the stage serves first, if any.
    async fn pick(&mut self, stage: Stage) -> Result<Option<Pick>, AppError> {
        let (db, user, now) = (self.db, self.user, self.now);
        Ok(match stage {
            Stage::Learning => first_learning_due_by(db, user.id, &self.bank_ids, now, now)
                .await?
                .map(Pick::Card),
            Stage::Review => self
                .due_reviews()
                .order_by_asc(card::Column::Due)
                .order_by_asc(card::Column::Id)
                .one(db)
                .await?
                .map(Pick::Card),
            Stage::Assigned => {
                crate::store::coaching::next_assigned_question(db, user.id, &self.bank_ids, now)
                    .await?
                    .map(Pick::Question)
            }
            Stage::Started => self
                .source()
                .await?
                .started_cards(user.id, now)
                .order_by_asc(card::Column::Id)
                .one(db)
                .await?
                .map(Pick::Card),
            Stage::New => self.first_new_question().await?.map(Pick::Question),
            Stage::LearnAhead => {
                let by = now + Duration::minutes(LEARN_AHEAD_MINUTES);
                first_learning_due_by(db, user.id, &self.bank_ids, now, by)
                    .await?
                    .map(Pick::Card)
            }
        })
    }

    /// The question the next new card comes from: in the usual order (the
    /// learner's level first) or, before an interview, from the competency
    /// reviewed least so far, so every one is covered in time.
    async fn first_new_question(&mut self) -> Result<Option<i32>, sea_orm::DbErr> {
        let (db, user) = (self.db, self.user);
        let source = self.source().await?;
        let in_order = source.uncarded_in_order(user.id, level_of(user));
        Ok(match interview_window(user, self.now) {
            Some(since) => {
                let candidates: Vec<(i32, i32)> = in_order
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
            None => in_order.one(db).await?.map(|q| q.id),
        })
    }
}

/// Today's counts, stage by stage. The review and new counts are only ever
/// shown capped by the day's remaining limits, so they are counted up to
/// those limits and not beyond (and not at all once a limit is used up).
pub async fn today(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Today, sea_orm::DbErr> {
    let mut queue = Queue::open(db, user, now).await?;
    let mut left = [Limit::Reviews, Limit::NewCards].map(|limit| queue.allowance(limit));
    let mut counts = Today {
        done_today: queue.graded.all,
        ..Today::default()
    };
    for stage in Stage::ORDER {
        let cap = stage.limit().map_or(u64::MAX, |limit| left[limit as usize]);
        if cap == 0 {
            continue;
        }
        let n = queue.count(stage, cap).await?;
        if let Some(limit) = stage.limit() {
            left[limit as usize] -= n.min(cap);
        }
        match stage {
            Stage::Learning => counts.learning += n,
            Stage::Review => counts.review += n,
            Stage::Assigned | Stage::Started | Stage::New => counts.new += n,
            Stage::LearnAhead => {}
        }
    }
    let clock = clock_for(user);
    let later: Vec<DateTime<Utc>> = queue
        .learning_cards()
        .select_only()
        .column(card::Column::Due)
        .filter(card::Column::Due.gt(now))
        .filter(card::Column::Due.lt(clock.tomorrow_start(now)))
        .into_tuple()
        .all(db)
        .await?;
    counts.later_today = later.len() as u64;
    counts.next_learning_due = later.into_iter().min();
    Ok(counts)
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
        .filter(card::Column::State.ne(card::State::New))
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

/// The next card to practise now, from the first stage (in [`Stage::ORDER`])
/// that has one and whose daily limit is not used up, creating the card of a
/// new question when its turn comes; `None` when the day is done.
pub async fn next_card(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Option<card::Model>, AppError> {
    let mut queue = Queue::open(db, user, now).await?;
    for stage in Stage::ORDER {
        if stage
            .limit()
            .is_some_and(|limit| queue.allowance(limit) == 0)
        {
            continue;
        }
        match queue.pick(stage).await? {
            Some(Pick::Card(card)) => return Ok(Some(card)),
            Some(Pick::Question(id)) => {
                return Ok(Some(card_for_question(db, user.id, id, now).await?))
            }
            None => {}
        }
    }
    Ok(None)
}

/// The learning or relearning card due first, if one is due by `by`. One
/// search per state, both in one statement: with `state = ?` the (user_id,
/// state, due) index yields the cards in due order, where `state IN (..)
/// ORDER BY due` made SQLite walk every due card of the user by date (all
/// the due reviews too) to find none.
async fn first_learning_due_by(
    db: &impl ConnectionTrait,
    user_id: i32,
    bank_ids: &[i32],
    now: DateTime<Utc>,
    by: DateTime<Utc>,
) -> Result<Option<card::Model>, AppError> {
    let first_of = |state: card::State| {
        let search = own_active_cards(user_id, bank_ids.to_vec(), now)
            .filter(card::Column::State.eq(state))
            .filter(card::Column::Due.lte(by))
            .order_by_asc(card::Column::Due)
            .order_by_asc(card::Column::Id)
            .limit(1)
            .into_query();
        Query::select()
            .column(Asterisk)
            .from_subquery(search, state.as_str())
            .to_owned()
    };
    let both = first_of(card::State::Learning)
        .union(UnionType::All, first_of(card::State::Relearning))
        .to_owned();
    let found = card::Entity::find()
        .from_raw_sql(db.get_database_backend().build(&both))
        .all(db)
        .await?;
    Ok(found.into_iter().min_by_key(|card| (card.due, card.id)))
}

#[cfg(test)]
mod tests;
