//! The interview plan: days left, the competencies' coverage, the reviews due each day before
//! the interview.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::settings::MAX_INTERVIEW_DAYS_AHEAD;
use crate::{
    entities::{card, competency, question, user},
    error::AppError,
    store::practice::{
        self, clock_for, competency_reviews, interview_date_of, INTERVIEW_WINDOW_DAYS,
    },
};

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
        .filter(card::Column::State.ne(card::State::New))
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
