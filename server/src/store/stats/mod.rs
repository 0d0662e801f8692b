//! A learner's progress figures for the Progress page and `GET /api/v1/stats`: reviews per
//! study day, cards coming due, true retention, checklist coverage, streak and minutes.
//! A handful of queries; the counting happens here so SQLite and PostgreSQL agree.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use starling_domain::{
    progress,
    schedule::DayClock,
    streak::{current_run, streak, Streak},
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

/// The current streak alone (what Today and the coach's dashboard show):
/// the last few study days are looked at, and further days only while the
/// run goes on, each one an indexed `EXISTS` (a grade kept or an answer
/// written between the day's start and the next's) instead of every grade
/// ever made. The same count as `streak_of(..).current`.
pub async fn current_streak_of(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<u32, sea_orm::DbErr> {
    /// Days asked at first (most streaks end within them), then per query.
    const FIRST: u64 = 8;
    const MORE: u64 = 120;
    let clock = practice::clock_for(user);
    let today = clock.day_of(now);
    let mut back_from_today: Vec<bool> = Vec::new();
    loop {
        let asked = back_from_today.len() as u64;
        let count = if asked == 0 { FIRST } else { MORE };
        // Before the calendar's first day nothing was done.
        let Some(days) = (asked..asked + count)
            .map(|back| today.checked_sub_days(Days::new(back)))
            .collect::<Option<Vec<NaiveDate>>>()
        else {
            return Ok(back_from_today.len() as u32);
        };
        back_from_today.extend(active_days(db, user.id, &clock, &days).await?);
        if let Some(run) = current_run(&back_from_today) {
            return Ok(run);
        }
    }
}

/// Whether something was done on each of `days` (at most a few hundred: one
/// query, a column a day).
async fn active_days(
    db: &impl ConnectionTrait,
    user_id: i32,
    clock: &DayClock,
    days: &[NaiveDate],
) -> Result<Vec<bool>, sea_orm::DbErr> {
    let mut query = Query::select();
    for (i, day) in days.iter().enumerate() {
        let (start, end) = (clock.day_start(*day), clock.day_start(*day + Days::new(1)));
        let graded = Query::select()
            .expr(Expr::val(1))
            .from(review_log::Entity)
            .and_where(review_log::Column::UserId.eq(user_id))
            .and_where(review_log::Column::UndoneAt.is_null())
            .and_where(review_log::Column::ReviewedAt.gte(start))
            .and_where(review_log::Column::ReviewedAt.lt(end))
            .to_owned();
        let answered = Query::select()
            .expr(Expr::val(1))
            .from(answer::Entity)
            .and_where(answer::Column::UserId.eq(user_id))
            .and_where(answer::Column::CreatedAt.gte(start))
            .and_where(answer::Column::CreatedAt.lt(end))
            .to_owned();
        query.expr_as(
            Expr::exists(graded).or(Expr::exists(answered)),
            Alias::new(format!("d{i}")),
        );
    }
    let Some(row) = db.query_one(&query).await? else {
        return Ok(vec![false; days.len()]);
    };
    (0..days.len())
        .map(|i| row.try_get::<bool>("", &format!("d{i}")))
        .collect()
}

/// The due forecast alone: reviews due on each of the next study days.
pub async fn due_forecast(
    db: &impl ConnectionTrait,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<Vec<DueDay>, sea_orm::DbErr> {
    forecast(db, user.id, &practice::clock_for(user), now).await
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
