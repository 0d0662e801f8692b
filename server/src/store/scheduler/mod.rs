//! A learner's scheduler: the view of it and the workload estimates at other
//! retentions (here); the settings they change (`settings`), the interview
//! plan (`plan`), fitting their own FSRS parameters in the background
//! (`optimizer`), and the review log export (`export`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use starling_domain::{
    optimize::{TrainingSet, MIN_TRAINING_ITEMS},
    workload,
};

use crate::{
    entities::{optimize_job, user},
    error::AppError,
    store::practice::{self, parameters_of},
};

mod export;
mod optimizer;
mod plan;
mod settings;

pub use export::review_log_csv;
use optimizer::grades_of;
pub use optimizer::{request_optimization, run_worker, JobView, Progress};
pub use plan::{plan, Plan, PlanCompetency, PlanDay};
pub use settings::{save_settings, Settings, SettingsChange, MAX_INTERVIEW_DAYS_AHEAD};

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
                learning: card.state != crate::entities::card::State::Review,
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
