//! Spaced-repetition scheduling of practice cards with FSRS, counted in the learner's
//! study days: turns a card and a rating into the card's next state, due time and label.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fsrs::{FSRSError, ItemState, MemoryState, FSRS};
use serde::Serialize;

mod card;
mod clock;
mod interview;
mod steps;

pub use card::{Card, CardState, Rating, UnknownCardState, UnknownRating};
pub use clock::DayClock;
pub use interview::InterviewPlan;
pub use steps::{format_steps, parse_steps, MAX_STEPS, MAX_STEP_MINUTES};

use clock::next_day;
use steps::check_steps;

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
mod tests;
