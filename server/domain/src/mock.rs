//! Picking a mock interview round: about one question per five minutes,
//! drawn with weights that favour due, weak and never-practised
//! competencies, never two questions of one competency in a row (unless only
//! one competency is asked for), never the same question twice.

/// A question that may be asked, with how much the learner needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub question_id: i32,
    pub competency: String,
    /// Relative chance of being picked; above zero.
    pub weight: f64,
}

/// Minutes of a round, and the questions they hold: an answer of two to
/// three minutes, the follow-ups, and a moment to breathe.
pub const MINUTES_PER_QUESTION: u32 = 5;
pub const MIN_MINUTES: u32 = 10;
pub const MAX_MINUTES: u32 = 120;

pub fn questions_for(minutes: u32) -> usize {
    (minutes / MINUTES_PER_QUESTION).max(1) as usize
}

/// How much a question is needed: due cards, weak ones (recent Again/Hard,
/// low checklist coverage) and competencies never practised weigh more.
pub fn weight(due: bool, weakness: f64, never_practised: bool) -> f64 {
    let mut w = 1.0;
    if due {
        w += 2.0;
    }
    if never_practised {
        w += 2.0;
    }
    w + 3.0 * weakness.clamp(0.0, 1.0)
}

/// Indexes into `candidates`, in the order to ask them: `count` of them, or
/// all when there are fewer. Deterministic for a seed.
pub fn pick(candidates: &[Candidate], count: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        // SplitMix64: small, well mixed, the same everywhere.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut left: Vec<usize> = (0..candidates.len()).collect();
    let mut out: Vec<usize> = Vec::new();
    while out.len() < count && !left.is_empty() {
        let last = out.last().map(|&i| candidates[i].competency.as_str());
        let allowed: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&i| Some(candidates[i].competency.as_str()) != last)
            .collect();
        // Only one competency left: repeating it is the only way on.
        let pool = if allowed.is_empty() {
            left.clone()
        } else {
            allowed
        };
        let total: f64 = pool.iter().map(|&i| candidates[i].weight.max(1e-9)).sum();
        let mut target = next() * total;
        let mut chosen = pool[pool.len() - 1];
        for &i in &pool {
            target -= candidates[i].weight.max(1e-9);
            if target <= 0.0 {
                chosen = i;
                break;
            }
        }
        out.push(chosen);
        left.retain(|&i| i != chosen);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidate(id: i32, competency: &str, weight: f64) -> Candidate {
        Candidate {
            question_id: id,
            competency: competency.to_owned(),
            weight,
        }
    }

    #[test]
    fn rounds_hold_one_question_per_five_minutes() {
        assert_eq!(questions_for(30), 6);
        assert_eq!(questions_for(10), 2);
        assert_eq!(questions_for(12), 2);
        assert_eq!(questions_for(120), 24);
    }

    #[test]
    fn needed_questions_weigh_more() {
        assert!(weight(true, 0.0, false) > weight(false, 0.0, false));
        assert!(weight(false, 1.0, false) > weight(false, 0.2, false));
        assert!(weight(false, 0.0, true) > weight(false, 0.0, false));
    }

    #[test]
    fn heavy_candidates_come_up_more_often() {
        let candidates = vec![candidate(1, "a", 10.0), candidate(2, "b", 1.0)];
        let first_heavy = (0..1000u64)
            .filter(|&seed| pick(&candidates, 1, seed) == vec![0])
            .count();
        assert!(first_heavy > 850, "{first_heavy}");
    }

    #[test]
    fn one_competency_may_repeat_when_it_is_all_there_is() {
        let candidates = vec![candidate(1, "a", 1.0), candidate(2, "a", 1.0)];
        let round = pick(&candidates, 5, 7);
        assert_eq!(round.len(), 2);
    }

    proptest! {
        #[test]
        fn rounds_never_repeat_a_question_or_a_competency_in_a_row(
            competencies in proptest::collection::vec(0u8..5, 2..40),
            weights in proptest::collection::vec(0.1f64..10.0, 40),
            count in 1usize..12,
            seed in any::<u64>(),
        ) {
            let candidates: Vec<Candidate> = competencies
                .iter()
                .enumerate()
                .map(|(i, c)| candidate(i as i32, &format!("c{c}"), weights[i]))
                .collect();
            let round = pick(&candidates, count, seed);
            prop_assert_eq!(round.len(), count.min(candidates.len()));
            let mut seen = std::collections::HashSet::new();
            prop_assert!(round.iter().all(|i| seen.insert(*i)));
            prop_assert_eq!(pick(&candidates, count, seed), round.clone());
            // Adjacent repeats only when nothing else was left to ask.
            for (n, pair) in round.windows(2).enumerate() {
                if candidates[pair[0]].competency == candidates[pair[1]].competency {
                    let asked: std::collections::HashSet<usize> = round[..=n].iter().copied().collect();
                    let others = candidates.iter().enumerate().any(|(i, c)| {
                        !asked.contains(&i) && c.competency != candidates[pair[0]].competency
                    });
                    prop_assert!(!others, "repeat of {} at {} with others left", candidates[pair[0]].competency, n + 1);
                }
            }
        }
    }
}
