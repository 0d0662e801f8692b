//! Scheduler settings, the interview plan, the review log export, and fitting
//! a learner's own FSRS parameters in the background: a job row is queued,
//! one instance claims it (an atomic update, so several instances never run
//! the same job), fits off the async workers, reports progress in the row,
//! and keeps the new parameters only when they predict the learner's history
//! better than the old.

use std::{collections::HashMap, sync::Arc, time::Duration as StdDuration};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use starling_domain::{
    level::{Level, UnknownLevel},
    optimize::{evaluate, optimize, Fit, Grade, TrainingSet, MIN_TRAINING_ITEMS},
    schedule::{format_steps, parse_steps, DayClock},
    workload,
};
use tokio::sync::Notify;

use crate::{
    entities::{card, competency, optimize_job, question, review_log, user},
    error::AppError,
    store::practice::{
        self, clock_for, competency_reviews, interview_date_of, level_of, parameters_of,
        INTERVIEW_WINDOW_DAYS,
    },
};

/// Every scheduler setting a learner can change (`GET`/`PUT /settings`).
#[derive(utoipa::ToSchema, Clone, Debug, Serialize, PartialEq)]
pub struct Settings {
    pub time_zone: String,
    pub rollover_hour: i32,
    pub new_per_day: i32,
    pub reviews_per_day: i32,
    pub desired_retention: f64,
    pub maximum_interval_days: i32,
    pub learning_steps: String,
    pub relearning_steps: String,
    pub interview_date: Option<String>,
    pub interview_min_reviews: i32,
    pub leech_threshold: i32,
    /// The learner's level, whose new questions come first; `null` for no
    /// preference.
    pub level: Option<Level>,
}

impl Settings {
    pub fn of(user: &user::Model) -> Settings {
        Settings {
            time_zone: user.time_zone.clone(),
            rollover_hour: user.rollover_hour,
            new_per_day: user.new_per_day,
            reviews_per_day: user.reviews_per_day,
            desired_retention: user.desired_retention,
            maximum_interval_days: user.maximum_interval_days,
            learning_steps: user.learning_steps.clone(),
            relearning_steps: user.relearning_steps.clone(),
            interview_date: user.interview_date.clone(),
            interview_min_reviews: user.interview_min_reviews,
            leech_threshold: user.leech_threshold,
            level: level_of(user),
        }
    }
}

/// A change of settings: absent fields stay as they are; `interview_date`
/// may be `null` (or "") to clear it, `level` `null` for no preference.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub time_zone: Option<String>,
    pub rollover_hour: Option<i64>,
    pub new_per_day: Option<i64>,
    pub reviews_per_day: Option<i64>,
    pub desired_retention: Option<f64>,
    pub maximum_interval_days: Option<i64>,
    pub learning_steps: Option<String>,
    pub relearning_steps: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub interview_date: Option<Option<String>>,
    pub interview_min_reviews: Option<i64>,
    pub leech_threshold: Option<i64>,
    /// `first-time`, `experienced`, `manager-of-managers`, or `null` for no
    /// preference.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Level>)]
    pub level: Option<Option<String>>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

fn in_range(field: &'static str, value: i64, low: i64, high: i64) -> Result<i32, AppError> {
    if (low..=high).contains(&value) {
        Ok(value as i32)
    } else {
        Err(AppError::invalid(
            field,
            format!("{field} must be between {low} and {high}, got {value}"),
        ))
    }
}

/// How far ahead an interview date may be set: plans and schedules stay
/// small, and a typo such as 9999-12-31 is caught.
pub const MAX_INTERVIEW_DAYS_AHEAD: u64 = 731;

impl SettingsChange {
    /// The settings after this change, all checked. A new interview date
    /// must lie between today (in the new time zone and rollover) and
    /// [`MAX_INTERVIEW_DAYS_AHEAD`] days ahead; an unchanged one is kept as it is.
    pub fn apply(&self, current: &Settings, now: DateTime<Utc>) -> Result<Settings, AppError> {
        let mut next = current.clone();
        if let Some(tz) = &self.time_zone {
            let parsed = tz.trim().parse::<chrono_tz::Tz>().map_err(|_| {
                AppError::invalid(
                    "time_zone",
                    format!("unknown time zone {tz:?}: use a name such as Europe/Berlin or America/New_York"),
                )
            })?;
            next.time_zone = parsed.name().to_owned();
        }
        if let Some(v) = self.rollover_hour {
            next.rollover_hour = in_range("rollover_hour", v, 0, 23)?;
        }
        if let Some(v) = self.new_per_day {
            next.new_per_day = in_range("new_per_day", v, 0, 1000)?;
        }
        if let Some(v) = self.reviews_per_day {
            next.reviews_per_day = in_range("reviews_per_day", v, 0, 10_000)?;
        }
        if let Some(v) = self.desired_retention {
            if !(0.70..=0.97).contains(&v) {
                return Err(AppError::invalid(
                    "desired_retention",
                    format!("desired_retention must be between 0.70 and 0.97, got {v}"),
                ));
            }
            next.desired_retention = (v * 1000.0).round() / 1000.0;
        }
        if let Some(v) = self.maximum_interval_days {
            next.maximum_interval_days = in_range("maximum_interval_days", v, 1, 36_500)?;
        }
        for (field, value, target) in [
            (
                "learning_steps",
                &self.learning_steps,
                &mut next.learning_steps,
            ),
            (
                "relearning_steps",
                &self.relearning_steps,
                &mut next.relearning_steps,
            ),
        ] {
            if let Some(text) = value {
                let steps =
                    parse_steps(text).map_err(|err| AppError::invalid(field, err.to_string()))?;
                *target = format_steps(&steps);
            }
        }
        if let Some(date) = &self.interview_date {
            next.interview_date = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => None,
                Some(text) => {
                    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        AppError::invalid(
                            "interview_date",
                            format!("interview_date {text:?} is not a date such as 2026-12-01"),
                        )
                    })?;
                    let day = day.format("%Y-%m-%d").to_string();
                    if current.interview_date.as_deref() != Some(day.as_str()) {
                        check_interview_date(&next, text, now)?;
                    }
                    Some(day)
                }
            };
        }
        if let Some(v) = self.interview_min_reviews {
            next.interview_min_reviews = in_range("interview_min_reviews", v, 1, 10)?;
        }
        if let Some(v) = self.leech_threshold {
            next.leech_threshold = in_range("leech_threshold", v, 1, 99)?;
        }
        if let Some(level) = &self.level {
            next.level = level
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|err: UnknownLevel| AppError::invalid("level", err.to_string()))?;
        }
        Ok(next)
    }
}

/// A newly chosen interview day: from today to two years ahead, in the
/// learner's (new) time zone and rollover.
fn check_interview_date(next: &Settings, text: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let tz = next.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = DayClock::new(tz, next.rollover_hour.clamp(0, 23) as u32).day_of(now);
    let latest = today
        .checked_add_days(chrono::Days::new(MAX_INTERVIEW_DAYS_AHEAD))
        .unwrap_or(today);
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(today);
    if day < today || day > latest {
        return Err(AppError::invalid(
            "interview_date",
            format!(
                "interview_date must be between today ({today}) and {latest} (two years ahead), got {text}"
            ),
        ));
    }
    Ok(())
}

/// Saves the settings; when what decides intervals changed (retention, the
/// maximum interval, the interview date, the day's rollover or time zone),
/// open review cards are rescheduled. Returns the user and how many moved.
pub async fn save_settings(
    db: &DatabaseConnection,
    current: user::Model,
    next: &Settings,
    now: DateTime<Utc>,
) -> Result<(user::Model, u64), AppError> {
    let before = Settings::of(&current);
    let mut active: user::ActiveModel = current.into();
    active.time_zone = Set(next.time_zone.clone());
    active.rollover_hour = Set(next.rollover_hour);
    active.new_per_day = Set(next.new_per_day);
    active.reviews_per_day = Set(next.reviews_per_day);
    active.desired_retention = Set(next.desired_retention);
    active.maximum_interval_days = Set(next.maximum_interval_days);
    active.learning_steps = Set(next.learning_steps.clone());
    active.relearning_steps = Set(next.relearning_steps.clone());
    active.interview_date = Set(next.interview_date.clone());
    active.interview_min_reviews = Set(next.interview_min_reviews);
    active.leech_threshold = Set(next.leech_threshold);
    active.level = Set(next.level.map(|level| level.as_str().to_owned()));
    let user = active.update(db).await?;
    let reschedule = before.desired_retention != next.desired_retention
        || before.maximum_interval_days != next.maximum_interval_days
        || before.interview_date != next.interview_date
        || before.rollover_hour != next.rollover_hour
        || before.time_zone != next.time_zone;
    let moved = if reschedule {
        practice::reschedule_all(db, &user, now).await?
    } else {
        0
    };
    Ok((user, moved))
}

/// The interview plan: days left, and per practised competency the reviews
/// done in the window before the interview and those already scheduled
/// before it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Plan {
    pub interview_date: String,
    pub days_left: i64,
    pub min_reviews: i32,
    pub window_days: u64,
    pub competencies: Vec<PlanCompetency>,
    /// Cards due on each study day until the interview.
    pub days: Vec<PlanDay>,
    /// Whether every competency reaches `min_reviews` with what is done and scheduled.
    pub covered: bool,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PlanCompetency {
    pub key: String,
    pub name: String,
    pub reviewed: u64,
    pub scheduled: u64,
    pub covered: bool,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct PlanDay {
    pub date: String,
    pub due: u64,
}

/// The plan towards the user's interview, or `None` without one ahead.
pub async fn plan(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Option<Plan>, AppError> {
    let clock = clock_for(user);
    let today = clock.day_of(now);
    let Some(date) = interview_date_of(user).filter(|d| *d > today) else {
        return Ok(None);
    };
    let Some(since) = practice::interview_window(user, now) else {
        return Ok(None);
    };
    let reviewed = competency_reviews(db, user.id, since).await?;
    // Cards due before the interview, with their question's competency.
    let due: Vec<(DateTime<Utc>, i32)> = card::Entity::find()
        .select_only()
        .column(card::Column::Due)
        .column(question::Column::CompetencyId)
        .join(
            sea_orm::JoinType::InnerJoin,
            card::Entity::belongs_to(question::Entity)
                .from(card::Column::QuestionId)
                .to(question::Column::Id)
                .into(),
        )
        .filter(card::Column::UserId.eq(user.id))
        .filter(card::Column::Suspended.eq(false))
        .filter(card::Column::State.ne("new"))
        .filter(card::Column::Due.lt(clock.day_start(date)))
        .into_tuple()
        .all(db)
        .await?;
    let mut scheduled: HashMap<i32, u64> = HashMap::new();
    let mut per_day: HashMap<NaiveDate, u64> = HashMap::new();
    for (at, competency_id) in &due {
        *scheduled.entry(*competency_id).or_insert(0) += 1;
        *per_day.entry(clock.day_of(*at).max(today)).or_insert(0) += 1;
    }
    let practised = crate::store::stories::taggable_competencies(db, user.id).await?;
    let rows = competency::Entity::find().all(db).await?;
    let mut by_key: Vec<PlanCompetency> = Vec::new();
    for c in practised.iter().filter(|c| c.practised) {
        let ids: Vec<i32> = rows
            .iter()
            .filter(|r| r.key == c.key)
            .map(|r| r.id)
            .collect();
        let done: u64 = ids
            .iter()
            .map(|id| reviewed.get(id).copied().unwrap_or(0))
            .sum();
        let ahead: u64 = ids
            .iter()
            .map(|id| scheduled.get(id).copied().unwrap_or(0))
            .sum();
        by_key.push(PlanCompetency {
            key: c.key.clone(),
            name: c.name.clone(),
            reviewed: done,
            scheduled: ahead,
            covered: done + ahead >= user.interview_min_reviews.max(1) as u64,
        });
    }
    let days_left = (date - today).num_days();
    // A date stored before dates were bounded may lie centuries ahead: the
    // day list stops at the bound, so its cost does not grow with the distance.
    let days = (0..days_left.min(MAX_INTERVIEW_DAYS_AHEAD as i64))
        .filter_map(|offset| today.checked_add_days(chrono::Days::new(offset as u64)))
        .map(|day| PlanDay {
            date: day.format("%Y-%m-%d").to_string(),
            due: per_day.get(&day).copied().unwrap_or(0),
        })
        .collect();
    Ok(Some(Plan {
        interview_date: date.format("%Y-%m-%d").to_string(),
        days_left,
        min_reviews: user.interview_min_reviews,
        window_days: INTERVIEW_WINDOW_DAYS,
        covered: by_key.iter().all(|c| c.covered),
        competencies: by_key,
        days,
    }))
}

/// The user's grades (not undone) as the optimizer reads them.
async fn grades_of(db: &impl ConnectionTrait, user: &user::Model) -> Result<Vec<Grade>, AppError> {
    let clock = clock_for(user);
    let rows: Vec<(i32, DateTime<Utc>, i16)> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::CardId)
        .column(review_log::Column::ReviewedAt)
        .column(review_log::Column::Rating)
        .filter(review_log::Column::UserId.eq(user.id))
        .filter(review_log::Column::UndoneAt.is_null())
        .order_by_asc(review_log::Column::ReviewedAt)
        .order_by_asc(review_log::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(card_id, at, rating)| Grade {
            card_id: i64::from(card_id),
            day: clock.day_of(at),
            rating: rating.clamp(1, 4) as u32,
        })
        .collect())
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct JobView {
    pub id: i32,
    pub status: String,
    pub progress: Progress,
    pub reviews_used: i32,
    pub before: Option<Fit>,
    pub after: Option<Fit>,
    /// Whether the fitted parameters replaced the old ones (they must fit better).
    pub adopted: bool,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Progress {
    pub current: i32,
    pub total: i32,
}

impl From<optimize_job::Model> for JobView {
    fn from(job: optimize_job::Model) -> Self {
        let fit = |log_loss: Option<f64>, rmse: Option<f64>| {
            Some(Fit {
                log_loss: log_loss?,
                rmse: rmse?,
            })
        };
        let before = fit(job.log_loss_before, job.rmse_before);
        let after = fit(job.log_loss_after, job.rmse_after);
        JobView {
            id: job.id,
            adopted: job.status == "done"
                && matches!((&before, &after), (Some(b), Some(a)) if a.log_loss < b.log_loss),
            status: job.status,
            progress: Progress {
                current: job.progress_current,
                total: job.progress_total,
            },
            reviews_used: job.reviews_used,
            before,
            after,
            error: job.error,
            created_at: job.created_at,
            finished_at: job.finished_at,
        }
    }
}

/// The desired retentions the settings page compares, besides the learner's own.
pub const COMPARED_RETENTIONS: [f64; 4] = [0.80, 0.85, 0.90, 0.95];

/// About how many questions a day the learner would practise at one desired retention.
#[derive(Clone, Debug, Serialize)]
pub struct LoadEstimate {
    pub retention: f64,
    pub per_day: f64,
    /// The learner's own setting.
    pub current: bool,
}

/// The daily load at each of [`COMPARED_RETENTIONS`] and the learner's own retention,
/// simulated with FSRS over the learner's cards and daily limits for the next
/// [`workload::DAYS`] days (at most [`workload::MAX_CARDS`] cards, off the async workers).
pub async fn load_estimates(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Vec<LoadEstimate>, AppError> {
    let new_per_day = user.new_per_day.max(0) as usize;
    let max_cards = workload::MAX_CARDS as u64;
    let (cards, new_questions) = practice::workload_cards(
        db,
        user,
        now,
        max_cards,
        (new_per_day * workload::DAYS).min(workload::MAX_CARDS) as u64,
    )
    .await?;
    let config = practice::config_for(user);
    let load = workload::Workload {
        cards: cards
            .iter()
            .map(|card| workload::ReviewedCard {
                stability: card.stability as f32,
                difficulty: card.difficulty as f32,
                days_since_review: card
                    .last_review
                    .map_or(0.0, |at| (now - at).num_seconds().max(0) as f32 / 86_400.0),
                lapses: card.lapses.max(0) as u32,
                learning: card.state != "review",
            })
            .collect(),
        new_questions: new_questions as usize,
        new_per_day,
        reviews_per_day: user.reviews_per_day.max(0) as usize,
        parameters: config.parameters,
        maximum_interval_days: config.maximum_interval_days,
        learning_steps: config.learning_steps.len(),
        relearning_steps: config.relearning_steps.len(),
    };
    let own = (user.desired_retention * 100.0).round() / 100.0;
    let mut retentions: Vec<f64> = COMPARED_RETENTIONS.to_vec();
    if !retentions.iter().any(|r| (r - own).abs() < 0.005) {
        retentions.push(own);
        retentions.sort_by(f64::total_cmp);
    }
    tokio::task::spawn_blocking(move || {
        retentions
            .into_iter()
            .map(|retention| {
                let per_day = load
                    .questions_per_day(retention as f32)
                    .map_err(|err| AppError::Internal(anyhow::anyhow!("simulating: {err:?}")))?;
                Ok(LoadEstimate {
                    retention,
                    per_day: f64::from(per_day),
                    current: (retention - own).abs() < 0.005,
                })
            })
            .collect()
    })
    .await
    .map_err(|err| AppError::Internal(err.into()))?
}

/// What `GET /scheduler` shows.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct SchedulerView {
    pub parameters: Vec<f32>,
    pub using_defaults: bool,
    pub desired_retention: f64,
    /// Usable training items in the user's history, and the minimum.
    pub reviews: usize,
    pub min_reviews: usize,
    pub can_optimize: bool,
    pub job: Option<JobView>,
}

pub async fn view(db: &DatabaseConnection, user: &user::Model) -> Result<SchedulerView, AppError> {
    // The job first, then the user as it is now: a job seen done comes with
    // the parameters it left (they are saved before the job is marked done).
    let job = optimize_job::Entity::find()
        .filter(optimize_job::Column::UserId.eq(user.id))
        .order_by_desc(optimize_job::Column::Id)
        .one(db)
        .await?;
    let user = user::Entity::find_by_id(user.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let user = &user;
    let stored = parameters_of(user);
    let set = TrainingSet::from_grades(&grades_of(db, user).await?);
    Ok(SchedulerView {
        using_defaults: stored.is_empty(),
        parameters: if stored.is_empty() {
            fsrs::DEFAULT_PARAMETERS.to_vec()
        } else {
            stored
        },
        desired_retention: user.desired_retention,
        reviews: set.len(),
        min_reviews: MIN_TRAINING_ITEMS,
        can_optimize: set.enough(),
        job: job.map(JobView::from),
    })
}

/// Queues an optimization of the user's parameters; the same job when one
/// is already queued or running.
pub async fn request_optimization(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(JobView, bool), AppError> {
    if let Some(open) = optimize_job::Entity::find()
        .filter(optimize_job::Column::UserId.eq(user.id))
        .filter(optimize_job::Column::Status.is_in(["queued", "running"]))
        .one(db)
        .await?
    {
        return Ok((open.into(), false));
    }
    let set = TrainingSet::from_grades(&grades_of(db, user).await?);
    if !set.enough() {
        return Err(AppError::invalid(
            "reviews",
            format!(
                "not enough reviews to optimize yet: {} usable (reviews of a card on a later day than the one before), {} needed",
                set.len(),
                MIN_TRAINING_ITEMS
            ),
        ));
    }
    let job = optimize_job::ActiveModel {
        user_id: Set(user.id),
        status: Set("queued".to_owned()),
        created_at: Set(now),
        reviews_used: Set(set.len() as i32),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((job.into(), true))
}

/// A running job whose instance stopped reporting for this long is queued again.
const STALE_AFTER: i64 = 120;

/// Runs queued jobs until `stop` turns true: woken by `notify` (a job queued
/// here) or every couple of seconds (a job queued on another instance). A fit
/// running when `stop` comes is abandoned and its job queued again at once,
/// for this instance's next start or another instance to take.
pub async fn run_worker(
    db: DatabaseConnection,
    notify: Arc<Notify>,
    instance: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        match claim(&db, &instance).await {
            Ok(Some(job)) => {
                let id = job.id;
                match run_job(&db, job, &instance, &mut stop).await {
                    Ok(()) => {}
                    Err(_) if *stop.borrow() || stop.has_changed().is_err() => {
                        if let Err(err) = hand_back(&db, id, &instance).await {
                            tracing::warn!(job = id, error = %err, "could not queue an interrupted job again");
                        } else {
                            tracing::info!(
                                job = id,
                                "optimization interrupted by shutdown; queued again"
                            );
                        }
                    }
                    Err(err) => {
                        tracing::error!(job = id, error = %format!("{err:#}"), "optimization failed");
                        let _ = finish_failed(&db, id, &err.to_string()).await;
                    }
                }
                continue;
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "could not look for optimization jobs"),
        }
        tokio::select! {
            _ = notify.notified() => {}
            changed = stop.changed() => {
                // The sender is gone with its server: stop as well.
                if changed.is_err() {
                    break;
                }
            }
            _ = tokio::time::sleep(StdDuration::from_secs(2)) => {}
        }
    }
}

/// Queues a job this instance claimed again, for anyone to take now.
async fn hand_back(db: &DatabaseConnection, id: i32, instance: &str) -> Result<(), sea_orm::DbErr> {
    optimize_job::Entity::update_many()
        .col_expr(optimize_job::Column::Status, Expr::value("queued"))
        .col_expr(
            optimize_job::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .filter(optimize_job::Column::Id.eq(id))
        .filter(optimize_job::Column::ClaimedBy.eq(instance))
        .exec(db)
        .await?;
    Ok(())
}

/// Claims the oldest queued job (or one whose instance went silent).
async fn claim(
    db: &DatabaseConnection,
    instance: &str,
) -> Result<Option<optimize_job::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    optimize_job::Entity::update_many()
        .col_expr(optimize_job::Column::Status, Expr::value("queued"))
        .filter(optimize_job::Column::Status.eq("running"))
        .filter(optimize_job::Column::HeartbeatAt.lt(now - Duration::seconds(STALE_AFTER)))
        .exec(db)
        .await?;
    let Some(next) = optimize_job::Entity::find()
        .filter(optimize_job::Column::Status.eq("queued"))
        .order_by_asc(optimize_job::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let claimed = optimize_job::Entity::update_many()
        .col_expr(optimize_job::Column::Status, Expr::value("running"))
        .col_expr(optimize_job::Column::ClaimedBy, Expr::value(instance))
        .col_expr(optimize_job::Column::HeartbeatAt, Expr::value(now))
        .filter(optimize_job::Column::Id.eq(next.id))
        .filter(optimize_job::Column::Status.eq("queued"))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    optimize_job::Entity::find_by_id(next.id).one(db).await
}

async fn finish_failed(
    db: &DatabaseConnection,
    id: i32,
    error: &str,
) -> Result<(), sea_orm::DbErr> {
    optimize_job::Entity::update_many()
        .col_expr(optimize_job::Column::Status, Expr::value("failed"))
        .col_expr(optimize_job::Column::Error, Expr::value(error))
        .col_expr(optimize_job::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(optimize_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn run_job(
    db: &DatabaseConnection,
    job: optimize_job::Model,
    instance: &str,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let user = user::Entity::find_by_id(job.user_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {} is gone", job.user_id))?;
    let set = Arc::new(TrainingSet::from_grades(&grades_of(db, &user).await?));
    let old = parameters_of(&user);
    let progress = fsrs::CombinedProgressState::new_shared();
    let task = {
        let set = set.clone();
        let progress = progress.clone();
        let old = old.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Fit, Vec<f32>, Fit)> {
            let before = evaluate(&old, &set)?;
            let fitted = optimize(&set, progress)?;
            let after = evaluate(&fitted, &set)?;
            Ok((before, fitted, after))
        })
    };
    tokio::pin!(task);
    let mut aborting = false;
    let result = loop {
        tokio::select! {
            done = &mut task => break done??,
            // Stopping (or the server gone): the fit stops at its next step
            // and the task ends with an error.
            _ = async { drop(stop.wait_for(|stop| *stop).await) }, if !aborting => {
                aborting = true;
                if let Ok(mut p) = progress.lock() {
                    p.want_abort = true;
                }
            }
            _ = tokio::time::sleep(StdDuration::from_millis(500)) => {
                let (current, total) = progress
                    .lock()
                    .map(|p| (p.current(), p.total()))
                    .unwrap_or((0, 0));
                optimize_job::Entity::update_many()
                    .col_expr(optimize_job::Column::ProgressCurrent, Expr::value(current as i32))
                    .col_expr(optimize_job::Column::ProgressTotal, Expr::value(total as i32))
                    .col_expr(optimize_job::Column::HeartbeatAt, Expr::value(Utc::now()))
                    .filter(optimize_job::Column::Id.eq(job.id))
                    .filter(optimize_job::Column::ClaimedBy.eq(instance))
                    .exec(db)
                    .await?;
            }
        }
    };
    let (before, fitted, after) = result;
    let adopted = after.log_loss < before.log_loss;
    let to_json = |p: &[f32]| serde_json::to_string(p).unwrap_or_default();
    let total = progress.lock().map(|p| p.total()).unwrap_or(0) as i32;
    // The parameters first, then the job's result: whoever sees the job done
    // also sees the parameters in use.
    let txn = crate::db::begin_write(db).await?;
    let user = if adopted {
        let mut active: user::ActiveModel = user.into();
        active.fsrs_parameters = Set(to_json(&fitted));
        active.update(&txn).await?
    } else {
        user
    };
    let mut row: optimize_job::ActiveModel = job.into();
    row.status = Set("done".to_owned());
    row.progress_current = Set(total);
    row.progress_total = Set(total);
    row.reviews_used = Set(set.len() as i32);
    row.log_loss_before = Set(Some(before.log_loss));
    row.rmse_before = Set(Some(before.rmse));
    row.log_loss_after = Set(Some(after.log_loss));
    row.rmse_after = Set(Some(after.rmse));
    row.parameters_before = Set(Some(to_json(if old.is_empty() {
        &fsrs::DEFAULT_PARAMETERS
    } else {
        &old
    })));
    row.parameters_after = Set(Some(to_json(&fitted)));
    row.finished_at = Set(Some(Utc::now()));
    row.update(&txn).await?;
    txn.commit().await?;
    if adopted {
        let moved = practice::reschedule_all(db, &user, Utc::now())
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        tracing::info!(user = user.id, moved, "new FSRS parameters adopted");
    }
    Ok(())
}

/// The user's review log as CSV with the columns FSRS tools read:
/// `card_id,review_time,review_rating,review_state,review_duration,elapsed_days`
/// (time in milliseconds since the epoch; state 0 new, 1 learning, 2 review,
/// 3 relearning; duration in milliseconds from the graded attempt, 0 without one).
pub async fn review_log_csv(db: &DatabaseConnection, user_id: i32) -> Result<String, AppError> {
    let logs = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::UndoneAt.is_null())
        .order_by_asc(review_log::Column::CardId)
        .order_by_asc(review_log::Column::ReviewedAt)
        .all(db)
        .await?;
    let answer_ids: Vec<i32> = logs.iter().filter_map(|l| l.answer_id).collect();
    let durations: HashMap<i32, i32> = crate::entities::answer::Entity::find()
        .select_only()
        .column(crate::entities::answer::Column::Id)
        .column(crate::entities::answer::Column::SecondsSpent)
        .filter(crate::entities::answer::Column::Id.is_in(answer_ids))
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |err: csv::Error| AppError::Internal(err.into());
    writer
        .write_record([
            "card_id",
            "review_time",
            "review_rating",
            "review_state",
            "review_duration",
            "elapsed_days",
        ])
        .map_err(fail)?;
    for log in logs {
        let state = match log.state_before.as_str() {
            "new" => 0,
            "learning" => 1,
            "review" => 2,
            _ => 3,
        };
        let duration = log
            .answer_id
            .and_then(|id| durations.get(&id))
            .map_or(0, |s| i64::from(*s) * 1000);
        writer
            .write_record([
                log.card_id.to_string(),
                log.reviewed_at.timestamp_millis().to_string(),
                log.rating.to_string(),
                state.to_string(),
                duration.to_string(),
                log.elapsed_days.to_string(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|err| AppError::Internal(anyhow::anyhow!("{err}")))?;
    String::from_utf8(bytes).map_err(|err| AppError::Internal(err.into()))
}
