//! What importing a bank changes in what is stored, worked out without the
//! database: questions are matched by id (added, updated, unchanged, or
//! retired when the file no longer has them), rubric items by their wording
//! (an edited item is a new item, so ticks given to the old wording stay with
//! it). The store reads the stored questions, asks for the plan and applies it.

use std::collections::{HashMap, HashSet};

use super::{Bank, Question};

/// What an import does to one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    Unchanged,
    Retired,
}

impl Change {
    /// The word the import report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Updated => "updated",
            Change::Unchanged => "unchanged",
            Change::Retired => "retired",
        }
    }
}

/// A question's fields as an import writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    /// The competency's id in the bank.
    pub competency: String,
    pub prompt: String,
    pub variants: Vec<String>,
    pub follow_ups: Vec<String>,
    /// Without repeats of an earlier red flag's wording.
    pub red_flags: Vec<String>,
    pub tags: Vec<String>,
    pub level: Vec<String>,
    /// The question's place in the file, from 0.
    pub position: i32,
}

impl Fields {
    fn of(question: &Question, position: i32) -> Self {
        let mut seen = HashSet::new();
        Fields {
            competency: question.competency.clone(),
            prompt: question.prompt.clone(),
            variants: question.variants.clone(),
            follow_ups: question.follow_ups.clone(),
            red_flags: question
                .red_flags
                .iter()
                .filter(|flag| seen.insert(rubric_key(flag)))
                .cloned()
                .collect(),
            tags: question.tags.clone(),
            level: question.level.clone(),
            position,
        }
    }
}

/// A stored question, as the plan compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredQuestion {
    /// The question's id in its bank.
    pub key: String,
    pub fields: Fields,
    pub retired: bool,
    pub rubric: Vec<StoredItem>,
}

/// A stored rubric item of a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredItem {
    /// [`rubric_key`] of the wording it was stored with.
    pub key: String,
    pub text: String,
    pub position: i32,
    pub retired: bool,
}

/// A change to one rubric item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemStep {
    Insert {
        key: String,
        text: String,
        position: i32,
    },
    /// The stored item `key` gets this text and place and is active again.
    Update {
        key: String,
        text: String,
        position: i32,
    },
    Retire {
        key: String,
    },
}

/// What to do to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionStep {
    pub key: String,
    pub prompt: String,
    pub change: Change,
    /// The fields to write: for an added question, and for a stored one
    /// whose fields differ (or that was retired); it is active afterwards.
    pub write: Option<Fields>,
    pub rubric: Vec<ItemStep>,
}

/// The file's questions in its order, then the stored ones it no longer has
/// (those not retired yet), in their stored order.
pub fn plan(stored: &[StoredQuestion], parsed: &Bank) -> Vec<QuestionStep> {
    let mut by_key: HashMap<&str, &StoredQuestion> =
        stored.iter().map(|q| (q.key.as_str(), q)).collect();
    let mut steps = Vec::with_capacity(parsed.questions.len());
    for (position, question) in parsed.questions.iter().enumerate() {
        let wanted = Fields::of(question, position as i32);
        let step = match by_key.remove(question.id.as_str()) {
            Some(found) => {
                let fields_differ = found.fields != wanted || found.retired;
                let rubric = rubric_steps(&found.rubric, &question.rubric);
                QuestionStep {
                    key: question.id.clone(),
                    prompt: question.prompt.clone(),
                    change: if fields_differ || !rubric.is_empty() {
                        Change::Updated
                    } else {
                        Change::Unchanged
                    },
                    write: fields_differ.then_some(wanted),
                    rubric,
                }
            }
            None => QuestionStep {
                key: question.id.clone(),
                prompt: question.prompt.clone(),
                change: Change::Added,
                write: Some(wanted),
                rubric: rubric_steps(&[], &question.rubric),
            },
        };
        steps.push(step);
    }
    let mut gone: Vec<&StoredQuestion> = by_key.into_values().filter(|q| !q.retired).collect();
    gone.sort_by_key(|q| q.fields.position);
    steps.extend(gone.into_iter().map(|q| QuestionStep {
        key: q.key.clone(),
        prompt: q.fields.prompt.clone(),
        change: Change::Retired,
        write: None,
        rubric: Vec::new(),
    }));
    steps
}

/// The steps that make a question's stored rubric items match the file's:
/// none when they already do. A repeat of an earlier item's wording (case
/// and spacing aside) is left out.
fn rubric_steps(stored: &[StoredItem], wanted: &[String]) -> Vec<ItemStep> {
    let mut by_key: HashMap<&str, &StoredItem> =
        stored.iter().map(|i| (i.key.as_str(), i)).collect();
    let mut seen = HashSet::new();
    let mut steps = Vec::new();
    for (position, text) in wanted.iter().enumerate() {
        let position = position as i32;
        let key = rubric_key(text);
        if !seen.insert(key.clone()) {
            continue;
        }
        match by_key.remove(key.as_str()) {
            Some(found) if found.position == position && !found.retired && found.text == *text => {}
            Some(_) => steps.push(ItemStep::Update {
                key,
                text: text.clone(),
                position,
            }),
            None => steps.push(ItemStep::Insert {
                key,
                text: text.clone(),
                position,
            }),
        }
    }
    let mut stale: Vec<&StoredItem> = by_key.into_values().filter(|i| !i.retired).collect();
    stale.sort_by_key(|i| i.position);
    steps.extend(
        stale
            .into_iter()
            .map(|i| ItemStep::Retire { key: i.key.clone() }),
    );
    steps
}

/// A rubric item (or red flag) is known by its wording, case and spacing
/// aside: an FNV-1a hash of the normalised text.
pub fn rubric_key(text: &str) -> String {
    let normalized: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in normalized.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("r-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, prompt: &str, rubric: &[&str]) -> Question {
        Question {
            id: id.to_owned(),
            competency: "delivery".to_owned(),
            prompt: prompt.to_owned(),
            variants: Vec::new(),
            follow_ups: vec!["What did you say?".to_owned()],
            rubric: rubric.iter().map(|s| (*s).to_owned()).collect(),
            red_flags: Vec::new(),
            tags: Vec::new(),
            level: Vec::new(),
        }
    }

    fn bank(questions: Vec<Question>) -> Bank {
        Bank {
            id: "team".to_owned(),
            title: "Team".to_owned(),
            description: String::new(),
            competencies: Vec::new(),
            questions,
        }
    }

    /// What an import of `questions` stores.
    fn stored_after(questions: &[Question]) -> Vec<StoredQuestion> {
        questions
            .iter()
            .enumerate()
            .map(|(position, q)| StoredQuestion {
                key: q.id.clone(),
                fields: Fields::of(q, position as i32),
                retired: false,
                rubric: q
                    .rubric
                    .iter()
                    .enumerate()
                    .map(|(at, text)| StoredItem {
                        key: rubric_key(text),
                        text: text.clone(),
                        position: at as i32,
                        retired: false,
                    })
                    .collect(),
            })
            .collect()
    }

    fn changes(steps: &[QuestionStep]) -> Vec<(&str, Change)> {
        steps.iter().map(|s| (s.key.as_str(), s.change)).collect()
    }

    #[test]
    fn a_first_import_adds_everything_with_its_rubric() {
        let parsed = bank(vec![
            question("a", "A?", &["One", "Two"]),
            question("b", "B?", &[]),
        ]);
        let steps = plan(&[], &parsed);
        assert_eq!(
            changes(&steps),
            vec![("a", Change::Added), ("b", Change::Added)]
        );
        assert_eq!(steps[0].write.as_ref().map(|f| f.position), Some(0));
        assert_eq!(steps[1].write.as_ref().map(|f| f.position), Some(1));
        assert_eq!(
            steps[0].rubric,
            vec![
                ItemStep::Insert {
                    key: rubric_key("One"),
                    text: "One".to_owned(),
                    position: 0
                },
                ItemStep::Insert {
                    key: rubric_key("Two"),
                    text: "Two".to_owned(),
                    position: 1
                },
            ]
        );
    }

    #[test]
    fn the_same_file_again_changes_nothing() {
        let questions = vec![question("a", "A?", &["One"]), question("b", "B?", &["Two"])];
        let steps = plan(&stored_after(&questions), &bank(questions));
        assert_eq!(
            changes(&steps),
            vec![("a", Change::Unchanged), ("b", Change::Unchanged)]
        );
        assert!(steps
            .iter()
            .all(|s| s.write.is_none() && s.rubric.is_empty()));
    }

    #[test]
    fn edits_moves_and_removals_are_updates_and_retirements() {
        let before = vec![
            question("a", "A?", &["Keep", "Drop"]),
            question("b", "B?", &[]),
            question("c", "C?", &[]),
            question("d", "D?", &[]),
        ];
        let stored = stored_after(&before);
        let after = vec![
            // An edited item is a new one; the old wording is retired.
            question("a", "A?", &["Keep", "Reworded"]),
            // Moved up: its position changes.
            question("c", "C?", &[]),
            question("b", "B, asked better?", &[]),
        ];
        let steps = plan(&stored, &bank(after));
        assert_eq!(
            changes(&steps),
            vec![
                ("a", Change::Updated),
                ("c", Change::Updated),
                ("b", Change::Updated),
                ("d", Change::Retired),
            ]
        );
        assert_eq!(steps[0].write, None, "only a's rubric changed");
        assert_eq!(
            steps[0].rubric,
            vec![
                ItemStep::Insert {
                    key: rubric_key("Reworded"),
                    text: "Reworded".to_owned(),
                    position: 1
                },
                ItemStep::Retire {
                    key: rubric_key("Drop")
                },
            ]
        );
        assert_eq!(steps[1].write.as_ref().map(|f| f.position), Some(1));
        assert_eq!(
            steps[2].write.as_ref().map(|f| f.prompt.as_str()),
            Some("B, asked better?")
        );
    }

    #[test]
    fn wording_is_matched_case_and_spacing_aside_and_repeats_are_dropped() {
        let stored = stored_after(&[question("a", "A?", &["Names  the risk"])]);
        let parsed = bank(vec![question(
            "a",
            "A?",
            &["names the RISK", "Names the risk", "Second"],
        )]);
        let steps = plan(&stored, &parsed);
        // The first spelling takes the stored item's place; the repeat is left out.
        assert_eq!(
            steps[0].rubric,
            vec![
                ItemStep::Update {
                    key: rubric_key("Names  the risk"),
                    text: "names the RISK".to_owned(),
                    position: 0
                },
                // Places count the file's lines, the repeat's too.
                ItemStep::Insert {
                    key: rubric_key("Second"),
                    text: "Second".to_owned(),
                    position: 2
                },
            ]
        );
        let mut flagged = question("a", "A?", &[]);
        flagged.red_flags = vec![
            "Blames others".into(),
            "blames  OTHERS".into(),
            "No result".into(),
        ];
        assert_eq!(
            Fields::of(&flagged, 0).red_flags,
            vec!["Blames others".to_owned(), "No result".to_owned()]
        );
    }

    #[test]
    fn a_retired_question_back_in_the_file_is_updated_and_active_again() {
        let questions = vec![question("a", "A?", &["One"])];
        let mut stored = stored_after(&questions);
        stored[0].retired = true;
        stored[0].rubric[0].retired = true;
        let steps = plan(&stored, &bank(questions));
        assert_eq!(changes(&steps), vec![("a", Change::Updated)]);
        assert!(steps[0].write.is_some());
        assert_eq!(
            steps[0].rubric,
            vec![ItemStep::Update {
                key: rubric_key("One"),
                text: "One".to_owned(),
                position: 0
            }]
        );
        // Already retired and still gone: nothing to do.
        let gone = plan(&stored, &bank(Vec::new()));
        assert!(gone.is_empty());
    }
}
