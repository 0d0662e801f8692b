//! Spaced-repetition scheduling of practice cards with FSRS, counted in the learner's
//! study days: turns a card and a rating into the card's next state, due time and label.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;
use fsrs::{FSRSError, ItemState, MemoryState, FSRS};
use serde::{Deserialize, Serialize};

/// How well the learner recalled their answer, as on the four grade buttons.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Again,
    Hard,
    Good,
    Easy,
}

impl Rating {
    /// All ratings in button order, the order of [`Scheduler::preview`].
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// The wire name: "again", "hard", "good" or "easy".
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }

    /// The button label: "Again", "Hard", "Good" or "Easy".
    pub fn label(self) -> &'static str {
        match self {
            Rating::Again => "Again",
            Rating::Hard => "Hard",
            Rating::Good => "Good",
            Rating::Easy => "Easy",
        }
    }

    /// FSRS's and Anki's rating number, 1 (Again) to 4 (Easy); also the keyboard shortcut.
    pub fn number(self) -> u32 {
        match self {
            Rating::Again => 1,
            Rating::Hard => 2,
            Rating::Good => 3,
            Rating::Easy => 4,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rating name that is none of the four.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown rating `{0}`: expected again, hard, good, easy, or 1 to 4")]
pub struct UnknownRating(pub String);

impl FromStr for Rating {
    type Err = UnknownRating;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "again" | "1" => Ok(Rating::Again),
            "hard" | "2" => Ok(Rating::Hard),
            "good" | "3" => Ok(Rating::Good),
            "easy" | "4" => Ok(Rating::Easy),
            _ => Err(UnknownRating(s.to_owned())),
        }
    }
}

/// Where a card is in its life: never seen, being (re)learnt after Again, or in review.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardState {
    New,
    Learning,
    Review,
    Relearning,
}

impl CardState {
    /// The stored name: "new", "learning", "review" or "relearning".
    pub fn as_str(self) -> &'static str {
        match self {
            CardState::New => "new",
            CardState::Learning => "learning",
            CardState::Review => "review",
            CardState::Relearning => "relearning",
        }
    }
}

impl fmt::Display for CardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A card state name that is none of the four.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown card state `{0}`: expected new, learning, review or relearning")]
pub struct UnknownCardState(pub String);

impl FromStr for CardState {
    type Err = UnknownCardState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Ok(CardState::New),
            "learning" => Ok(CardState::Learning),
            "review" => Ok(CardState::Review),
            "relearning" => Ok(CardState::Relearning),
            _ => Err(UnknownCardState(s.to_owned())),
        }
    }
}

/// The scheduling state of one learner's card for one question.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub state: CardState,
    pub due: DateTime<Utc>,
    /// FSRS stability in days; meaningless while `reps == 0`.
    pub stability: f64,
    /// FSRS difficulty, 1 to 10; meaningless while `reps == 0`.
    pub difficulty: f64,
    pub last_review: Option<DateTime<Utc>>,
    pub reps: u32,
    pub lapses: u32,
    /// Study days between the last review and `due`; 0 while (re)learning.
    pub scheduled_days: u32,
    /// The learning or relearning step the card is at (0 for the first).
    #[serde(default)]
    pub step: u32,
}

impl Card {
    /// A card never reviewed, due right away.
    pub fn new(now: DateTime<Utc>) -> Card {
        Card {
            state: CardState::New,
            due: now,
            stability: 0.0,
            difficulty: 0.0,
            last_review: None,
            reps: 0,
            lapses: 0,
            scheduled_days: 0,
            step: 0,
        }
    }

    /// Never reviewed, so FSRS must start it from its initial memory state; either field
    /// says so, which keeps a half-initialised row from feeding FSRS zero stability.
    fn is_new(&self) -> bool {
        self.reps == 0 || self.state == CardState::New
    }
}

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
fn next_day(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// How a learner's cards are scheduled.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    /// The probability of recall FSRS aims for when a card comes due, 0.70 to 0.99.
    pub desired_retention: f32,
    /// FSRS weights (17, 19 or 21 of them, as fitted by an optimizer); empty for FSRS's defaults.
    pub parameters: Vec<f32>,
    /// Spread review intervals a little so cards learnt together don't stay due together.
    pub fuzz: bool,
    /// Waits in minutes between the first answers of a new card before it graduates to
    /// review (Anki's learning steps); empty: Good or Easy graduates at once.
    pub learning_steps: Vec<u32>,
    /// The same after a lapse (Again on a review card); empty: a lapse is rescheduled in days.
    pub relearning_steps: Vec<u32>,
    /// The longest review interval in days; 0 is taken as 1.
    pub maximum_interval_days: u32,
    /// An interview ahead: review intervals end before its day, spread over the days left.
    pub interview: Option<InterviewPlan>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            desired_retention: 0.9,
            parameters: Vec::new(),
            fuzz: true,
            learning_steps: vec![10],
            relearning_steps: vec![10],
            maximum_interval_days: 36500,
            interview: None,
        }
    }
}

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
}

/// The most learning steps a learner may set, and the longest step (30 days).
pub const MAX_STEPS: usize = 10;
pub const MAX_STEP_MINUTES: u32 = 43_200;

/// Parses steps such as "1m 10m 1h 1d" (minutes, hours or days; a bare number is minutes).
pub fn parse_steps(text: &str) -> Result<Vec<u32>, ScheduleError> {
    let steps = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (number, unit) = match part.char_indices().find(|(_, c)| c.is_alphabetic()) {
                Some((at, _)) => part.split_at(at),
                None => (part, "m"),
            };
            let factor = match unit.to_ascii_lowercase().as_str() {
                "m" | "min" => 1.0,
                "h" => 60.0,
                "d" => 1440.0,
                _ => return Err(ScheduleError::InvalidSteps(text.to_owned())),
            };
            let value: f64 = number
                .parse()
                .map_err(|_| ScheduleError::InvalidSteps(text.to_owned()))?;
            let minutes = (value * factor).round();
            if !(1.0..=f64::from(MAX_STEP_MINUTES)).contains(&minutes) {
                return Err(ScheduleError::InvalidSteps(text.to_owned()));
            }
            Ok(minutes as u32)
        })
        .collect::<Result<Vec<u32>, _>>()?;
    check_steps(&steps).map_err(|_| ScheduleError::InvalidSteps(text.to_owned()))?;
    Ok(steps)
}

/// Steps written back the way [`parse_steps`] reads them: "10m 1h 1d".
pub fn format_steps(steps: &[u32]) -> String {
    steps
        .iter()
        .map(|&m| {
            if m % 1440 == 0 {
                format!("{}d", m / 1440)
            } else if m % 60 == 0 {
                format!("{}h", m / 60)
            } else {
                format!("{m}m")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_steps(steps: &[u32]) -> Result<(), ()> {
    let ordered = steps.windows(2).all(|pair| pair[0] <= pair[1]);
    let in_range = steps.iter().all(|&m| (1..=MAX_STEP_MINUTES).contains(&m));
    if steps.len() <= MAX_STEPS && ordered && in_range {
        Ok(())
    } else {
        Err(())
    }
}

/// Why a scheduler could not be built or a card could not be scheduled.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("desired retention must be between 0.70 and 0.99, got {0}")]
    InvalidRetention(f32),
    #[error("invalid FSRS parameters: expected none, 17, 19 or 21 finite numbers, got {count}")]
    InvalidParameters { count: usize },
    #[error("FSRS could not compute the next memory state: {0:?}")]
    Fsrs(#[source] FSRSError),
    #[error("learning steps `{0}`: give up to 10 waits in increasing order, such as `10m 1h 1d` (each 1 minute to 30 days)")]
    InvalidSteps(String),
}

/// What one rating would do to a card: what the grade buttons preview and grading stores.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub rating: Rating,
    /// The card after this rating.
    pub card: Card,
    /// The time until the card is due again, for the button: "10m", "1d", "3.2mo", "1.5y".
    pub interval_label: String,
}

/// Schedules cards with FSRS under one learner's configuration.
#[derive(Clone, Debug)]
pub struct Scheduler {
    fsrs: FSRS,
    config: SchedulerConfig,
}

impl Scheduler {
    /// Checks the configuration and builds the FSRS model from its parameters.
    pub fn new(config: SchedulerConfig) -> Result<Scheduler, ScheduleError> {
        if !(0.70..=0.99).contains(&config.desired_retention) {
            return Err(ScheduleError::InvalidRetention(config.desired_retention));
        }
        let fsrs = FSRS::new(&config.parameters).map_err(|_| ScheduleError::InvalidParameters {
            count: config.parameters.len(),
        })?;
        for steps in [&config.learning_steps, &config.relearning_steps] {
            check_steps(steps).map_err(|_| ScheduleError::InvalidSteps(format_steps(steps)))?;
        }
        Ok(Scheduler { fsrs, config })
    }

    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// The outcome of each rating, in the order Again, Hard, Good, Easy.
    ///
    /// `fuzz_seed` makes the fuzz reproducible: the same seed gives the same intervals, so
    /// the caller derives it from something stable for this review (such as the card id and
    /// its review count) and the buttons show exactly what grading will store.
    pub fn preview(
        &self,
        card: &Card,
        now: DateTime<Utc>,
        clock: &DayClock,
        fuzz_seed: u64,
    ) -> Result<[Outcome; 4], ScheduleError> {
        let today = clock.day_of(now);
        let (memory, days_elapsed) = if card.is_new() {
            (None, 0)
        } else {
            let memory = MemoryState {
                stability: card.stability as f32,
                difficulty: card.difficulty as f32,
            };
            let elapsed = card.last_review.map_or(0, |last| {
                let days = (today - clock.day_of(last)).num_days().max(0);
                u32::try_from(days).unwrap_or(u32::MAX)
            });
            (Some(memory), elapsed)
        };
        let next = self
            .fsrs
            .next_states(memory, self.config.desired_retention, days_elapsed)
            .map_err(ScheduleError::Fsrs)?;

        let [again_days, hard_days, good_days, easy_days] = self.review_days(
            [
                next.again.interval,
                next.hard.interval,
                next.good.interval,
                next.easy.interval,
            ],
            fuzz_seed,
            today,
        );
        let lapses = card
            .lapses
            .saturating_add(u32::from(card.state == CardState::Review));
        let reviewed = |memory: MemoryState| Card {
            stability: f64::from(memory.stability),
            difficulty: f64::from(memory.difficulty),
            last_review: Some(now),
            reps: card.reps.saturating_add(1),
            ..card.clone()
        };
        let review = |rating: Rating, state: &ItemState, days: u32| Outcome {
            rating,
            card: Card {
                state: CardState::Review,
                due: clock.day_start(next_day(today, days)),
                scheduled_days: days,
                step: 0,
                ..reviewed(state.memory)
            },
            interval_label: days_label(days),
        };
        let (steps, stepping) = match card.state {
            CardState::New | CardState::Learning => {
                (&self.config.learning_steps, CardState::Learning)
            }
            CardState::Review | CardState::Relearning => {
                (&self.config.relearning_steps, CardState::Relearning)
            }
        };
        let at_step = |rating: Rating, state: &ItemState, step: usize, minutes: u32| Outcome {
            rating,
            card: Card {
                state: stepping,
                due: now
                    .checked_add_signed(Duration::minutes(i64::from(minutes)))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
                scheduled_days: 0,
                step: u32::try_from(step).unwrap_or(0),
                ..reviewed(state.memory)
            },
            interval_label: minutes_label(minutes),
        };

        let mut again = match steps.first() {
            Some(&first) => at_step(Rating::Again, &next.again, 0, first),
            None => review(Rating::Again, &next.again, again_days),
        };
        again.card.lapses = lapses;
        let mut outcomes = if card.state == CardState::Review || steps.is_empty() {
            [
                again,
                review(Rating::Hard, &next.hard, hard_days),
                review(Rating::Good, &next.good, good_days),
                review(Rating::Easy, &next.easy, easy_days),
            ]
        } else {
            // A new card starts at the first step; settings may have removed steps since.
            let current = if card.state == CardState::New {
                0
            } else {
                (card.step as usize).min(steps.len() - 1)
            };
            let hard_minutes = match (current, steps.get(1)) {
                (0, Some(&second)) => (steps[0] + second) / 2,
                (0, None) => (steps[0].saturating_mul(3) / 2).min(steps[0] + 1440),
                _ => steps[current],
            };
            let good = match steps.get(current + 1) {
                Some(&wait) => at_step(Rating::Good, &next.good, current + 1, wait),
                None => review(Rating::Good, &next.good, good_days),
            };
            [
                again,
                at_step(Rating::Hard, &next.hard, current, hard_minutes),
                good,
                review(Rating::Easy, &next.easy, easy_days),
            ]
        };
        // A better rating never brings the card back sooner, whatever the steps.
        for i in (0..3).rev() {
            if outcomes[i].card.due > outcomes[i + 1].card.due {
                let due = outcomes[i + 1].card.due;
                let outcome = &mut outcomes[i];
                outcome.card.due = due;
                outcome.interval_label = if outcome.card.state == CardState::Review {
                    outcome.card.scheduled_days = outcomes_days(clock, today, due);
                    days_label(outcome.card.scheduled_days)
                } else {
                    minutes_label(u32::try_from((due - now).num_minutes().max(0)).unwrap_or(0))
                };
            }
        }
        Ok(outcomes)
    }

    /// The outcome of one rating; by construction the same as its [`Scheduler::preview`].
    pub fn grade(
        &self,
        card: &Card,
        rating: Rating,
        now: DateTime<Utc>,
        clock: &DayClock,
        fuzz_seed: u64,
    ) -> Result<Outcome, ScheduleError> {
        let [again, hard, good, easy] = self.preview(card, now, clock, fuzz_seed)?;
        Ok(match rating {
            Rating::Again => again,
            Rating::Hard => hard,
            Rating::Good => good,
            Rating::Easy => easy,
        })
    }

    fn maximum_interval(&self) -> u32 {
        self.config.maximum_interval_days.max(1)
    }

    /// Whole-day intervals for Again (used when there are no relearning steps), Hard,
    /// Good and Easy: rounded, capped, fuzzed, and kept in order so a better rating never
    /// schedules the card sooner; before an interview, capped to end before it and moved
    /// to the least busy of the last days left.
    fn review_days(&self, intervals: [f32; 4], fuzz_seed: u64, today: NaiveDate) -> [u32; 4] {
        let maximum = self.maximum_interval();
        let [again, hard, good, easy] = [
            (Rating::Again, intervals[0]),
            (Rating::Hard, intervals[1]),
            (Rating::Good, intervals[2]),
            (Rating::Easy, intervals[3]),
        ]
        .map(|(rating, interval)| {
            let interval = f64::from(interval).clamp(1.0, f64::from(maximum));
            match fuzz_range(interval, maximum).filter(|_| self.config.fuzz) {
                Some(range) => pick_in_range(range, fuzz_seed, rating),
                None => round_days(interval),
            }
        });
        let again = again.min(hard);
        let good = good.max(hard.saturating_add(1)).min(maximum);
        let easy = easy.max(good.saturating_add(1)).min(maximum);
        let mut days = [again, hard, good, easy];
        if let Some(plan) = &self.config.interview {
            if let Some(cap) = plan.cap_days(today) {
                let mut floor = 1;
                for day in &mut days {
                    if *day > cap {
                        *day = plan.least_busy(today, floor, cap);
                    }
                    floor = (*day).max(floor);
                }
            }
        }
        days
    }

    /// A review card's due date recomputed for the current retention, parameters,
    /// maximum interval and interview date, counted from its last review; `None` for
    /// cards that are not in review or are already due. The new date is never earlier
    /// than tomorrow, so a change of settings does not flood today.
    pub fn reschedule(&self, card: &Card, now: DateTime<Utc>, clock: &DayClock) -> Option<Card> {
        if card.state != CardState::Review || card.due <= now || card.stability <= 0.0 {
            return None;
        }
        let last_day = clock.day_of(card.last_review?);
        let today = clock.day_of(now);
        let interval = self.fsrs.next_interval(
            Some(card.stability as f32),
            self.config.desired_retention,
            Rating::Good.number(),
        );
        let maximum = self.maximum_interval();
        let mut days = round_days(f64::from(interval).clamp(1.0, f64::from(maximum)));
        let mut due_day = next_day(last_day, days);
        if let Some(plan) = &self.config.interview {
            if let Some(cap) = plan.cap_days(today) {
                if due_day > next_day(today, cap) {
                    due_day = next_day(today, plan.least_busy(today, 1, cap));
                }
            }
        }
        due_day = due_day.max(next_day(today, 1));
        days = u32::try_from((due_day - last_day).num_days()).unwrap_or(days);
        Some(Card {
            due: clock.day_start(due_day),
            scheduled_days: days,
            ..card.clone()
        })
    }
}

impl InterviewPlan {
    /// The day, `floor..=cap` days from today and in the later half of the days left,
    /// with the fewest cards due; the latest of equals (closest to the interview).
    ///
    /// Walking down from the cap, the first day with nothing due is the answer,
    /// so at most one more day than there are busy days is looked at: the cost
    /// follows the cards, not the distance to the interview.
    fn least_busy(&self, today: NaiveDate, floor: u32, cap: u32) -> u32 {
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

/// Study days from `today` to the day of `due`.
fn outcomes_days(clock: &DayClock, today: NaiveDate, due: DateTime<Utc>) -> u32 {
    u32::try_from((clock.day_of(due) - today).num_days().max(0)).unwrap_or(0)
}

fn round_days(interval: f64) -> u32 {
    // `interval` is already clamped to 1..=maximum, so the cast cannot truncate.
    interval.round() as u32
}

/// Anki's fuzz: the range of whole days a review interval may be moved to, or `None` for
/// intervals too short to fuzz (below 2.5 days, where a day's shift would be a big change).
fn fuzz_range(interval: f64, maximum: u32) -> Option<(u32, u32)> {
    const FUZZ_RANGES: [(f64, f64, f64); 3] = [
        (2.5, 7.0, 0.15),
        (7.0, 20.0, 0.10),
        (20.0, f64::INFINITY, 0.05),
    ];
    if !interval.is_finite() || interval < 2.5 {
        return None;
    }
    let delta = FUZZ_RANGES
        .iter()
        .fold(1.0, |delta, &(start, end, factor)| {
            delta + factor * (interval.min(end) - start).max(0.0)
        });
    let maximum = f64::from(maximum.max(1));
    let upper = (interval + delta).round().clamp(1.0, maximum);
    let lower = (interval - delta).round().max(2.0).min(upper);
    Some((lower as u32, upper as u32))
}

/// A day in `lower..=upper` chosen by the seed and the rating, so each button fuzzes
/// independently yet the same review always gets the same day.
fn pick_in_range((lower, upper): (u32, u32), fuzz_seed: u64, rating: Rating) -> u32 {
    let width = u64::from(upper - lower) + 1;
    let mixed = splitmix64(fuzz_seed ^ splitmix64(u64::from(rating.number())));
    // `mixed % width` is below `width`, which fits in u32 plus one, so the sum cannot exceed `upper`.
    lower + (mixed % width) as u32
}

/// Sebastiano Vigna's SplitMix64 finalizer: a small, well-mixed, platform-independent hash.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// "10m", "2h", "1.5h", or a day label for waits of a day or more.
fn minutes_label(minutes: u32) -> String {
    if minutes < 60 {
        format!("{minutes}m")
    } else if minutes < 24 * 60 {
        format!("{}h", one_decimal(f64::from(minutes) / 60.0))
    } else {
        days_label(round_days(f64::from(minutes) / (24.0 * 60.0)))
    }
}

/// "4d" below a month, "3.2mo" below a year, "1.5y" beyond.
fn days_label(days: u32) -> String {
    const DAYS_PER_MONTH: f64 = 365.0 / 12.0;
    if days < 30 {
        format!("{days}d")
    } else if days < 365 {
        format!("{}mo", one_decimal(f64::from(days) / DAYS_PER_MONTH))
    } else {
        format!("{}y", one_decimal(f64::from(days) / 365.0))
    }
}

fn one_decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use chrono::Timelike;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn local(tz: Tz, text: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        tz.from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn scheduler(fuzz: bool) -> Scheduler {
        Scheduler::new(SchedulerConfig {
            fuzz,
            ..SchedulerConfig::default()
        })
        .unwrap()
    }

    fn utc_clock() -> DayClock {
        DayClock::new(chrono_tz::UTC, DayClock::DEFAULT_ROLLOVER_HOUR)
    }

    #[test]
    fn ratings_parse_names_numbers_and_any_case() {
        for rating in Rating::ALL {
            assert_eq!(rating.as_str().parse::<Rating>(), Ok(rating));
            assert_eq!(rating.label().parse::<Rating>(), Ok(rating));
            assert_eq!(rating.number().to_string().parse::<Rating>(), Ok(rating));
            assert_eq!(rating.as_str().to_uppercase().parse::<Rating>(), Ok(rating));
        }
        let error = "meh".parse::<Rating>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown rating `meh`: expected again, hard, good, easy, or 1 to 4"
        );
        assert!("0".parse::<Rating>().is_err());
        assert!("5".parse::<Rating>().is_err());
    }

    #[test]
    fn ratings_serialize_lowercase() {
        let json = serde_json_like(&Rating::Again);
        assert_eq!(json, "again");
        assert_eq!(
            Rating::ALL.map(Rating::number),
            [1, 2, 3, 4],
            "numbers follow button order"
        );
    }

    /// The serialized name through serde, without a JSON dependency: TOML renders a
    /// bare enum as a quoted string.
    fn serde_json_like<T: Serialize>(value: &T) -> String {
        #[derive(Serialize)]
        struct Wrap<'a, T> {
            v: &'a T,
        }
        let text = toml::to_string(&Wrap { v: value }).unwrap();
        text.trim()
            .trim_start_matches("v = ")
            .trim_matches('"')
            .to_owned()
    }

    #[test]
    fn card_states_round_trip_their_names() {
        for state in [
            CardState::New,
            CardState::Learning,
            CardState::Review,
            CardState::Relearning,
        ] {
            assert_eq!(state.as_str().parse::<CardState>(), Ok(state));
            assert_eq!(serde_json_like(&state), state.as_str());
        }
        assert!("due".parse::<CardState>().is_err());
    }

    #[test]
    fn new_card_is_due_now_with_nothing_learnt() {
        let now = utc("2025-05-01T12:00:00Z");
        let card = Card::new(now);
        assert_eq!(card.state, CardState::New);
        assert_eq!(card.due, now);
        assert_eq!((card.reps, card.lapses, card.scheduled_days), (0, 0, 0));
        assert_eq!(card.last_review, None);
    }

    #[test]
    fn config_is_validated() {
        for retention in [0.5, 0.69, 0.995, f32::NAN] {
            assert!(matches!(
                Scheduler::new(SchedulerConfig {
                    desired_retention: retention,
                    ..SchedulerConfig::default()
                }),
                Err(ScheduleError::InvalidRetention(_))
            ));
        }
        for retention in [0.70, 0.85, 0.99] {
            assert!(Scheduler::new(SchedulerConfig {
                desired_retention: retention,
                ..SchedulerConfig::default()
            })
            .is_ok());
        }
        assert_eq!(
            Scheduler::new(SchedulerConfig {
                parameters: vec![1.0; 5],
                ..SchedulerConfig::default()
            })
            .unwrap_err(),
            ScheduleError::InvalidParameters { count: 5 }
        );
        let mut with_nan = fsrs::DEFAULT_PARAMETERS.to_vec();
        with_nan[3] = f32::NAN;
        assert!(Scheduler::new(SchedulerConfig {
            parameters: with_nan,
            ..SchedulerConfig::default()
        })
        .is_err());
        assert!(Scheduler::new(SchedulerConfig {
            parameters: fsrs::DEFAULT_PARAMETERS.to_vec(),
            ..SchedulerConfig::default()
        })
        .is_ok());
    }

    #[test]
    fn defaults_match_fsrs() {
        let now = utc("2025-05-01T12:00:00Z");
        let card = Card::new(now);
        let outcomes = scheduler(false)
            .preview(&card, now, &utc_clock(), 0)
            .unwrap();
        let expected = FSRS::default().next_states(None, 0.9, 0).unwrap();

        let good = &outcomes[2];
        assert_eq!(good.rating, Rating::Good);
        assert!(
            (2..=3).contains(&good.card.scheduled_days),
            "{}",
            good.card.scheduled_days
        );
        assert_eq!(
            good.card.scheduled_days,
            expected.good.interval.round() as u32
        );
        assert_eq!(
            good.card.stability,
            f64::from(expected.good.memory.stability)
        );
        assert_eq!(
            good.card.difficulty,
            f64::from(expected.good.memory.difficulty)
        );
        assert_eq!(
            outcomes[0].card.stability,
            f64::from(expected.again.memory.stability)
        );
        assert_eq!(
            outcomes[3].card.stability,
            f64::from(expected.easy.memory.stability)
        );
        assert_eq!(
            outcomes.each_ref().map(|outcome| outcome.rating),
            Rating::ALL
        );
    }

    #[test]
    fn again_relearns_in_minutes_and_counts_a_lapse_only_from_review() {
        let now = utc("2025-05-01T12:00:00Z");
        let clock = utc_clock();
        let scheduler = scheduler(true);

        let new_again = scheduler
            .grade(&Card::new(now), Rating::Again, now, &clock, 7)
            .unwrap();
        assert_eq!(new_again.card.state, CardState::Learning);
        assert_eq!(new_again.card.due, now + Duration::minutes(10));
        assert_eq!(new_again.card.lapses, 0);
        assert_eq!(new_again.card.scheduled_days, 0);
        assert_eq!(new_again.interval_label, "10m");

        let later = now + Duration::days(3);
        let reviewed = scheduler
            .grade(&Card::new(now), Rating::Good, now, &clock, 7)
            .unwrap()
            .card;
        let lapse = scheduler
            .grade(&reviewed, Rating::Again, later, &clock, 7)
            .unwrap()
            .card;
        assert_eq!(lapse.state, CardState::Relearning);
        assert_eq!(lapse.lapses, 1);
        assert_eq!(lapse.reps, 2);
        assert_eq!(lapse.last_review, Some(later));

        let again_in_relearning = scheduler
            .grade(&lapse, Rating::Again, later, &clock, 7)
            .unwrap()
            .card;
        assert_eq!(again_in_relearning.state, CardState::Relearning);
        assert_eq!(again_in_relearning.lapses, 1, "only a review card lapses");

        let relearnt = scheduler
            .grade(&lapse, Rating::Good, later, &clock, 7)
            .unwrap()
            .card;
        assert_eq!(relearnt.state, CardState::Review);
        assert!(relearnt.scheduled_days >= 1);
    }

    #[test]
    fn good_on_day_d_is_due_at_the_start_of_day_d_plus_n() {
        let berlin = DayClock::new(chrono_tz::Europe::Berlin, 4);
        // 02:30 local on 28 March still belongs to study day 27 March.
        let now = local(chrono_tz::Europe::Berlin, "2025-03-28 02:30");
        let outcome = scheduler(true)
            .grade(&Card::new(now), Rating::Good, now, &berlin, 42)
            .unwrap();
        let n = outcome.card.scheduled_days;
        let due_day = date("2025-03-27") + Days::new(u64::from(n));
        assert_eq!(outcome.card.due, berlin.day_start(due_day));
        assert_eq!(outcome.interval_label, format!("{n}d"));
        let due_local = outcome.card.due.with_timezone(&chrono_tz::Europe::Berlin);
        assert_eq!(due_local.time(), NaiveTime::from_hms_opt(4, 0, 0).unwrap());
    }

    #[test]
    fn elapsed_time_counts_study_days_not_hours() {
        let clock = DayClock::new(chrono_tz::America::New_York, 4);
        let scheduler = scheduler(false);
        let first = local(chrono_tz::America::New_York, "2025-06-10 22:00");
        let card = scheduler
            .grade(&Card::new(first), Rating::Good, first, &clock, 0)
            .unwrap()
            .card;
        // Six hours later but the same study day (before 04:00): a same-day review.
        let same_day = local(chrono_tz::America::New_York, "2025-06-11 03:59");
        let next_day = local(chrono_tz::America::New_York, "2025-06-11 04:00");
        let memory = Some(MemoryState {
            stability: card.stability as f32,
            difficulty: card.difficulty as f32,
        });
        let fsrs = FSRS::default();
        let same = scheduler
            .grade(&card, Rating::Good, same_day, &clock, 0)
            .unwrap();
        let expected_same = fsrs.next_states(memory, 0.9, 0).unwrap().good;
        assert_eq!(
            same.card.stability,
            f64::from(expected_same.memory.stability)
        );
        let next = scheduler
            .grade(&card, Rating::Good, next_day, &clock, 0)
            .unwrap();
        let expected_next = fsrs.next_states(memory, 0.9, 1).unwrap().good;
        assert_eq!(
            next.card.stability,
            f64::from(expected_next.memory.stability)
        );
    }

    #[test]
    fn interval_labels() {
        assert_eq!(minutes_label(10), "10m");
        assert_eq!(minutes_label(59), "59m");
        assert_eq!(minutes_label(60), "1h");
        assert_eq!(minutes_label(90), "1.5h");
        assert_eq!(minutes_label(24 * 60), "1d");
        assert_eq!(days_label(1), "1d");
        assert_eq!(days_label(29), "29d");
        assert_eq!(days_label(30), "1mo");
        assert_eq!(days_label(97), "3.2mo");
        assert_eq!(days_label(364), "12mo");
        assert_eq!(days_label(365), "1y");
        assert_eq!(days_label(548), "1.5y");
        assert_eq!(days_label(36500), "100y");
    }

    #[test]
    fn fuzz_ranges_follow_anki() {
        assert_eq!(fuzz_range(1.0, 36500), None);
        assert_eq!(fuzz_range(2.4, 36500), None);
        // delta = 1 + 0.15 * 0.5 = 1.075
        assert_eq!(fuzz_range(3.0, 36500), Some((2, 4)));
        // delta = 1 + 0.15 * 4.5 + 0.10 * 3 = 1.975
        assert_eq!(fuzz_range(10.0, 36500), Some((8, 12)));
        // delta = 1 + 0.675 + 1.3 + 0.05 * 80 = 6.975
        assert_eq!(fuzz_range(100.0, 36500), Some((93, 107)));
        assert_eq!(fuzz_range(100.0, 100), Some((93, 100)));
    }

    #[test]
    fn maximum_interval_caps_every_rating() {
        let scheduler = Scheduler::new(SchedulerConfig {
            maximum_interval_days: 5,
            ..SchedulerConfig::default()
        })
        .unwrap();
        let now = utc("2025-05-01T12:00:00Z");
        let card = Card {
            state: CardState::Review,
            stability: 400.0,
            difficulty: 3.0,
            last_review: Some(now - Duration::days(300)),
            reps: 8,
            scheduled_days: 300,
            ..Card::new(now)
        };
        let outcomes = scheduler.preview(&card, now, &utc_clock(), 1).unwrap();
        for outcome in &outcomes[1..] {
            assert_eq!(outcome.card.scheduled_days, 5);
        }
    }

    #[test]
    fn day_clock_rolls_over_at_four_across_dst() {
        let cases = [
            // Europe/Berlin springs forward at 02:00 and falls back at 03:00.
            (chrono_tz::Europe::Berlin, "2025-03-30"),
            (chrono_tz::Europe::Berlin, "2025-03-31"),
            (chrono_tz::Europe::Berlin, "2025-10-26"),
            (chrono_tz::Europe::Berlin, "2025-10-27"),
            // America/New_York springs forward and falls back at 02:00.
            (chrono_tz::America::New_York, "2025-03-09"),
            (chrono_tz::America::New_York, "2025-03-10"),
            (chrono_tz::America::New_York, "2025-11-02"),
            (chrono_tz::America::New_York, "2025-11-03"),
        ];
        for (tz, day) in cases {
            let clock = DayClock::new(tz, 4);
            let day = date(day);
            let before = local(tz, &format!("{} 03:59", day));
            let at = local(tz, &format!("{} 04:00", day));
            assert_eq!(clock.day_of(before), day.pred_opt().unwrap(), "{tz} {day}");
            assert_eq!(clock.day_of(at), day, "{tz} {day}");
            assert_eq!(clock.day_start(day), at, "{tz} {day}");
            assert_eq!(clock.today_start(at), at);
            assert_eq!(clock.tomorrow_start(before), at);
            let next_start = clock.day_start(day.succ_opt().unwrap());
            assert_eq!(clock.tomorrow_start(at), next_start);
            let length = next_start - at;
            assert!(
                [23, 24, 25].contains(&length.num_hours()),
                "{tz} {day}: {length}"
            );
        }
        // The night of the change is an hour shorter or longer in study time, too.
        let berlin = DayClock::new(chrono_tz::Europe::Berlin, 4);
        let spring = berlin.day_start(date("2025-03-30")) - berlin.day_start(date("2025-03-29"));
        assert_eq!(spring, Duration::hours(23));
        let autumn = berlin.day_start(date("2025-10-26")) - berlin.day_start(date("2025-10-25"));
        assert_eq!(autumn, Duration::hours(25));
    }

    #[test]
    fn day_start_in_a_dst_gap_or_fold() {
        let berlin = DayClock::new(chrono_tz::Europe::Berlin, 2);
        // 02:00 does not exist on 30 March 2025: the day starts at 03:00 CEST = 01:00 UTC.
        assert_eq!(
            berlin.day_start(date("2025-03-30")),
            utc("2025-03-30T01:00:00Z")
        );
        // 02:00 happens twice on 26 October 2025: the first, 02:00 CEST = 00:00 UTC.
        assert_eq!(
            berlin.day_start(date("2025-10-26")),
            utc("2025-10-26T00:00:00Z")
        );
        let new_york = DayClock::new(chrono_tz::America::New_York, 2);
        assert_eq!(
            new_york.day_start(date("2025-03-09")),
            utc("2025-03-09T07:00:00Z")
        );
        // Samoa skipped 30 December 2011 entirely; that day starts when 31 December does.
        let apia = DayClock::new(chrono_tz::Pacific::Apia, 4);
        assert_eq!(
            apia.day_start(date("2011-12-30")),
            local(chrono_tz::Pacific::Apia, "2011-12-31 00:00")
        );
    }

    #[test]
    fn rollover_hour_is_capped() {
        let clock = DayClock::new(chrono_tz::UTC, 30);
        assert_eq!(clock.rollover_hour(), 23);
        assert_eq!(
            clock.day_start(date("2025-01-01")).hour(),
            23,
            "a day starts within its own date"
        );
    }

    const ZONES: [Tz; 5] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
    ];

    fn any_state() -> impl Strategy<Value = CardState> {
        prop_oneof![
            Just(CardState::New),
            Just(CardState::Learning),
            Just(CardState::Review),
            Just(CardState::Relearning),
        ]
    }

    prop_compose! {
        fn any_card()(
            state in any_state(),
            stability in 0.001f64..36500.0,
            difficulty in 1.0f64..10.0,
            reps in 0u32..100,
            lapses in 0u32..20,
            last_review_secs in 1_500_000_000i64..1_900_000_000,
            scheduled_days in 0u32..1000,
        ) -> Card {
            let last_review = DateTime::from_timestamp(last_review_secs, 0).unwrap();
            let reps = if state == CardState::New { 0 } else { reps.max(1) };
            let step = u32::from(reps % 3 == 0);
            Card {
                state,
                due: last_review + Duration::days(i64::from(scheduled_days)),
                stability: if reps == 0 { 0.0 } else { stability },
                difficulty: if reps == 0 { 0.0 } else { difficulty },
                last_review: (reps > 0).then_some(last_review),
                reps,
                lapses,
                scheduled_days,
                step,
            }
        }
    }

    prop_compose! {
        fn any_scheduler()(
            retention in 0.70f32..=0.99,
            fuzz in any::<bool>(),
            learning_steps in proptest::collection::vec(1u32..3000, 0..4),
            relearning_steps in proptest::collection::vec(1u32..3000, 0..3),
            maximum_interval_days in prop_oneof![Just(36500u32), 1u32..400],
        ) -> Scheduler {
            let sorted = |mut steps: Vec<u32>| { steps.sort_unstable(); steps };
            Scheduler::new(SchedulerConfig {
                desired_retention: retention,
                parameters: Vec::new(),
                fuzz,
                learning_steps: sorted(learning_steps),
                relearning_steps: sorted(relearning_steps),
                maximum_interval_days,
                interview: None,
            })
            .unwrap()
        }
    }

    proptest! {
        #[test]
        fn intervals_never_decrease_from_again_to_easy(
            scheduler in any_scheduler(),
            card in any_card(),
            elapsed_secs in 0i64..(3650 * 86_400),
            zone in 0usize..ZONES.len(),
            rollover in 0u32..24,
            seed in any::<u64>(),
        ) {
            let clock = DayClock::new(ZONES[zone], rollover);
            let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
            let outcomes = scheduler.preview(&card, now, &clock, seed).unwrap();
            let dues = outcomes.each_ref().map(|outcome| outcome.card.due);
            prop_assert!(dues.windows(2).all(|pair| pair[0] <= pair[1]), "{:?}", dues);
            let maximum = scheduler.config().maximum_interval_days;
            prop_assert_eq!(outcomes[3].card.state, CardState::Review, "Easy always graduates");
            prop_assert!(outcomes[3].card.scheduled_days >= 1);
            prop_assert!(outcomes[3].card.scheduled_days <= maximum);
            let reviewing = card.state == CardState::Review
                || (card.state == CardState::Relearning && scheduler.config().relearning_steps.is_empty())
                || (matches!(card.state, CardState::New | CardState::Learning) && scheduler.config().learning_steps.is_empty());
            if reviewing {
                let days = outcomes.each_ref().map(|outcome| outcome.card.scheduled_days);
                prop_assert!(days[1] >= 1);
                // A better rating gains at least a day unless the maximum stops it.
                prop_assert!(days[2] > days[1] || days[2] == maximum, "{:?}", days);
                prop_assert!(days[3] > days[2] || days[3] == maximum, "{:?}", days);
            }
        }

        #[test]
        fn due_is_never_before_now_and_grade_equals_preview(
            scheduler in any_scheduler(),
            card in any_card(),
            elapsed_secs in 0i64..(400 * 86_400),
            zone in 0usize..ZONES.len(),
            rollover in 0u32..24,
            seed in any::<u64>(),
        ) {
            let clock = DayClock::new(ZONES[zone], rollover);
            let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
            let outcomes = scheduler.preview(&card, now, &clock, seed).unwrap();
            for outcome in &outcomes {
                prop_assert!(outcome.card.due >= now);
                prop_assert_eq!(outcome.card.last_review, Some(now));
                prop_assert_eq!(outcome.card.reps, card.reps + 1);
                let graded = scheduler.grade(&card, outcome.rating, now, &clock, seed).unwrap();
                prop_assert_eq!(&graded, outcome);
            }
            for outcome in &outcomes[1..] {
                prop_assert!(outcome.card.due > now);
            }
            for outcome in outcomes.iter().filter(|o| o.card.state == CardState::Review) {
                let today = clock.day_of(now);
                prop_assert!(outcome.card.scheduled_days >= 1);
                prop_assert_eq!(
                    outcome.card.due,
                    clock.day_start(today + Days::new(u64::from(outcome.card.scheduled_days)))
                );
            }
        }

        #[test]
        fn fuzz_is_deterministic_and_within_range(
            interval in 1.0f64..40000.0,
            maximum in prop_oneof![Just(36500u32), 1u32..1000],
            seed in any::<u64>(),
        ) {
            let capped = interval.min(f64::from(maximum));
            match fuzz_range(capped, maximum) {
                None => prop_assert!(capped < 2.5),
                Some((lower, upper)) => {
                    prop_assert!(lower <= upper && upper <= maximum);
                    prop_assert!(lower >= 2 || maximum < 2);
                    for rating in [Rating::Hard, Rating::Good, Rating::Easy] {
                        let day = pick_in_range((lower, upper), seed, rating);
                        prop_assert!((lower..=upper).contains(&day));
                        prop_assert_eq!(day, pick_in_range((lower, upper), seed, rating));
                    }
                }
            }
        }

        #[test]
        fn preview_is_deterministic_per_seed(
            scheduler in any_scheduler(),
            card in any_card(),
            elapsed_secs in 0i64..(400 * 86_400),
            seed in any::<u64>(),
        ) {
            let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
            let clock = utc_clock();
            prop_assert_eq!(
                scheduler.preview(&card, now, &clock, seed).unwrap(),
                scheduler.preview(&card, now, &clock, seed).unwrap()
            );
        }

        #[test]
        fn an_instant_lies_within_its_study_day(
            secs in 0i64..4_000_000_000,
            zone in 0usize..ZONES.len(),
            rollover in 0u32..24,
        ) {
            let clock = DayClock::new(ZONES[zone], rollover);
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert!(clock.today_start(at) <= at);
            prop_assert!(at < clock.tomorrow_start(at));
        }
    }

    #[test]
    fn fuzz_spreads_intervals_across_seeds() {
        let now = utc("2025-05-01T12:00:00Z");
        let card = Card {
            state: CardState::Review,
            stability: 30.0,
            difficulty: 5.0,
            last_review: Some(now - Duration::days(30)),
            reps: 5,
            scheduled_days: 30,
            ..Card::new(now)
        };
        let scheduler = scheduler(true);
        let goods: std::collections::BTreeSet<u32> = (0..200)
            .map(|seed| {
                scheduler
                    .grade(&card, Rating::Good, now, &utc_clock(), seed)
                    .unwrap()
                    .card
                    .scheduled_days
            })
            .collect();
        assert!(goods.len() > 3, "{goods:?}");
    }

    #[test]
    fn steps_parse_in_minutes_hours_and_days() {
        assert_eq!(parse_steps("1m 10m").unwrap(), vec![1, 10]);
        assert_eq!(parse_steps("10, 1h,1d").unwrap(), vec![10, 60, 1440]);
        assert_eq!(parse_steps("1.5h").unwrap(), vec![90]);
        assert_eq!(parse_steps("  ").unwrap(), Vec::<u32>::new());
        for bad in ["10m 1m", "0m", "5x", "31d", "m", "1 2 3 4 5 6 7 8 9 10 11"] {
            assert!(parse_steps(bad).is_err(), "{bad}");
        }
        assert_eq!(format_steps(&[1, 10, 60, 1440, 90]), "1m 10m 1h 1d 90m");
        assert!(Scheduler::new(SchedulerConfig {
            learning_steps: vec![10, 5],
            ..SchedulerConfig::default()
        })
        .is_err());
    }

    #[test]
    fn learning_steps_walk_a_new_card_to_review_as_anki_does() {
        let now = utc("2025-05-01T12:00:00Z");
        let clock = utc_clock();
        let scheduler = Scheduler::new(SchedulerConfig {
            learning_steps: vec![1, 10],
            relearning_steps: vec![10],
            fuzz: false,
            ..SchedulerConfig::default()
        })
        .unwrap();
        let [again, hard, good, easy] = scheduler.preview(&Card::new(now), now, &clock, 1).unwrap();
        assert_eq!(
            (again.card.state, again.card.step),
            (CardState::Learning, 0)
        );
        assert_eq!(again.card.due, now + Duration::minutes(1));
        // Hard on the first step waits the average of the first two.
        assert_eq!(hard.card.due, now + Duration::minutes(5));
        assert_eq!(hard.interval_label, "5m");
        assert_eq!((good.card.state, good.card.step), (CardState::Learning, 1));
        assert_eq!(good.card.due, now + Duration::minutes(10));
        assert_eq!(easy.card.state, CardState::Review);

        let later = now + Duration::minutes(10);
        let graduated = scheduler
            .grade(&good.card, Rating::Good, later, &clock, 1)
            .unwrap();
        assert_eq!(graduated.card.state, CardState::Review);
        assert!(graduated.card.scheduled_days >= 1);
        // On the last step Hard repeats it.
        let [_, hard, _, _] = scheduler.preview(&good.card, later, &clock, 1).unwrap();
        assert_eq!(hard.card.due, later + Duration::minutes(10));

        // No learning steps: Good graduates at once, Again comes back in days.
        let straight = Scheduler::new(SchedulerConfig {
            learning_steps: Vec::new(),
            relearning_steps: Vec::new(),
            ..SchedulerConfig::default()
        })
        .unwrap();
        let outcomes = straight.preview(&Card::new(now), now, &clock, 1).unwrap();
        assert!(outcomes.iter().all(|o| o.card.state == CardState::Review));
        assert!(outcomes[0].card.scheduled_days >= 1);
    }

    #[test]
    fn an_interview_caps_intervals_and_spreads_them() {
        let clock = utc_clock();
        let now = utc("2025-05-01T12:00:00Z");
        let today = clock.day_of(now);
        let mut due_per_day = BTreeMap::new();
        due_per_day.insert(today + Days::new(9), 50);
        let plan = InterviewPlan {
            date: today + Days::new(10),
            due_per_day,
        };
        assert_eq!(plan.cap_days(today), Some(9));
        assert_eq!(plan.cap_days(today + Days::new(9)), Some(1));
        assert_eq!(
            plan.cap_days(today + Days::new(10)),
            None,
            "normal after the day"
        );
        let scheduler = Scheduler::new(SchedulerConfig {
            interview: Some(plan),
            ..SchedulerConfig::default()
        })
        .unwrap();
        // A mature card whose natural interval is months.
        let card = Card {
            state: CardState::Review,
            due: now,
            stability: 200.0,
            difficulty: 5.0,
            last_review: Some(now - Duration::days(200)),
            reps: 8,
            lapses: 0,
            scheduled_days: 200,
            step: 0,
        };
        let outcomes = scheduler.preview(&card, now, &clock, 3).unwrap();
        for outcome in &outcomes[1..] {
            assert!(outcome.card.scheduled_days <= 9, "{outcome:?}");
            // Day 9 is busy: the least busy later day is chosen instead.
            assert_eq!(outcome.card.scheduled_days, 8);
        }
    }

    #[test]
    fn starling_intervals_equal_the_fsrs_crates_for_a_history() {
        // Custom weights, as an optimizer would fit them.
        let mut parameters = fsrs::DEFAULT_PARAMETERS.to_vec();
        parameters[0] = 0.5;
        parameters[2] = 3.1;
        parameters[8] = 1.7;
        let fsrs = FSRS::new(&parameters).unwrap();
        let scheduler = Scheduler::new(SchedulerConfig {
            parameters: parameters.clone(),
            fuzz: false,
            learning_steps: Vec::new(),
            relearning_steps: Vec::new(),
            desired_retention: 0.85,
            ..SchedulerConfig::default()
        })
        .unwrap();
        let clock = utc_clock();
        let mut now = utc("2025-01-01T12:00:00Z");
        let mut card = Card::new(now);
        let mut memory: Option<MemoryState> = None;
        let mut elapsed = 0u32;
        for rating in [
            Rating::Good,
            Rating::Good,
            Rating::Hard,
            Rating::Again,
            Rating::Good,
            Rating::Easy,
        ] {
            let expected = fsrs.next_states(memory, 0.85, elapsed).unwrap();
            let state = match rating {
                Rating::Again => expected.again,
                Rating::Hard => expected.hard,
                Rating::Good => expected.good,
                Rating::Easy => expected.easy,
            };
            let outcome = scheduler.grade(&card, rating, now, &clock, 0).unwrap();
            assert_eq!(outcome.card.stability, f64::from(state.memory.stability));
            assert_eq!(outcome.card.difficulty, f64::from(state.memory.difficulty));
            let days = f64::from(state.interval).clamp(1.0, 36500.0).round() as u32;
            if rating != Rating::Again {
                assert_eq!(outcome.card.scheduled_days, days, "{rating}");
            }
            memory = Some(state.memory);
            elapsed = outcome.card.scheduled_days;
            now = outcome.card.due + Duration::hours(1);
            card = outcome.card;
        }
    }

    proptest! {
        #[test]
        fn no_review_is_due_after_the_interview(
            scheduler in any_scheduler(),
            card in any_card(),
            elapsed_secs in 0i64..(60 * 86_400),
            days_left in 1u64..60,
            seed in any::<u64>(),
        ) {
            let clock = utc_clock();
            let now = card.last_review.unwrap_or(card.due) + Duration::seconds(elapsed_secs);
            let today = clock.day_of(now);
            let date = today + Days::new(days_left);
            let config = SchedulerConfig {
                interview: Some(InterviewPlan { date, due_per_day: BTreeMap::new() }),
                ..scheduler.config().clone()
            };
            let scheduler = Scheduler::new(config).unwrap();
            for outcome in scheduler.preview(&card, now, &clock, seed).unwrap() {
                if outcome.card.state == CardState::Review {
                    prop_assert!(clock.day_of(outcome.card.due) <= date);
                    if days_left > 1 {
                        prop_assert!(clock.day_of(outcome.card.due) < date);
                    }
                }
            }
            if let Some(moved) = scheduler.reschedule(&card, now, &clock) {
                prop_assert!(clock.day_of(moved.due) <= date);
            }
        }

        #[test]
        fn reschedule_keeps_due_dates_in_the_future(
            scheduler in any_scheduler(),
            card in any_card(),
            before_due_secs in 1i64..(400 * 86_400),
            zone in 0usize..ZONES.len(),
        ) {
            let clock = DayClock::new(ZONES[zone], 4);
            let now = card.due - Duration::seconds(before_due_secs);
            prop_assume!(card.last_review.is_some_and(|last| last <= now));
            match scheduler.reschedule(&card, now, &clock) {
                Some(moved) => {
                    prop_assert_eq!(card.state, CardState::Review);
                    prop_assert!(moved.due > now);
                    prop_assert!(moved.due >= clock.tomorrow_start(now));
                    prop_assert_eq!(moved.stability, card.stability);
                    prop_assert_eq!(moved.reps, card.reps);
                }
                None => prop_assert!(card.state != CardState::Review),
            }
        }
    }
}
