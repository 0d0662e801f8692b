//! The Progress page's figures by day that need no database: reviews per
//! study day (the heatmap) and the time spent writing answers, from plain
//! lists the store reads.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

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

/// The day `days` before `day` (the first day there is, when that is before it).
pub fn days_before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// The day `days` after `day` (the last day there is, when that is after it).
pub fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// The reviews of the `window` study days up to `today`, from the study day of
/// each review (in any order; days outside the window are left out).
pub fn heatmap(review_days: &[NaiveDate], today: NaiveDate, window: u64) -> Heatmap {
    let first = days_before(today, window.saturating_sub(1));
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

/// Time spent writing answers today, over the last 7 and 30 study days and
/// in all, from each answer's study day and seconds (a negative time counts
/// as none).
pub fn minutes(answers: &[(NaiveDate, i32)], today: NaiveDate) -> Minutes {
    let seconds_since = |days: u64| -> i64 {
        let first = days_before(today, days - 1);
        answers
            .iter()
            .filter(|(day, _)| (first..=today).contains(day))
            .map(|(_, seconds)| i64::from((*seconds).max(0)))
            .sum()
    };
    let total: i64 = answers
        .iter()
        .map(|(_, seconds)| i64::from((*seconds).max(0)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn the_heatmap_counts_the_days_of_its_window_only() {
        let today = day("2026-12-04");
        let reviews = [
            day("2026-12-04"),
            day("2026-12-01"),
            day("2026-12-04"),
            day("2025-12-05"), // the window's first day
            day("2025-12-04"), // a day too early
            day("2026-12-05"), // tomorrow
        ];
        let map = heatmap(&reviews, today, 365);
        assert_eq!(map.total_reviews, 4);
        assert_eq!(map.days_studied, 3);
        let days: Vec<(NaiveDate, u32)> = map.days.iter().map(|d| (d.date, d.reviews)).collect();
        assert_eq!(
            days,
            vec![
                (day("2025-12-05"), 1),
                (day("2026-12-01"), 1),
                (day("2026-12-04"), 2)
            ]
        );
        assert_eq!(heatmap(&[], today, 365).days_studied, 0);
    }

    #[test]
    fn minutes_round_to_the_nearest_and_count_each_window() {
        let today = day("2026-12-04");
        let answers = [
            (day("2026-12-04"), 29),   // today: under half a minute
            (day("2026-12-04"), 60),   // today
            (day("2026-11-28"), 600),  // the 7th day back: in the week
            (day("2026-11-27"), 1200), // the 8th: not in the week
            (day("2026-11-05"), 90),   // the 30th day back
            (day("2026-11-04"), 3600), // the 31st
            (day("2026-12-03"), -500), // a negative time counts as none
        ];
        let m = minutes(&answers, today);
        assert_eq!(m.seconds.today, 89);
        assert_eq!(m.today, 1);
        assert_eq!(m.seconds.last_7_days, 689);
        assert_eq!(m.last_7_days, 11);
        assert_eq!(m.seconds.last_30_days, 1979);
        assert_eq!(m.last_30_days, 33);
        assert_eq!(m.seconds.total, 5579);
        assert_eq!(m.total, 93);
        assert_eq!(minutes(&[(today, 29)], today).today, 0);
        assert_eq!(minutes(&[(today, 30)], today).today, 1);
    }

    #[test]
    fn day_arithmetic_stops_at_the_calendar_s_ends() {
        assert_eq!(days_before(NaiveDate::MIN, 1), NaiveDate::MIN);
        assert_eq!(days_after(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(days_before(day("2026-03-01"), 1), day("2026-02-28"));
    }
}
