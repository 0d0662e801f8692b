//! The practice queue and grading: which card comes next today (respecting
//! daily limits and the 04:00 rollover), and FSRS scheduling of a grade.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Expr, Func, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use starling_domain::{
    level::Level,
    schedule::{
        parse_steps, Card, CardState, DayClock, InterviewPlan, Outcome, Rating, Scheduler,
        SchedulerConfig,
    },
};

use crate::{
    entities::{answer, card, question, review_log, user},
    error::AppError,
    store::questions::visible_bank_ids,
};

/// Learning cards due within this window are shown when nothing else is left,
/// as Anki does, so a short relearning step does not end the session early.
const LEARN_AHEAD_MINUTES: i64 = 20;

pub fn clock_for(user: &user::Model) -> DayClock {
    let tz = user.time_zone.parse().unwrap_or(chrono_tz::UTC);
    DayClock::new(tz, user.rollover_hour.clamp(0, 23) as u32)
}

/// The user's FSRS weights; empty (FSRS's defaults) when none are stored.
pub fn parameters_of(user: &user::Model) -> Vec<f32> {
    serde_json::from_str(&user.fsrs_parameters).unwrap_or_default()
}

/// The user's interview day, when one is set.
pub fn interview_date_of(user: &user::Model) -> Option<chrono::NaiveDate> {
    user.interview_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The learner's level; none when they have no preference (or a value
/// that is no level was stored).
pub fn level_of(user: &user::Model) -> Option<Level> {
    user.level.as_deref().and_then(|level| level.parse().ok())
}

/// The scheduler settings stored for a user, without the interview plan.
pub fn config_for(user: &user::Model) -> SchedulerConfig {
    let steps = |text: &str, fallback: Vec<u32>| parse_steps(text).unwrap_or(fallback);
    SchedulerConfig {
        desired_retention: user.desired_retention as f32,
        parameters: parameters_of(user),
        learning_steps: steps(&user.learning_steps, vec![10]),
        relearning_steps: steps(&user.relearning_steps, vec![10]),
        maximum_interval_days: user.maximum_interval_days.max(1) as u32,
        ..SchedulerConfig::default()
    }
}

/// The user's scheduler: their settings and parameters and, with an interview
/// ahead, the cards due on each day before it (to spread capped intervals).
pub async fn scheduler_for(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Scheduler, AppError> {
    let mut config = config_for(user);
    let clock = clock_for(user);
    if let Some(date) = interview_date_of(user).filter(|d| *d > clock.day_of(now)) {
        let dues: Vec<DateTime<Utc>> = card::Entity::find()
            .select_only()
            .column(card::Column::Due)
            .filter(card::Column::UserId.eq(user.id))
            .filter(card::Column::Suspended.eq(false))
            .filter(card::Column::Due.gt(now))
            .filter(card::Column::Due.lt(clock.day_start(date)))
            .into_tuple()
            .all(db)
            .await?;
        let mut due_per_day = std::collections::BTreeMap::new();
        for due in dues {
            *due_per_day.entry(clock.day_of(due)).or_insert(0) += 1;
        }
        config.interview = Some(InterviewPlan { date, due_per_day });
    }
    Scheduler::new(config).map_err(|err| AppError::Internal(err.into()))
}

pub fn to_domain(card: &card::Model) -> Result<Card, AppError> {
    let state = card.state.parse::<CardState>().map_err(|_| {
        AppError::Internal(anyhow::anyhow!("card {} has state {}", card.id, card.state))
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
        step: card.step.max(0) as u32,
    })
}

/// The same seed for the preview and the grade, so the buttons show the truth.
fn fuzz_seed(card: &card::Model) -> u64 {
    ((card.id as u64) << 20) ^ (card.reps as u64)
}

pub async fn preview(
    db: &impl ConnectionTrait,
    user: &user::Model,
    card: &card::Model,
    now: DateTime<Utc>,
) -> Result<[Outcome; 4], AppError> {
    scheduler_for(db, user, now)
        .await?
        .preview(&to_domain(card)?, now, &clock_for(user), fuzz_seed(card))
        .map_err(|err| AppError::Internal(err.into()))
}

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

/// Cards of active questions in banks the user can see, neither suspended
/// nor buried.
pub(crate) fn own_active_cards(
    user_id: i32,
    bank_ids: Vec<i32>,
    now: DateTime<Utc>,
) -> sea_orm::Select<card::Entity> {
    own_cards_of_questions(
        user_id,
        now,
        sea_orm::Condition::all()
            .add(question::Column::BankId.is_in(bank_ids))
            .add(question::Column::Retired.eq(false)),
    )
}

/// The user's cards, neither suspended nor buried, whose question meets
/// `questions`.
fn own_cards_of_questions(
    user_id: i32,
    now: DateTime<Utc>,
    questions: sea_orm::Condition,
) -> sea_orm::Select<card::Entity> {
    card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::Suspended.eq(false))
        .filter(
            sea_orm::Condition::any()
                .add(card::Column::BuriedUntil.is_null())
                .add(card::Column::BuriedUntil.lte(now)),
        )
        // Correlated, so the queue's `ORDER BY due LIMIT 1` walks the
        // (user_id, due) index and looks up each card's question by key,
        // instead of first listing every active question of the banks.
        .filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(question::Entity)
                .cond_where(
                    sea_orm::Condition::all()
                        .add(sea_orm::sea_query::ExprTrait::equals(
                            Expr::col((question::Entity, question::Column::Id)),
                            (card::Entity, card::Column::QuestionId),
                        ))
                        .add(questions),
                )
                .to_owned(),
        ))
}

/// How many rows `select` finds, counting at most `cap`: the query stops at
/// the cap, so a count only ever shown capped by a daily limit costs no more
/// than the limit. Rows are visited in the select's order.
async fn count_at_most<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    cap: u64,
) -> Result<u64, sea_orm::DbErr> {
    if cap == 0 {
        return Ok(0);
    }
    let capped = select
        .select_only()
        .expr(Expr::val(1))
        .limit(cap)
        .into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(capped, "capped")
        .to_owned();
    Ok(match db.query_one(&count).await? {
        Some(row) => row.try_get::<i64>("", "n")?.max(0) as u64,
        None => 0,
    })
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

    /// The conditions on a question new cards may come from.
    fn questions(&self) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(question::Column::BankId.is_in(self.bank_ids.clone()))
            .add(question::Column::Retired.eq(false))
            .add(question::Column::CompetencyId.is_not_in(self.skipped_competencies.clone()))
    }

    /// Cards shown but never graded (and not suspended or buried). The
    /// source's banks are among the visible ones, so one lookup of each
    /// card's question checks both.
    fn started_cards(&self, user_id: i32, now: DateTime<Utc>) -> sea_orm::Select<card::Entity> {
        own_cards_of_questions(user_id, now, self.questions()).filter(card::Column::State.eq("new"))
    }

    /// Questions the user has no card for yet, in the order their new cards
    /// come: those for the learner's `level` first (when they chose one),
    /// then by bank and place in the bank.
    fn uncarded_in_order(
        &self,
        user_id: i32,
        level: Option<Level>,
    ) -> sea_orm::Select<question::Entity> {
        let mut select = self.uncarded(user_id);
        if let Some(level) = level {
            select = select.order_by(for_level_first(level), Order::Asc);
        }
        select
            .order_by_asc(question::Column::BankId)
            .order_by_asc(question::Column::Position)
    }

    /// Questions the user has no card for yet.
    fn uncarded(&self, user_id: i32) -> sea_orm::Select<question::Entity> {
        question::Entity::find()
            .filter(self.questions())
            // NOT EXISTS, so each question's card is looked up by the
            // (user_id, question_id) index instead of hashing all the cards.
            .filter(
                sea_orm::Condition::all().not().add(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(card::Entity)
                        .and_where(card::Column::UserId.eq(user_id))
                        .and_where(sea_orm::sea_query::ExprTrait::equals(
                            Expr::col((card::Entity, card::Column::QuestionId)),
                            (question::Entity, question::Column::Id),
                        ))
                        .to_owned(),
                )),
            )
    }
}

/// An ORDER BY key putting the questions that suit `level` first: 0 when a
/// question's `level` list names it or is empty (the question suits every
/// level), 1 otherwise. The list is JSON text such as
/// `["first-time","experienced"]` and level names hold no quotes, so the
/// quoted name matches a whole item only; the text is lowered so that
/// SQLite's case-blind LIKE and PostgreSQL's case-sensitive one agree.
fn for_level_first(level: Level) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    let levels = Expr::col((question::Entity, question::Column::Level));
    Expr::case(
        sea_orm::Condition::any()
            .add(ExprTrait::eq(levels.clone(), "[]"))
            .add(ExprTrait::like(
                Func::lower(levels),
                format!("%\"{level}\"%"),
            )),
        0,
    )
    .finally(1)
    .into()
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

/// How many cards of the user are flagged as leeches (the length of
/// [`leeches`], without loading them).
pub async fn leech_count(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, sea_orm::DbErr> {
    card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::Leech.eq(true))
        .count(db)
        .await
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

/// How far back reviews count towards covering a competency for an interview.
pub const INTERVIEW_WINDOW_DAYS: u64 = 30;

/// When an interview is ahead: the start of the window whose reviews count
/// towards it (30 study days before the interview day).
pub fn interview_window(user: &user::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let clock = clock_for(user);
    let date = interview_date_of(user).filter(|d| *d > clock.day_of(now))?;
    let start = date
        .checked_sub_days(chrono::Days::new(INTERVIEW_WINDOW_DAYS))
        .unwrap_or(date);
    Some(clock.day_start(start))
}

/// Reviews (grades not undone) since `since`, per competency id.
pub async fn competency_reviews(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<i32, u64>, sea_orm::DbErr> {
    let rows: Vec<(i32,)> = review_log::Entity::find()
        .select_only()
        .column(question::Column::CompetencyId)
        .join(
            sea_orm::JoinType::InnerJoin,
            review_log::Entity::belongs_to(card::Entity)
                .from(review_log::Column::CardId)
                .to(card::Column::Id)
                .into(),
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            card::Entity::belongs_to(question::Entity)
                .from(card::Column::QuestionId)
                .to(question::Column::Id)
                .into(),
        )
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::ReviewedAt.gte(since))
        .filter(review_log::Column::UndoneAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for (competency,) in rows {
        *counts.entry(competency).or_insert(0) += 1;
    }
    Ok(counts)
}

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
        state_before: Set(before.state.as_str().to_owned()),
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
            state: card.state.clone(),
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
    active.state = Set(snapshot.state);
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
        rating: crate::store::answers::rating_name(last.rating),
        reviewed_at: last.reviewed_at,
        answer_id,
    })
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
        .filter(card::Column::State.eq("review"))
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
