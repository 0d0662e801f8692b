//! The built-in STAR checklist that every answer is reviewed against, by its author and
//! by a coach; a question's own rubric only adds what is specific to that question.

use serde::Serialize;

/// One checkable property of a STAR answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// Stable key stored with reviews; never rename one, or old reviews lose their meaning.
    pub key: &'static str,
    /// A short statement a reviewer ticks when the answer satisfies it.
    pub text: &'static str,
    /// One sentence of guidance on what satisfying it looks like.
    pub help: &'static str,
}

/// The built-in STAR checklist, in the order an answer is told.
pub const STAR_CHECKLIST: &[ChecklistItem] = &[
    ChecklistItem {
        key: "star-one-episode",
        text: "Tells one specific, real episode",
        help: "Pick a single situation that actually happened, not a habit (\"I usually…\") or a hypothetical (\"I would…\").",
    },
    ChecklistItem {
        key: "star-brief-context",
        text: "Sets out the situation and task briefly",
        help: "Give just enough context for the stakes to be clear, about a fifth of the answer, and spend the rest on what you did.",
    },
    ChecklistItem {
        key: "star-personal-role",
        text: "Makes the speaker's own role and decisions explicit",
        help: "Say \"I\" for what you decided and did yourself, and keep \"we\" for what the team did.",
    },
    ChecklistItem {
        key: "star-reasoned-actions",
        text: "Explains the actions with the reasoning and trade-offs behind them",
        help: "For each key step, say why you chose it over the alternatives and what it cost.",
    },
    ChecklistItem {
        key: "star-measurable-result",
        text: "States a result with a measure",
        help: "Quantify the outcome with a number, percentage, amount of money or time, or describe a concrete change someone could observe.",
    },
    ChecklistItem {
        key: "star-lesson",
        text: "Draws a lesson or a lasting change in how they work",
        help: "Close with what you learned or what you now do differently because of this episode.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_prefixed() {
        let keys: HashSet<&str> = STAR_CHECKLIST.iter().map(|item| item.key).collect();
        assert_eq!(keys.len(), STAR_CHECKLIST.len());
        assert_eq!(STAR_CHECKLIST.len(), 6);
        for item in STAR_CHECKLIST {
            assert!(item.key.starts_with("star-"), "{}", item.key);
        }
    }

    #[test]
    fn every_item_has_text_and_help() {
        for item in STAR_CHECKLIST {
            assert!(!item.text.trim().is_empty(), "{}", item.key);
            assert!(item.help.trim().ends_with('.'), "{}", item.key);
        }
    }
}
