//! Two attempts at one question side by side: a word-level diff of each
//! STAR field (the `similar` crate's Myers diff over words and spaces).

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

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
/// insertion rather than word by word.
pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_words(old, new);
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
