//! Practice: a user's scheduler and day clock (here), the day's queue
//! (`queue`, drawing on `sources`), grading and undo (`grading`), and card
//! actions and leeches (`cards`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use starling_domain::{
    level::Level,
    schedule::{parse_steps, Card, DayClock, InterviewPlan, Outcome, Scheduler, SchedulerConfig},
};

use crate::{
    entities::{card, user},
    error::AppError,
};

mod cards;
mod grading;
mod queue;
mod sources;

pub use cards::{clear_leech, leech_count, leeches, set_buried, set_suspended, Leech};
pub use grading::{
    card_for_question, grade_card, own_card, reschedule_all, undo_last_grade, Undone,
};
pub use queue::{next_card, today, workload_cards, Today};
pub(crate) use sources::own_active_cards;
pub use sources::{competency_reviews, interview_window, INTERVIEW_WINDOW_DAYS};

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
    Ok(Card {
        state: card.state.into(),
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
