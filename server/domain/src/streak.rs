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

/// The current streak (as [`streak`] counts it) from whether each study day
/// had something done, today first and going back one day at a time. `None`
/// while the run reaches the last day given: it may go on before it, so more
/// days are needed. Lets a caller that only shows the current streak look at
/// the last few days instead of the whole history.
pub fn current_run(back_from_today: &[bool]) -> Option<u32> {
    // A quiet today does not break the run that ended yesterday.
    let from = usize::from(back_from_today.first() == Some(&false));
    let run = back_from_today
        .iter()
        .skip(from)
        .take_while(|active| **active);
    let count = run.count();
    (from + count < back_from_today.len()).then_some(count as u32)
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

    #[test]
    fn the_current_run_from_the_last_days() {
        assert_eq!(current_run(&[true, true, false, true]), Some(2));
        assert_eq!(current_run(&[false, true, true, false]), Some(2));
        assert_eq!(current_run(&[false, false, true]), Some(0));
        // Still running at the last day given: more days are needed.
        assert_eq!(current_run(&[true, true, true]), None);
        assert_eq!(current_run(&[false, true]), None);
        assert_eq!(current_run(&[false]), None);
        assert_eq!(current_run(&[]), None);
    }

    proptest! {
        /// Over any number of the last days, the run is the streak's current
        /// one whenever it is known.
        #[test]
        fn the_current_run_is_the_streaks(offsets in proptest::collection::vec(0u32..60, 0..40), today in 0u32..70, window in 1usize..80) {
            let active: BTreeSet<NaiveDate> = offsets.iter().map(|&n| day(n)).collect();
            let back: Vec<bool> = (0..window)
                .map(|i| today.checked_sub(i as u32).is_some_and(|n| active.contains(&day(n))))
                .collect();
            let expected = streak(active.iter().copied(), day(today)).current;
            match current_run(&back) {
                Some(run) => prop_assert_eq!(run, expected),
                None => prop_assert!(expected as usize + 1 >= window),
            }
        }

        #[test]
        fn current_never_exceeds_longest(offsets in proptest::collection::vec(0u32..60, 0..40), today in 0u32..70) {
            let s = streak(offsets.iter().map(|&n| day(n)), day(today));
            prop_assert!(s.current <= s.longest);
            prop_assert!(s.longest as usize <= offsets.len());
        }
    }
}
