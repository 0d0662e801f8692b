//! Two attempts at one question side by side: a word-level diff of each
//! STAR field (the `similar` crate's Myers diff over words and spaces).

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// How long the diffs of one comparison may search for the smallest set of
/// changes. Myers' search grows with the product of the texts' lengths (two
/// unrelated 20,000-character fields took seconds); past the deadline the
/// rest is shown as replaced, which is still exact, only coarser.
pub const DIFF_TIME_BUDGET: Duration = Duration::from_millis(150);

/// What happened to a run of text between the older and the newer attempt.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Equal,
    Delete,
    Insert,
}

/// A run of text: kept, only in the older attempt, or only in the newer.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: Op,
    pub text: String,
}

/// The word-level changes from `old` to `new`; consecutive runs of the same
/// kind are merged, so a rewritten sentence reads as one deletion and one
/// insertion rather than word by word. The search stops refining at
/// `deadline` (see [`DIFF_TIME_BUDGET`]).
pub fn word_diff(old: &str, new: &str, deadline: Instant) -> Vec<Segment> {
    let diff = TextDiff::configure()
        .deadline(deadline)
        .diff_words(old, new);
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => Op::Equal,
            ChangeTag::Delete => Op::Delete,
            ChangeTag::Insert => Op::Insert,
        };
        let text = change.value();
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => out.push(Segment {
                op,
                text: text.to_owned(),
            }),
        }
    }
    out
}

/// The older text rebuilt from a diff (equal and deleted runs).
pub fn old_side(segments: &[Segment]) -> String {
    segments
        .iter()
        .filter(|s| s.op != Op::Insert)
        .map(|s| s.text.as_str())
        .collect()
}

/// The newer text rebuilt from a diff (equal and inserted runs).
pub fn new_side(segments: &[Segment]) -> String {
    segments
        .iter()
        .filter(|s| s.op != Op::Delete)
        .map(|s| s.text.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn word_diff(old: &str, new: &str) -> Vec<Segment> {
        super::word_diff(old, new, Instant::now() + Duration::from_secs(60))
    }

    fn seg(op: Op, text: &str) -> Segment {
        Segment {
            op,
            text: text.to_owned(),
        }
    }

    #[test]
    fn a_changed_word_is_one_deletion_and_one_insertion() {
        let diff = word_diff("We cut costs by 10%.", "I cut costs by 25%.");
        assert_eq!(
            diff,
            vec![
                seg(Op::Delete, "We"),
                seg(Op::Insert, "I"),
                seg(Op::Equal, " cut costs by "),
                seg(Op::Delete, "10%."),
                seg(Op::Insert, "25%."),
            ]
        );
    }

    #[test]
    fn identical_texts_are_one_equal_run() {
        assert_eq!(
            word_diff("same words here", "same words here"),
            vec![seg(Op::Equal, "same words here")]
        );
        assert!(word_diff("", "").is_empty());
    }

    #[test]
    fn added_text_at_the_end_is_an_insertion() {
        let diff = word_diff("I hired two people.", "I hired two people. Both stayed.");
        assert_eq!(diff.first().map(|s| s.op), Some(Op::Equal));
        assert_eq!(diff.last(), Some(&seg(Op::Insert, " Both stayed.")));
    }

    /// Words drawn from a small vocabulary by a fixed pseudo-random sequence,
    /// so two texts share many words in different orders (the worst case).
    fn scrambled_words(seed: u64, chars: usize) -> String {
        const WORDS: [&str; 8] = ["team", "we", "shipped", "the", "plan", "I", "cut", "costs"];
        let mut state = seed;
        let mut text = String::new();
        while text.len() < chars {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            text.push_str(WORDS[(state >> 61) as usize]);
            text.push(' ');
        }
        text
    }

    #[test]
    fn long_unrelated_texts_stop_at_the_deadline_and_stay_exact() {
        let old = scrambled_words(1, 20_000);
        let new = scrambled_words(2, 20_000);
        let started = Instant::now();
        let diff = super::word_diff(&old, &new, started + Duration::from_millis(100));
        // Without the deadline this pair takes seconds (tens in a debug build).
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "took {:?}",
            started.elapsed()
        );
        assert_eq!(old_side(&diff), old);
        assert_eq!(new_side(&diff), new);
    }

    proptest! {
        #[test]
        fn both_sides_are_rebuilt_exactly(old in "[a-z .\n]{0,80}", new in "[a-z .\n]{0,80}") {
            let diff = word_diff(&old, &new);
            prop_assert_eq!(old_side(&diff), old);
            prop_assert_eq!(new_side(&diff), new);
            for pair in diff.windows(2) {
                prop_assert_ne!(pair[0].op, pair[1].op);
            }
        }
    }
}
