//! Fitting a learner's own FSRS parameters to their review history with the
//! `fsrs` crate's optimizer (the one Anki uses), and measuring how well a set
//! of parameters predicts that history (log loss and binned RMSE).

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use fsrs::{
    compute_parameters, CombinedProgressState, ComputeParametersInput, FSRSItem, FSRSReview, FSRS,
};
use serde::Serialize;

/// Training items below which the optimizer returns FSRS's starting values
/// instead of training (the `fsrs` crate's own threshold).
pub const MIN_TRAINING_ITEMS: usize = 64;

/// One grade from the review log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grade {
    pub card_id: i64,
    /// The learner's study day of the review.
    pub day: NaiveDate,
    /// 1 (Again) to 4 (Easy).
    pub rating: u32,
}

/// The optimizer's input: one item per review after a card's first (its
/// history up to that review), as Anki builds them, keeping only reviews on
/// a later day than the one before; `card_ids` is aligned with `items`.
#[derive(Clone, Debug, Default)]
pub struct TrainingSet {
    pub items: Vec<FSRSItem>,
    pub card_ids: Vec<i64>,
}

impl TrainingSet {
    /// Builds the set from grades in any order.
    pub fn from_grades(grades: &[Grade]) -> TrainingSet {
        let mut sorted: Vec<(usize, &Grade)> = grades.iter().enumerate().collect();
        sorted.sort_by_key(|(order, g)| (g.card_id, g.day, *order));
        let mut set = TrainingSet::default();
        for card in sorted.chunk_by(|a, b| a.1.card_id == b.1.card_id) {
            let mut reviews: Vec<FSRSReview> = Vec::with_capacity(card.len());
            let mut previous: Option<NaiveDate> = None;
            for (_, grade) in card {
                let delta_t = previous
                    .map(|p| (grade.day - p).num_days().max(0))
                    .unwrap_or(0);
                previous = Some(grade.day);
                reviews.push(FSRSReview {
                    rating: grade.rating.clamp(1, 4),
                    delta_t: u32::try_from(delta_t).unwrap_or(u32::MAX),
                });
                if reviews.len() >= 2 && delta_t > 0 {
                    set.items.push(FSRSItem {
                        reviews: reviews.clone(),
                    });
                    set.card_ids.push(grade.card_id);
                }
            }
        }
        set
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn enough(&self) -> bool {
        self.len() >= MIN_TRAINING_ITEMS
    }
}

/// How well parameters predict a history: lower is better for both.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Fit {
    pub log_loss: f64,
    pub rmse: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    #[error("not enough reviews to optimize: {have} usable, {need} needed")]
    NotEnough { have: usize, need: usize },
    #[error("FSRS could not fit the parameters: {0:?}")]
    Fsrs(fsrs::FSRSError),
}

/// How well `parameters` (empty for FSRS's defaults) predict the set.
pub fn evaluate(parameters: &[f32], set: &TrainingSet) -> Result<Fit, OptimizeError> {
    if set.is_empty() {
        return Err(OptimizeError::NotEnough {
            have: 0,
            need: MIN_TRAINING_ITEMS,
        });
    }
    let model = FSRS::new(parameters).map_err(OptimizeError::Fsrs)?;
    let fit = model
        .evaluate_with_card_ids(set.items.clone(), set.card_ids.clone(), |_| true)
        .map_err(OptimizeError::Fsrs)?;
    Ok(Fit {
        log_loss: f64::from(fit.log_loss),
        rmse: f64::from(fit.rmse_bins),
    })
}

/// Fits parameters to the set; `progress` can be read from another thread
/// while this runs (blocking: call it off the async workers).
pub fn optimize(
    set: &TrainingSet,
    progress: Arc<Mutex<CombinedProgressState>>,
) -> Result<Vec<f32>, OptimizeError> {
    if !set.enough() {
        return Err(OptimizeError::NotEnough {
            have: set.len(),
            need: MIN_TRAINING_ITEMS,
        });
    }
    compute_parameters(ComputeParametersInput {
        train_set: set.items.clone(),
        card_ids: Some(set.card_ids.clone()),
        progress: Some(progress),
        ..ComputeParametersInput::default()
    })
    .map_err(OptimizeError::Fsrs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::Days;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(n)
    }

    #[test]
    fn items_follow_ankis_conversion() {
        let grades = [
            Grade {
                card_id: 2,
                day: day(0),
                rating: 3,
            },
            Grade {
                card_id: 1,
                day: day(0),
                rating: 1,
            },
            Grade {
                card_id: 1,
                day: day(0),
                rating: 3,
            },
            Grade {
                card_id: 1,
                day: day(2),
                rating: 3,
            },
            Grade {
                card_id: 1,
                day: day(9),
                rating: 2,
            },
        ];
        let set = TrainingSet::from_grades(&grades);
        // Card 1: the same-day second grade makes no item; days 2 and 9 do.
        assert_eq!(set.card_ids, vec![1, 1]);
        let deltas: Vec<Vec<u32>> = set
            .items
            .iter()
            .map(|i| i.reviews.iter().map(|r| r.delta_t).collect())
            .collect();
        assert_eq!(deltas, vec![vec![0, 0, 2], vec![0, 0, 2, 7]]);
        assert_eq!(set.items[1].reviews.last().unwrap().rating, 2);
        assert!(!set.enough());
        assert!(matches!(
            optimize(&set, CombinedProgressState::new_shared()),
            Err(OptimizeError::NotEnough { have: 2, .. })
        ));
    }

    /// A learner whose memory follows FSRS with weights unlike the defaults:
    /// reviews at the intervals FSRS proposes, recall drawn from the true model.
    fn simulated_history(cards: i64, reviews_per_card: usize) -> Vec<Grade> {
        let mut truth = fsrs::DEFAULT_PARAMETERS.to_vec();
        truth[0] = 0.8; // forgets new cards graded Again much later
        truth[2] = 6.0; // Good on a new card lasts much longer
        truth[8] = 2.2; // stability grows faster on success
        let model = FSRS::new(&truth).unwrap();
        let mut rng: u64 = 0x5eed;
        let mut random = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((rng >> 33) as f64) / f64::from(1u32 << 31)
        };
        let mut grades = Vec::new();
        for card in 0..cards {
            let mut memory = None;
            let mut today = (card % 30) as u64;
            let mut elapsed = 0u32;
            for _ in 0..reviews_per_card {
                let recalled = match memory {
                    None => random() < 0.7,
                    Some(state) => {
                        let r = fsrs::current_retrievability(state, elapsed as f32, truth[20]);
                        random() < f64::from(r)
                    }
                };
                let rating = if !recalled {
                    1
                } else if random() < 0.15 {
                    2
                } else if random() < 0.9 {
                    3
                } else {
                    4
                };
                grades.push(Grade {
                    card_id: card,
                    day: day(today),
                    rating,
                });
                let next = model.next_states(memory, 0.9, elapsed).unwrap();
                let state = match rating {
                    1 => next.again,
                    2 => next.hard,
                    3 => next.good,
                    _ => next.easy,
                };
                memory = Some(state.memory);
                // The learner reviewed on a default schedule, not the true one.
                let gap = (f64::from(state.interval) * 0.6 * (0.5 + random()))
                    .round()
                    .max(1.0);
                elapsed = gap as u32;
                today += u64::from(elapsed);
            }
        }
        grades
    }

    #[test]
    fn optimizing_a_few_thousand_reviews_improves_the_fit() {
        let grades = simulated_history(400, 8);
        assert!(grades.len() >= 3000);
        let set = TrainingSet::from_grades(&grades);
        assert!(set.enough());
        let before = evaluate(&[], &set).unwrap();
        let progress = CombinedProgressState::new_shared();
        let fitted = optimize(&set, progress.clone()).unwrap();
        assert!(progress.lock().unwrap().finished());
        assert_eq!(fitted.len(), 21);
        assert_ne!(
            fitted,
            fsrs::DEFAULT_PARAMETERS.to_vec(),
            "the parameters changed"
        );
        let after = evaluate(&fitted, &set).unwrap();
        assert!(
            after.log_loss < before.log_loss,
            "log loss {} → {}",
            before.log_loss,
            after.log_loss
        );
        eprintln!("{} items: log loss {before:?} → {after:?}", set.len());
    }
}
