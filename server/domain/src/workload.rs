//! How many questions a day a learner would practise at a given desired retention:
//! FSRS's own simulator (the one Anki's workload estimate uses) run over the learner's
//! cards and the new questions still to come, for the next 30 days.
//!
//! The simulation is seeded, so the same cards give the same figure, and bounded: at
//! most [`MAX_CARDS`] cards and [`DAYS`] days, a few milliseconds per retention.

use std::sync::Arc;

use fsrs::{FSRSError, SimulatorConfig, FSRS};

/// The days simulated; the estimate is their average.
pub const DAYS: usize = 30;
/// The most cards simulated: reviewed cards first (the soonest due), then new ones.
pub const MAX_CARDS: usize = 2000;

/// A card that has been reviewed at least once, as the simulation needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReviewedCard {
    /// FSRS stability in days.
    pub stability: f32,
    /// FSRS difficulty, 1 to 10.
    pub difficulty: f32,
    /// Days since its last review (0 for today).
    pub days_since_review: f32,
    pub lapses: u32,
    /// Still in (re)learning steps: due today whatever the retention.
    pub learning: bool,
}

/// The learner's cards and daily limits.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    pub cards: Vec<ReviewedCard>,
    /// Questions not started yet that new cards would come from.
    pub new_questions: usize,
    pub new_per_day: usize,
    pub reviews_per_day: usize,
    /// FSRS parameters; empty for FSRS's defaults.
    pub parameters: Vec<f32>,
    pub maximum_interval_days: u32,
    pub learning_steps: usize,
    pub relearning_steps: usize,
}

impl Workload {
    /// The average number of questions a day (reviews plus new questions) over the next
    /// [`DAYS`] days if every review aimed at `retention`.
    ///
    /// Intervals of reviewed cards are recomputed for `retention`, as saving a new
    /// desired retention reschedules them.
    pub fn questions_per_day(&self, retention: f32) -> Result<f32, FSRSError> {
        let parameters = fsrs::check_and_fill_parameters(&self.parameters)?;
        let model = FSRS::new(&parameters)?;
        let shared = Arc::new(parameters.clone());
        let max_interval = self.maximum_interval_days.max(1) as f32;
        let cards: Vec<fsrs::Card> = self
            .cards
            .iter()
            .filter(|card| card.stability > 0.0 && card.difficulty > 0.0)
            .take(MAX_CARDS)
            .enumerate()
            .map(|(id, card)| {
                let stability = card.stability.max(0.01);
                let interval = model
                    .next_interval(Some(stability), retention, 3)
                    .round()
                    .clamp(1.0, max_interval);
                let last_date = -card.days_since_review.max(0.0);
                let due = if card.learning {
                    0.0
                } else {
                    (last_date + interval).max(0.0)
                };
                fsrs::Card {
                    id: id as i64 + 1,
                    difficulty: card.difficulty.clamp(1.0, 10.0),
                    stability,
                    last_date,
                    due,
                    interval,
                    lapses: card.lapses,
                    desired_retention: retention,
                    parameters: shared.clone(),
                }
            })
            .collect();
        let new = self
            .new_questions
            .min(self.new_per_day.saturating_mul(DAYS))
            .min(MAX_CARDS - cards.len());
        let deck_size = cards.len() + new;
        if deck_size == 0 {
            return Ok(0.0);
        }
        let config = SimulatorConfig {
            deck_size,
            learn_span: DAYS,
            // Starling limits questions, not minutes.
            max_cost_perday: f32::INFINITY,
            max_ivl: max_interval,
            learn_limit: self.new_per_day,
            review_limit: self.reviews_per_day,
            new_cards_ignore_review_limit: true,
            learning_step_count: self.learning_steps,
            relearning_step_count: self.relearning_steps,
            ..SimulatorConfig::default()
        };
        let result = fsrs::simulate(&config, &parameters, retention, Some(42), Some(cards))?;
        let total: usize = result.review_cnt_per_day.iter().sum::<usize>()
            + result.learn_cnt_per_day.iter().sum::<usize>();
        Ok(total as f32 / DAYS as f32)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn deck(count: usize, stability: f32) -> Workload {
        Workload {
            cards: (0..count)
                .map(|i| ReviewedCard {
                    stability,
                    difficulty: 5.0,
                    days_since_review: (i % 10) as f32,
                    lapses: 0,
                    learning: false,
                })
                .collect(),
            new_questions: 0,
            new_per_day: 0,
            reviews_per_day: 10_000,
            parameters: Vec::new(),
            maximum_interval_days: 36_500,
            learning_steps: 1,
            relearning_steps: 1,
        }
    }

    #[test]
    fn nothing_to_practise_is_zero_a_day() {
        assert_eq!(deck(0, 5.0).questions_per_day(0.9).unwrap(), 0.0);
    }

    #[test]
    fn higher_retention_means_more_reviews() {
        let workload = deck(200, 10.0);
        let loads: Vec<f32> = [0.80, 0.85, 0.90, 0.95]
            .iter()
            .map(|r| workload.questions_per_day(*r).unwrap())
            .collect();
        assert!(loads.windows(2).all(|w| w[0] < w[1]), "{loads:?}");
        // 200 cards with 10-day stability at 0.90 come back about every 10 days,
        // and sooner after each lapse: far more than 1 a day, far fewer than all.
        assert!(loads[2] > 10.0 && loads[2] < 60.0, "{loads:?}");
        // The same cards give the same estimate.
        assert_eq!(workload.questions_per_day(0.9).unwrap(), loads[2]);
    }

    #[test]
    fn new_questions_come_at_the_daily_rate_and_limits_hold() {
        let mut workload = deck(0, 1.0);
        workload.new_questions = 1000;
        workload.new_per_day = 5;
        let load = workload.questions_per_day(0.9).unwrap();
        // 5 new a day, plus the reviews they bring.
        assert!(load > 5.0 && load < 25.0, "{load}");
        workload.reviews_per_day = 0;
        assert_eq!(workload.questions_per_day(0.9).unwrap(), 5.0);
        // Fewer questions left than days × rate: only those.
        workload.new_questions = 30;
        assert_eq!(workload.questions_per_day(0.9).unwrap(), 1.0);
    }

    #[test]
    fn the_card_cap_bounds_the_work() {
        let started = std::time::Instant::now();
        let capped = deck(MAX_CARDS * 3, 2.0).questions_per_day(0.95).unwrap();
        // Cards past the cap are left out: the estimate is that of the first MAX_CARDS.
        assert_eq!(
            capped,
            deck(MAX_CARDS, 2.0).questions_per_day(0.95).unwrap()
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
