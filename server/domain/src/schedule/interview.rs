//! The interview plan: with an interview ahead, review intervals end before its day and
//! go to the least busy of the days left.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::clock::next_day;

/// Interview-date mode: the study day of the interview and the cards already due on
/// each day before it, so capped intervals go to the least busy day.
#[derive(Clone, Debug, PartialEq)]
pub struct InterviewPlan {
    pub date: NaiveDate,
    pub due_per_day: BTreeMap<NaiveDate, u32>,
}

impl InterviewPlan {
    /// The longest interval, in days from `today`, that still comes back before the
    /// interview (the day before it, or the interview day itself when that is tomorrow);
    /// `None` once the interview day has come, when normal scheduling resumes.
    pub fn cap_days(&self, today: NaiveDate) -> Option<u32> {
        let left = (self.date - today).num_days();
        (left > 0).then(|| u32::try_from(left - 1).unwrap_or(u32::MAX).max(1))
    }

    /// The day, `floor..=cap` days from today and in the later half of the days left,
    /// with the fewest cards due; the latest of equals (closest to the interview).
    ///
    /// Walking down from the cap, the first day with nothing due is the answer,
    /// so at most one more day than there are busy days is looked at: the cost
    /// follows the cards, not the distance to the interview.
    pub(super) fn least_busy(&self, today: NaiveDate, floor: u32, cap: u32) -> u32 {
        let lower = floor.max(cap.div_ceil(2)).min(cap);
        let mut best = (u32::MAX, cap);
        for d in (lower..=cap).rev() {
            let due = self
                .due_per_day
                .get(&next_day(today, d))
                .copied()
                .unwrap_or(0);
            if due == 0 {
                return d;
            }
            if due < best.0 {
                best = (due, d);
            }
        }
        best.1
    }
}
