//! The figures by day: the review heatmap, the forecast of due cards, retention, minutes spent.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use starling_domain::{
    progress::{days_after, days_before},
    schedule::DayClock,
};

use super::{checklist::Passed, FORECAST_DAYS, MATURE_DAYS, RETENTION_DAYS};
use crate::{
    entities::card,
    store::{practice, questions::visible_bank_ids},
};

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
        .filter(card::Column::State.ne(card::State::New))
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
    logs: &[(DateTime<Utc>, i16, card::State, i32)],
    clock: &DayClock,
    today: NaiveDate,
) -> Retention {
    let first = days_before(today, RETENTION_DAYS - 1);
    let mut figures = Retention::default();
    for (reviewed_at, rating, state_before, elapsed_days) in logs {
        if *state_before != card::State::Review
            || !(first..=today).contains(&clock.day_of(*reviewed_at))
        {
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
