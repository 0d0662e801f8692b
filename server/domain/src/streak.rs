//! The practice streak: consecutive study days with at least one answer
//! written or one grade kept (undone grades never happened). One definition
//! for the learner's Progress page and the coach's dashboard.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::Serialize;

/// Consecutive study days with at least one answer or review.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Streak {
    /// Ending today, or yesterday while today has nothing yet.
    pub current: u32,
    pub longest: u32,
}

/// The streak over the study days on which something was done, as of
/// `today` (days after it are ignored); the days may repeat and come in any order.
pub fn streak(active: impl IntoIterator<Item = NaiveDate>, today: NaiveDate) -> Streak {
    let days: BTreeSet<NaiveDate> = active.into_iter().filter(|day| *day <= today).collect();
    let follows =
        |before: NaiveDate, day: NaiveDate| before.checked_add_days(Days::new(1)) == Some(day);
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for day in &days {
        run = match previous {
            Some(before) if follows(before, *day) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    let mut current = 0;
    let mut day = if days.contains(&today) {
        Some(today)
    } else {
        today.pred_opt()
    };
    while let Some(d) = day.filter(|d| days.contains(d)) {
        current += 1;
        day = d.pred_opt();
    }
    Streak { current, longest }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + Days::new(u64::from(n))
    }

    #[test]
    fn nothing_done_is_no_streak() {
        assert_eq!(streak([], day(10)), Streak::default());
    }

    #[test]
    fn the_current_run_ends_today_or_yesterday() {
        // Days 3-5 and 8-9: on day 9 the current run is 2, the longest 3.
        let active = [day(3), day(4), day(5), day(8), day(9)];
        assert_eq!(
            streak(active, day(9)),
            Streak {
                current: 2,
                longest: 3
            }
        );
        // Day 10 with nothing yet: the run that ended yesterday still counts.
        assert_eq!(
            streak(active, day(10)),
            Streak {
                current: 2,
                longest: 3
            }
        );
        // A day missed breaks it.
        assert_eq!(
            streak(active, day(11)),
            Streak {
                current: 0,
                longest: 3
            }
        );
    }

    #[test]
    fn repeated_and_future_days_do_not_count_twice() {
        let active = [day(2), day(2), day(1), day(3), day(3), day(7)];
        assert_eq!(
            streak(active, day(3)),
            Streak {
                current: 3,
                longest: 3
            }
        );
    }

    proptest! {
        #[test]
        fn current_never_exceeds_longest(offsets in proptest::collection::vec(0u32..60, 0..40), today in 0u32..70) {
            let s = streak(offsets.iter().map(|&n| day(n)), day(today));
            prop_assert!(s.current <= s.longest);
            prop_assert!(s.longest as usize <= offsets.len());
        }
    }
}
