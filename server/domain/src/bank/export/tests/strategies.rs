//! Proptest strategies of the export tests: banks each format can carry, any text in any
//! field, and damage done to a file, with the helpers that apply them.

use proptest::prelude::*;

use crate::bank::{competency_id, Bank, Competency, Format, Limits, ParseOptions, Question};

/// What a format can carry, so the generator makes only banks it can round-trip.
#[derive(Clone, Copy, Debug)]
struct Reach {
    /// Names, prompts, list items, tags and levels may hold line breaks.
    multi_line_fields: bool,
    /// Rubric items may hold line breaks (Anki splits the back on them).
    multi_line_rubric: bool,
    tags_with_space: bool,
    words_with_commas: bool,
    /// The bank description, unused competencies, competencies in any order.
    declares_competencies: bool,
    /// Competency ids other than slugs of names, competency descriptions.
    competency_details: bool,
}

fn reach(format: Format) -> Reach {
    let full = Reach {
        multi_line_fields: true,
        multi_line_rubric: true,
        tags_with_space: true,
        words_with_commas: true,
        declares_competencies: true,
        competency_details: true,
    };
    match format {
        Format::Toml | Format::Json | Format::Yaml => full,
        Format::Csv | Format::Tsv => Reach {
            declares_competencies: false,
            ..full
        },
        // Never written (it exports as Anki text); not among Format::ALL.
        Format::AnkiText | Format::Apkg => Reach {
            declares_competencies: false,
            multi_line_rubric: false,
            tags_with_space: false,
            ..full
        },
        Format::Markdown => Reach {
            multi_line_fields: false,
            multi_line_rubric: false,
            words_with_commas: false,
            ..full
        },
    }
}

/// Trimmed, non-empty text full of characters the formats must quote or escape.
fn text(multi_line: bool) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,8}",
        Just(" ".to_owned()),
        Just("|".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just(",".to_owned()),
        Just(";".to_owned()),
        Just(":".to_owned()),
        Just("#".to_owned()),
        Just("{#x}".to_owned()),
        Just("- ".to_owned()),
        Just("* ".to_owned()),
        Just("> ".to_owned()),
        Just("\\".to_owned()),
        Just("\\|".to_owned()),
        Just("\t".to_owned()),
        Just("[ ] ".to_owned()),
        Just("---".to_owned()),
        Just("<!--".to_owned()),
        Just("&amp;<br>".to_owned()),
        Just("Tags: ".to_owned()),
        Just("Zürich".to_owned()),
        Just("日本".to_owned()),
        Just("\u{2028}\u{85}\u{feff}".to_owned()),
        "\\PC{1,3}",
        Just(if multi_line { "\n" } else { " " }.to_owned()),
        Just(if multi_line { "\n\n  " } else { " " }.to_owned()),
    ];
    prop::collection::vec(piece, 1..7)
        .prop_map(|pieces| pieces.concat().trim().to_owned())
        .prop_filter("text is never empty", |text| !text.is_empty())
}

fn id() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._-]{0,20}"
}

fn word(reach: Reach) -> impl Strategy<Value = String> {
    text(reach.multi_line_fields).prop_map(move |word| {
        let mut word = word;
        if !reach.tags_with_space {
            word = word.split_whitespace().collect::<Vec<_>>().join("_");
        }
        if !reach.words_with_commas {
            word = word.replace(',', ";");
        }
        word
    })
}

fn items(strategy: impl Strategy<Value = String>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(strategy, 0..3)
}

fn bank(format: Format) -> impl Strategy<Value = Bank> {
    let reach = reach(format);
    let line = reach.multi_line_fields;
    let description = prop_oneof![Just(String::new()), text(true)];
    let competency = (id(), text(line), description.clone());
    let question = (
        (id(), any::<prop::sample::Index>(), text(line)),
        (
            items(text(line)),
            items(text(line)),
            items(text(reach.multi_line_rubric)),
            items(text(line)),
        ),
        (items(word(reach)), items(word(reach))),
    );
    (
        id(),
        text(true),
        description,
        prop::collection::vec(competency, 0..4),
        prop::collection::vec(question, 0..6),
    )
        .prop_map(move |(id, title, description, competencies, questions)| {
            let mut seen = std::collections::HashSet::new();
            let mut competencies: Vec<Competency> = competencies
                .into_iter()
                .map(|(id, name, description)| {
                    if reach.competency_details {
                        Competency {
                            id,
                            name,
                            description,
                        }
                    } else {
                        let id = competency_id(&name);
                        Competency {
                            id,
                            name,
                            description: String::new(),
                        }
                    }
                })
                .filter(|competency| seen.insert(competency.id.clone()))
                .collect();
            let questions: Vec<Question> = if competencies.is_empty() {
                Vec::new()
            } else {
                questions
                    .into_iter()
                    .enumerate()
                    .map(
                        |(
                            n,
                            (
                                (id, competency, prompt),
                                (variants, follow_ups, rubric, red_flags),
                                (tags, level),
                            ),
                        )| Question {
                            id: format!("{id}-{n}"),
                            competency: competency.get(&competencies).id.clone(),
                            prompt,
                            variants,
                            follow_ups,
                            rubric,
                            red_flags,
                            tags,
                            level,
                        },
                    )
                    .collect()
            };
            if !reach.declares_competencies {
                let position = |id: &str| questions.iter().position(|q| q.competency == id);
                competencies.retain(|c| position(&c.id).is_some());
                competencies.sort_by_key(|c| position(&c.id));
            }
            Bank {
                id,
                title,
                description: if reach.declares_competencies {
                    description
                } else {
                    String::new()
                },
                competencies,
                questions,
            }
        })
}

/// Edits that break a file's structure.
pub(super) fn damage() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\"".to_owned()),
        Just("|".to_owned()),
        Just("\t".to_owned()),
        Just(",".to_owned()),
        Just("#".to_owned()),
        Just("#separator:".to_owned()),
        Just("- ".to_owned()),
        Just("\n### ".to_owned()),
        Just("\n## ".to_owned()),
        Just("\n---\n".to_owned()),
        Just("{".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(": ".to_owned()),
        Just("&".to_owned()),
        Just("<".to_owned()),
        Just("\\".to_owned()),
        Just("*a".to_owned()),
        Just("日".to_owned()),
        "\\PC{1,4}",
    ]
}

pub(super) fn options_for(bank: &Bank) -> ParseOptions {
    ParseOptions {
        bank_id: Some(bank.id.clone()),
        title: Some(bank.title.clone()),
        limits: Limits::default(),
    }
}

pub(super) fn bank_and_format() -> impl Strategy<Value = (Format, Bank)> {
    prop::sample::select(Format::ALL.to_vec()).prop_flat_map(|format| (Just(format), bank(format)))
}

/// `text` with each edit applied: at a position, some characters removed
/// and others inserted.
pub(super) fn damaged(text: String, edits: Vec<(prop::sample::Index, usize, String)>) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, removed, inserted) in edits {
        let at = at.index(chars.len() + 1);
        let end = (at + removed).min(chars.len());
        chars.splice(at..end, inserted.chars());
    }
    chars.into_iter().collect()
}

/// The same text with every line break (`\r\n`, `\r` or `\n`) written as `ending`.
pub(super) fn with_line_breaks(text: &str, ending: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', ending)
}

/// Any text as the bank stores it: trimmed, not empty, line breaks as `\n`; on one
/// line where `one_line`, and now and then starting with what spreadsheets and
/// Markdown treat specially.
fn any_text(one_line: bool) -> impl Strategy<Value = String> {
    let start = prop::sample::select(vec![
        "", "=", "+", "-", "@", "'", "'=", "''-", "<b>", "#", "\\", "[x](y)",
    ]);
    (start, any::<String>())
        .prop_map(move |(start, rest)| {
            let text = format!("{start}{rest}")
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            let text = if one_line {
                text.replace('\n', " ")
            } else {
                text
            };
            text.trim().to_owned()
        })
        .prop_filter("text is never empty", |text| !text.is_empty())
}

pub(super) fn any_text_bank(format: Format) -> impl Strategy<Value = Bank> {
    let one_line = format == Format::Markdown;
    let text = move || any_text(one_line);
    // Markdown splits `Tags:` and `Level:` lines at commas.
    let word = move || {
        any_text(one_line).prop_map(move |word| {
            if one_line {
                word.replace(',', ";")
            } else {
                word
            }
        })
    };
    let question = (
        text(),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(word(), 0..3),
        prop::collection::vec(word(), 0..3),
    );
    (
        prop::collection::vec((text(), any_text(false)), 1..3),
        prop::collection::vec((question, any::<prop::sample::Index>()), 1..4),
    )
        .prop_map(|(competencies, questions)| {
            let mut competencies: Vec<Competency> = competencies
                .into_iter()
                .enumerate()
                .map(|(n, (name, description))| Competency {
                    id: format!("c{n}"),
                    name,
                    description,
                })
                .collect();
            let questions: Vec<Question> = questions
                .into_iter()
                .enumerate()
                .map(
                    |(n, ((prompt, variants, follow_ups, rubric, red_flags, tags, level), at))| {
                        Question {
                            id: format!("q{n}"),
                            competency: at.get(&competencies).id.clone(),
                            prompt,
                            variants,
                            follow_ups,
                            rubric,
                            red_flags,
                            tags,
                            level,
                        }
                    },
                )
                .collect();
            // Tables write competencies in order of first use, and only used ones.
            let position = |id: &str| questions.iter().position(|q| q.competency == id);
            competencies.retain(|c| position(&c.id).is_some());
            competencies.sort_by_key(|c| position(&c.id));
            Bank {
                id: "any".into(),
                title: "Any".into(),
                description: String::new(),
                competencies,
                questions,
            }
        })
}
