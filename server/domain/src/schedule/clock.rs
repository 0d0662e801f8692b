//! The day clock: the learner's study days, which start at a rollover hour in their time
//! zone rather than at midnight.

use chrono::{
    DateTime, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// The learner's calendar of study days.
///
/// A study day starts at `rollover_hour` local time rather than midnight, so a late-night
/// session still counts as the same day and cards due "tomorrow" are not due at 00:01.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayClock {
    tz: Tz,
    rollover_hour: u32,
}

impl DayClock {
    /// The hour at which a study day starts unless the learner chooses otherwise (Anki's).
    pub const DEFAULT_ROLLOVER_HOUR: u32 = 4;

    /// A clock for `tz` whose days start at `rollover_hour` local time (values above 23
    /// are taken as 23, since a day cannot start later than its last hour).
    pub fn new(tz: Tz, rollover_hour: u32) -> DayClock {
        DayClock {
            tz,
            rollover_hour: rollover_hour.min(23),
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn rollover_hour(&self) -> u32 {
        self.rollover_hour
    }

    /// The study day an instant belongs to: its local time minus the rollover hours.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = at.with_timezone(&self.tz).naive_local();
        local
            .checked_sub_signed(Duration::hours(i64::from(self.rollover_hour)))
            .unwrap_or(local)
            .date()
    }

    /// The instant a study day starts: `rollover_hour` local on that date. When a DST gap
    /// skips that time the day starts at the end of the gap; when a DST fold repeats it,
    /// at its first occurrence.
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day
            .and_hms_opt(self.rollover_hour, 0, 0)
            .unwrap_or_else(|| day.and_time(NaiveTime::MIN));
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) => at.with_timezone(&Utc),
            LocalResult::Ambiguous(first, second) => {
                first.with_timezone(&Utc).min(second.with_timezone(&Utc))
            }
            LocalResult::None => self.first_instant_from(local),
        }
    }

    /// When the current study day started.
    pub fn today_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.day_start(self.day_of(now))
    }

    /// When the next study day starts: the end of "today".
    pub fn tomorrow_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.day_start(next_day(self.day_of(now), 1))
    }

    /// The first instant whose local time is at or after `local`, for a `local` inside a
    /// DST gap. Local time only moves forward around a gap, so a binary search over the
    /// surrounding day finds the transition to the second (zone transitions are whole seconds).
    fn first_instant_from(&self, local: NaiveDateTime) -> DateTime<Utc> {
        const DAY_SECONDS: i64 = 86_400;
        let naive_seconds = local.and_utc().timestamp();
        let local_at = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0)
                .map(|at| (at, at.with_timezone(&self.tz).naive_local()))
        };
        let (mut before, mut after) = (naive_seconds - DAY_SECONDS, naive_seconds + DAY_SECONDS);
        while after - before > 1 {
            let middle = before + (after - before) / 2;
            match local_at(middle) {
                Some((_, middle_local)) if middle_local < local => before = middle,
                _ => after = middle,
            }
        }
        local_at(after).map_or_else(|| local.and_utc(), |(at, _)| at)
    }
}

/// `day` plus `days`, saturating at the last representable date.
pub(super) fn next_day(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}
