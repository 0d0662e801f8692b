//! A learner's progress figures for the Progress page and `GET /api/v1/stats`: reviews per
//! study day, cards coming due, true retention, checklist coverage, streak and minutes.
//! A handful of queries; the counting happens here so SQLite and PostgreSQL agree.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use starling_domain::{
    progress,
    streak::{streak, Streak},
};

use crate::{
    entities::{answer, review_log, user},
    error::AppError,
    store::practice,
};

mod calendar;
mod checklist;

use calendar::{forecast, retention};
pub use calendar::{DueDay, Retention};
use checklist::checklist_figures;
pub use checklist::{CompetencyStats, ItemStats, Passed};
pub use starling_domain::progress::{DayReviews, Heatmap, Minutes, Seconds};

/// Study days the review calendar covers, today included.
pub const CALENDAR_DAYS: u64 = 365;

/// Study days of the due forecast, today (with everything overdue) first.
pub const FORECAST_DAYS: u64 = 30;

/// Study days true retention looks back over, today included.
pub const RETENTION_DAYS: u64 = 30;

/// A card reviewed at least this many days after its previous review is mature (Anki's 21).
pub const MATURE_DAYS: i32 = 21;

/// How many of the least often met rubric items are listed.
pub const LEAST_MET_ITEMS: usize = 10;

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Stats {
    /// The current study day in the learner's time zone.
    pub today: NaiveDate,
    pub heatmap: Heatmap,
    pub forecast: Vec<DueDay>,
    pub retention: Retention,
    pub competencies: Vec<CompetencyStats>,
    pub least_met: Vec<ItemStats>,
    pub streak: Streak,
    pub minutes: Minutes,
}

/// The learner's practice streak, the same on their Progress page and on
/// their coaches' dashboards: study days with an answer written or a grade
/// that was not undone.
pub async fn streak_of(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Streak, sea_orm::DbErr> {
    let clock = practice::clock_for(user);
    let graded: Vec<DateTime<Utc>> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::ReviewedAt)
        .filter(review_log::Column::UserId.eq(user.id))
        .filter(review_log::Column::UndoneAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let answered: Vec<DateTime<Utc>> = answer::Entity::find()
        .select_only()
        .column(answer::Column::CreatedAt)
        .filter(answer::Column::UserId.eq(user.id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(streak(
        graded.iter().chain(&answered).map(|at| clock.day_of(*at)),
        clock.day_of(now),
    ))
}

pub async fn stats(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Stats, AppError> {
    let clock = practice::clock_for(user);
    let today = clock.day_of(now);

    let logs: Vec<(DateTime<Utc>, i16, crate::entities::card::State, i32)> =
        review_log::Entity::find()
            .select_only()
            .columns([
                review_log::Column::ReviewedAt,
                review_log::Column::Rating,
                review_log::Column::StateBefore,
                review_log::Column::ElapsedDays,
            ])
            .filter(review_log::Column::UserId.eq(user.id))
            // An undone grade never happened.
            .filter(review_log::Column::UndoneAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
    let answers = answer::Entity::find()
        .filter(answer::Column::UserId.eq(user.id))
        .all(db)
        .await?;

    let review_days: Vec<NaiveDate> = logs.iter().map(|log| clock.day_of(log.0)).collect();
    let answer_days: Vec<NaiveDate> = answers.iter().map(|a| clock.day_of(a.created_at)).collect();
    let (competencies, least_met) = checklist_figures(db, user.id, &answers).await?;
    Ok(Stats {
        today,
        heatmap: progress::heatmap(&review_days, today, CALENDAR_DAYS),
        forecast: forecast(db, user.id, &clock, now).await?,
        retention: retention(&logs, &clock, today),
        competencies,
        least_met,
        streak: streak_of(db, user, now).await?,
        minutes: progress::minutes(
            &answer_days
                .iter()
                .zip(&answers)
                .map(|(day, a)| (*day, a.seconds_spent))
                .collect::<Vec<_>>(),
            today,
        ),
    })
}
