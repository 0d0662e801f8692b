//! The built-in STAR checklist that every answer is reviewed against, by its author and
//! by a coach; a question's own rubric only adds what is specific to that question.
//!
//! The items live as data in `question-bank/checklist/star.toml`, embedded at build time
//! and parsed once on first use.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One checkable property of a STAR answer.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Stable key stored with reviews; never rename one, or old reviews lose their meaning.
    pub key: String,
    /// A short statement a reviewer ticks when the answer satisfies it.
    pub text: String,
    /// One sentence of guidance on what satisfying it looks like.
    pub help: String,
}

/// The embedded checklist file: `[[item]]` tables with `key`, `text` and `help`.
const STAR_SOURCE: &str = include_str!("../../../question-bank/checklist/star.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecklistFile {
    item: Vec<ChecklistItem>,
}

fn parse_checklist(source: &str) -> Result<Vec<ChecklistItem>, toml::de::Error> {
    toml::from_str::<ChecklistFile>(source).map(|file| file.item)
}

/// The built-in STAR checklist, in the order an answer is told.
///
/// The embedded file is checked by a unit test, so it always parses in practice; were it
/// ever broken, the checklist would be empty rather than the server panicking.
pub fn star_checklist() -> &'static [ChecklistItem] {
    static CHECKLIST: OnceLock<Vec<ChecklistItem>> = OnceLock::new();
    CHECKLIST.get_or_init(|| parse_checklist(STAR_SOURCE).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn embedded_file_parses_to_the_six_keys() {
        let items = parse_checklist(STAR_SOURCE).unwrap_or_else(|error| panic!("{error}"));
        let keys: Vec<&str> = items.iter().map(|item| item.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "star-one-episode",
                "star-brief-context",
                "star-personal-role",
                "star-reasoned-actions",
                "star-measurable-result",
                "star-lesson",
            ]
        );
        assert_eq!(star_checklist(), items.as_slice());
    }

    #[test]
    fn keys_are_unique_and_prefixed() {
        let checklist = star_checklist();
        let keys: HashSet<&str> = checklist.iter().map(|item| item.key.as_str()).collect();
        assert_eq!(keys.len(), checklist.len());
        assert_eq!(checklist.len(), 6);
        for item in checklist {
            assert!(item.key.starts_with("star-"), "{}", item.key);
        }
    }

    #[test]
    fn every_item_has_text_and_help() {
        for item in star_checklist() {
            assert!(!item.text.trim().is_empty(), "{}", item.key);
            assert!(item.help.trim().ends_with('.'), "{}", item.key);
        }
    }

    #[test]
    fn malformed_checklist_is_an_error() {
        assert!(parse_checklist("[[item]]\nkey = \"star-x\"\n").is_err());
        assert!(
            parse_checklist("[[item]]\nkey = \"a\"\ntext = \"b\"\nhelp = \"c\"\nextra = 1\n")
                .is_err()
        );
    }
}
