//! The figures by day: the review heatmap, the forecast of due cards, retention, minutes spent.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use starling_domain::schedule::DayClock;

use super::{checklist::Passed, CALENDAR_DAYS, FORECAST_DAYS, MATURE_DAYS, RETENTION_DAYS};
use crate::{
    entities::{answer, card},
    store::{practice, questions::visible_bank_ids},
};

/// Reviews per study day over the past year; only days with reviews are listed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct Heatmap {
    pub days: Vec<DayReviews>,
    pub total_reviews: u32,
    pub days_studied: u32,
}

#[derive(utoipa::ToSchema, Clone, Copy, Debug, Serialize)]
pub struct DayReviews {
    pub date: NaiveDate,
    pub reviews: u32,
}

#[derive(utoipa::ToSchema, Clone, Copy, Debug, Serialize)]
pub struct DueDay {
    pub date: NaiveDate,
    pub due: u32,
}

/// Anki's "true retention": the share of graded reviews of cards in review (not learning,
/// relearning or new) that were not forgotten.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, Serialize)]
pub struct Retention {
    pub young: Passed,
    pub mature: Passed,
    pub total: Passed,
}

/// Time spent writing answers, rounded to whole minutes.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, Serialize)]
pub struct Minutes {
    pub today: u32,
    pub last_7_days: u32,
    pub last_30_days: u32,
    pub total: u32,
    /// The same in seconds, for pages that show a short session as "<1 min".
    #[serde(skip)]
    pub seconds: Seconds,
}

/// Time spent writing answers, in seconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seconds {
    pub today: u64,
    pub last_7_days: u64,
    pub last_30_days: u64,
    pub total: u64,
}

fn days_before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn heatmap(review_days: &[NaiveDate], today: NaiveDate) -> Heatmap {
    let first = days_before(today, CALENDAR_DAYS - 1);
    let mut per_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for day in review_days
        .iter()
        .filter(|day| (first..=today).contains(day))
    {
        *per_day.entry(*day).or_default() += 1;
    }
    Heatmap {
        total_reviews: per_day.values().sum(),
        days_studied: per_day.len() as u32,
        days: per_day
            .into_iter()
            .map(|(date, reviews)| DayReviews { date, reviews })
            .collect(),
    }
}

/// Cards coming due on each of the next study days, counted as the practice queue counts
/// them: started cards (not new ones) of active questions in banks the learner can see.
pub(super) async fn forecast(
    db: &impl ConnectionTrait,
    user_id: i32,
    clock: &DayClock,
    now: DateTime<Utc>,
) -> Result<Vec<DueDay>, sea_orm::DbErr> {
    let today = clock.day_of(now);
    let end = clock.day_start(days_after(today, FORECAST_DAYS));
    let bank_ids = visible_bank_ids(db, user_id).await?;
    let dues: Vec<DateTime<Utc>> = practice::own_active_cards(user_id, bank_ids, now)
        .select_only()
        .column(card::Column::Due)
        .filter(card::Column::State.ne("new"))
        .filter(card::Column::Due.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = vec![0u32; FORECAST_DAYS as usize];
    for due in dues {
        // Overdue cards are due today.
        let offset = (clock.day_of(due) - today).num_days().max(0) as usize;
        if let Some(count) = counts.get_mut(offset) {
            *count += 1;
        }
    }
    Ok(today
        .iter_days()
        .zip(counts)
        .map(|(date, due)| DueDay { date, due })
        .collect())
}

/// True retention over the last days. Young and mature are told apart by the days since
/// the card's previous review (the log's `elapsed_days`): that is the interval the learner
/// actually had to remember across, which for an on-time review is the scheduled one.
pub(super) fn retention(
    logs: &[(DateTime<Utc>, i16, String, i32)],
    clock: &DayClock,
    today: NaiveDate,
) -> Retention {
    let first = days_before(today, RETENTION_DAYS - 1);
    let mut figures = Retention::default();
    for (reviewed_at, rating, state_before, elapsed_days) in logs {
        if state_before != "review" || !(first..=today).contains(&clock.day_of(*reviewed_at)) {
            continue;
        }
        let passed = *rating >= 2;
        if *elapsed_days >= MATURE_DAYS {
            figures.mature.add(passed);
        } else {
            figures.young.add(passed);
        }
        figures.total.add(passed);
    }
    figures
}

pub(super) fn minutes(
    answers: &[answer::Model],
    answer_days: &[NaiveDate],
    today: NaiveDate,
) -> Minutes {
    let seconds_since = |days: u64| -> i64 {
        let first = days_before(today, days - 1);
        answers
            .iter()
            .zip(answer_days)
            .filter(|(_, day)| (first..=today).contains(*day))
            .map(|(a, _)| i64::from(a.seconds_spent.max(0)))
            .sum()
    };
    let total: i64 = answers
        .iter()
        .map(|a| i64::from(a.seconds_spent.max(0)))
        .sum();
    let rounded = |seconds: i64| ((seconds + 30) / 60).min(i64::from(u32::MAX)) as u32;
    let seconds = Seconds {
        today: seconds_since(1).max(0) as u64,
        last_7_days: seconds_since(7).max(0) as u64,
        last_30_days: seconds_since(30).max(0) as u64,
        total: total.max(0) as u64,
    };
    Minutes {
        today: rounded(seconds_since(1)),
        last_7_days: rounded(seconds_since(7)),
        last_30_days: rounded(seconds_since(30)),
        total: rounded(total),
        seconds,
    }
}
