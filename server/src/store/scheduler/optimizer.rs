//! Fitting a learner's own FSRS parameters in the background: a job row is queued, one instance
//! claims it (an atomic update, so several instances never run the same job), fits off the async
//! workers, reports progress in the row, and keeps the new parameters only when they predict the
//! learner's history better than the old. The worker stops with its server.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use starling_domain::optimize::{evaluate, optimize, Fit, Grade, TrainingSet, MIN_TRAINING_ITEMS};
use tokio::sync::Notify;

use crate::{
    entities::{
        optimize_job::{self, Status},
        review_log, user,
    },
    error::AppError,
    store::practice::{self, clock_for, parameters_of},
};

/// The user's grades (not undone) as the optimizer reads them.
pub(super) async fn grades_of(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<Vec<Grade>, AppError> {
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
            adopted: job.status == Status::Done
                && matches!((&before, &after), (Some(b), Some(a)) if a.log_loss < b.log_loss),
            status: job.status.as_str().to_owned(),
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

/// Queues an optimization of the user's parameters; the same job when one
/// is already queued or running.
pub async fn request_optimization(
    db: &DatabaseConnection,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(JobView, bool), AppError> {
    if let Some(open) = optimize_job::Entity::find()
        .filter(optimize_job::Column::UserId.eq(user.id))
        .filter(optimize_job::Column::Status.is_in([Status::Queued, Status::Running]))
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
        status: Set(Status::Queued),
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
        .col_expr(optimize_job::Column::Status, Expr::value(Status::Queued))
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
        .col_expr(optimize_job::Column::Status, Expr::value(Status::Queued))
        .filter(optimize_job::Column::Status.eq(Status::Running))
        .filter(optimize_job::Column::HeartbeatAt.lt(now - Duration::seconds(STALE_AFTER)))
        .exec(db)
        .await?;
    let Some(next) = optimize_job::Entity::find()
        .filter(optimize_job::Column::Status.eq(Status::Queued))
        .order_by_asc(optimize_job::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let claimed = optimize_job::Entity::update_many()
        .col_expr(optimize_job::Column::Status, Expr::value(Status::Running))
        .col_expr(optimize_job::Column::ClaimedBy, Expr::value(instance))
        .col_expr(optimize_job::Column::HeartbeatAt, Expr::value(now))
        .filter(optimize_job::Column::Id.eq(next.id))
        .filter(optimize_job::Column::Status.eq(Status::Queued))
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
        .col_expr(optimize_job::Column::Status, Expr::value(Status::Failed))
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
    row.status = Set(Status::Done);
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
