//! Writing a bank in each format, so that parsing the text back gives the same bank
//! (within the limits listed in the `bank` module's documentation).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::csv::{escape_item, neutralize_formula, Column};
use super::markdown::{escape_inline, escape_text_line};
use super::{Bank, Format};

/// The bank as a file of `format`. Anki text is written with its `#` header lines.
///
/// An Anki package is never written ([`Format::is_exported`] is false, and the servers
/// refuse it): asked for one, this writes Anki text, the plain-text file Anki imports.
pub fn export(bank: &Bank, format: Format) -> String {
    match format {
        Format::Toml => toml(bank),
        Format::Json => json(bank),
        Format::Yaml => yaml(bank),
        Format::Csv => table(bank, b','),
        Format::Tsv => table(bank, b'\t'),
        Format::AnkiText | Format::Apkg => anki(bank),
        Format::Markdown => markdown(bank),
    }
}

fn toml(bank: &Bank) -> String {
    let mut out = String::from("[bank]\n");
    toml_field(&mut out, "id", &bank.id);
    toml_field(&mut out, "title", &bank.title);
    toml_field(&mut out, "description", &bank.description);
    for competency in &bank.competencies {
        out.push_str("\n[[competency]]\n");
        toml_field(&mut out, "id", &competency.id);
        toml_field(&mut out, "name", &competency.name);
        toml_field(&mut out, "description", &competency.description);
    }
    for question in &bank.questions {
        out.push_str("\n[[question]]\n");
        toml_field(&mut out, "id", &question.id);
        toml_field(&mut out, "competency", &question.competency);
        toml_field(&mut out, "prompt", &question.prompt);
        toml_list(&mut out, "variants", &question.variants);
        toml_list(&mut out, "follow_ups", &question.follow_ups);
        toml_list(&mut out, "rubric", &question.rubric);
        toml_list(&mut out, "red_flags", &question.red_flags);
        toml_list(&mut out, "tags", &question.tags);
        toml_list(&mut out, "level", &question.level);
    }
    out
}

/// `key = "value"`, left out when the value is empty.
fn toml_field(out: &mut String, key: &str, value: &str) {
    if !value.is_empty() {
        let _ = writeln!(out, "{key} = {}", toml_string(value));
    }
}

fn toml_list(out: &mut String, key: &str, items: &[String]) {
    match items {
        [] => {}
        [item] => {
            let _ = writeln!(out, "{key} = [{}]", toml_string(item));
        }
        items => {
            let _ = writeln!(out, "{key} = [");
            for item in items {
                let _ = writeln!(out, "  {},", toml_string(item));
            }
            out.push_str("]\n");
        }
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[derive(Serialize)]
struct JsonBank<'a> {
    bank: JsonHeader<'a>,
    competencies: Vec<JsonCompetency<'a>>,
    questions: Vec<JsonQuestion<'a>>,
}

#[derive(Serialize)]
struct JsonHeader<'a> {
    id: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
}

#[derive(Serialize)]
struct JsonCompetency<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
}

#[derive(Serialize)]
struct JsonQuestion<'a> {
    id: &'a str,
    competency: &'a str,
    prompt: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    variants: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    follow_ups: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    rubric: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    red_flags: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    level: &'a [String],
}

fn json(bank: &Bank) -> String {
    let document = JsonBank {
        bank: JsonHeader {
            id: &bank.id,
            title: &bank.title,
            description: &bank.description,
        },
        competencies: bank
            .competencies
            .iter()
            .map(|competency| JsonCompetency {
                id: &competency.id,
                name: &competency.name,
                description: &competency.description,
            })
            .collect(),
        questions: bank
            .questions
            .iter()
            .map(|question| JsonQuestion {
                id: &question.id,
                competency: &question.competency,
                prompt: &question.prompt,
                variants: &question.variants,
                follow_ups: &question.follow_ups,
                rubric: &question.rubric,
                red_flags: &question.red_flags,
                tags: &question.tags,
                level: &question.level,
            })
            .collect(),
    };
    // Borrowed strings and lists always serialize.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

fn yaml(bank: &Bank) -> String {
    let mut out = String::from("bank:\n");
    yaml_field(&mut out, "  ", "id", &bank.id);
    yaml_field(&mut out, "  ", "title", &bank.title);
    yaml_field(&mut out, "  ", "description", &bank.description);
    if bank.competencies.is_empty() {
        out.push_str("competencies: []\n");
    } else {
        out.push_str("competencies:\n");
    }
    for competency in &bank.competencies {
        let _ = writeln!(out, "  - id: {}", yaml_string(&competency.id));
        yaml_field(&mut out, "    ", "name", &competency.name);
        yaml_field(&mut out, "    ", "description", &competency.description);
    }
    if bank.questions.is_empty() {
        out.push_str("questions: []\n");
    } else {
        out.push_str("questions:\n");
    }
    for question in &bank.questions {
        let _ = writeln!(out, "  - id: {}", yaml_string(&question.id));
        yaml_field(&mut out, "    ", "competency", &question.competency);
        yaml_field(&mut out, "    ", "prompt", &question.prompt);
        for (key, items) in [
            ("variants", &question.variants),
            ("follow_ups", &question.follow_ups),
            ("rubric", &question.rubric),
            ("red_flags", &question.red_flags),
            ("tags", &question.tags),
            ("level", &question.level),
        ] {
            if !items.is_empty() {
                let _ = writeln!(out, "    {key}:");
                for item in items {
                    let _ = writeln!(out, "      - {}", yaml_string(item));
                }
            }
        }
    }
    out
}

fn yaml_field(out: &mut String, indent: &str, key: &str, value: &str) {
    if !value.is_empty() {
        let _ = writeln!(out, "{indent}{key}: {}", yaml_string(value));
    }
}

/// A YAML double-quoted scalar: everything outside YAML's printable set, and the
/// characters some readers take for line breaks or a byte order mark, escaped.
fn yaml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            ' '..='~' => quoted.push(c),
            '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}') =>
            {
                quoted.push(c);
            }
            c if u32::from(c) <= 0xFFFF => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => {
                let _ = write!(quoted, "\\U{:08X}", u32::from(c));
            }
        }
    }
    quoted.push('"');
    quoted
}

/// The name, id and description cells of each question's competency in a table: the
/// description only on the first row of the competency, as the reader takes the first.
fn competency_cells(bank: &Bank) -> Vec<[String; 3]> {
    let by_id: HashMap<&str, &super::Competency> = bank
        .competencies
        .iter()
        .map(|competency| (competency.id.as_str(), competency))
        .collect();
    let mut described = std::collections::HashSet::new();
    bank.questions
        .iter()
        .map(|question| {
            let id = question.competency.clone();
            match by_id.get(question.competency.as_str()) {
                Some(competency) => {
                    let description = if described.insert(competency.id.as_str()) {
                        competency.description.clone()
                    } else {
                        String::new()
                    };
                    [competency.name.clone(), id, description]
                }
                None => [id.clone(), id, String::new()],
            }
        })
        .collect()
}

fn join_items<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|item| escape_item(item))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn write_rows(delimiter: u8, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(::csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// CSV or TSV: the columns of [`Column::ALL`], every cell a spreadsheet could run as a
/// formula neutralized.
fn table(bank: &Bank, delimiter: u8) -> String {
    let header = Column::ALL
        .iter()
        .map(|column| column.name().to_owned())
        .collect();
    let rows = bank.questions.iter().zip(competency_cells(bank)).map(
        |(question, [name, competency_id, description])| {
            let cells = Column::ALL.map(|column| match column {
                Column::Id => question.id.clone(),
                Column::Competency => name.clone(),
                Column::CompetencyId => competency_id.clone(),
                Column::CompetencyDescription => description.clone(),
                Column::Prompt => question.prompt.clone(),
                Column::Variants => join_items(&question.variants),
                Column::FollowUps => join_items(&question.follow_ups),
                Column::Rubric => join_items(&question.rubric),
                Column::RedFlags => join_items(&question.red_flags),
                Column::Tags => join_items(&question.tags),
                Column::Level => join_items(&question.level),
            });
            cells.into_iter().map(neutralize_formula).collect()
        },
    );
    write_rows(delimiter, std::iter::once(header).chain(rows))
}

fn anki(bank: &Bank) -> String {
    let mut out = String::from(
        "#separator:tab\n#html:false\n#columns:id\tdeck\tfront\tback\tred_flags\tvariants\tfollow_ups\tlevel\ttags\tcompetency_id\tcompetency_description\n#deck column:2\n#tags column:9\n",
    );
    let rows = bank.questions.iter().zip(competency_cells(bank)).map(
        |(question, [name, competency_id, description])| {
            // The back splits on line breaks and tags on white space in Anki text.
            let rubric: Vec<String> = question
                .rubric
                .iter()
                .map(|item| item.replace(['\r', '\n'], " "))
                .collect();
            let tags: Vec<String> = question
                .tags
                .iter()
                .map(|tag| tag.split_whitespace().collect::<Vec<_>>().join("_"))
                .collect();
            vec![
                question.id.clone(),
                name,
                question.prompt.clone(),
                join_items(&rubric),
                join_items(&question.red_flags),
                join_items(&question.variants),
                join_items(&question.follow_ups),
                join_items(&question.level),
                tags.join(" "),
                competency_id,
                description,
            ]
        },
    );
    out.push_str(&write_rows(b'\t', rows));
    out
}

/// Markdown with every value escaped ([`escape_inline`]), so a renderer shows text and
/// no HTML, link or image. Questions keep their order: a run of questions of a
/// competency whose heading was written already gets the heading again.
fn markdown(bank: &Bank) -> String {
    let mut out = String::from("---\n");
    let _ = writeln!(out, "id: {}", front_value(&bank.id));
    let _ = writeln!(out, "title: {}", front_value(&bank.title));
    if !bank.description.is_empty() {
        let _ = writeln!(out, "description: {}", front_value(&bank.description));
    }
    out.push_str("---\n\n");
    let _ = writeln!(out, "# {}", inline(&bank.title));
    // Competencies are written in the bank's order, each the first time before its
    // first run of questions (or at the end).
    let mut written = 0;
    let mut current: Option<usize> = None;
    for question in &bank.questions {
        let Some(index) = bank
            .competencies
            .iter()
            .position(|competency| competency.id == question.competency)
        else {
            continue;
        };
        if current != Some(index) {
            if index < written {
                markdown_competency(&mut out, &bank.competencies[index], false);
            }
            while written <= index {
                markdown_competency(&mut out, &bank.competencies[written], true);
                written += 1;
            }
            current = Some(index);
        }
        markdown_question(&mut out, question);
    }
    for competency in &bank.competencies[written..] {
        markdown_competency(&mut out, competency, true);
    }
    out
}

/// A `## ` competency heading, with its description the first time.
fn markdown_competency(out: &mut String, competency: &super::Competency, first: bool) {
    let _ = write!(
        out,
        "\n## {} {{#{}}}\n",
        inline(&competency.name),
        competency.id
    );
    if first && !competency.description.is_empty() {
        out.push('\n');
        for line in competency.description.split('\n') {
            out.push_str(&escape_text_line(line));
            out.push('\n');
        }
    }
}

fn markdown_question(out: &mut String, question: &super::Question) {
    let _ = write!(
        out,
        "\n### {} {{#{}}}\n",
        inline(&question.prompt),
        question.id
    );
    let groups = [
        ("Variant: ", &question.variants),
        ("- [ ] ", &question.rubric),
        ("Red flag: ", &question.red_flags),
        ("> ", &question.follow_ups),
    ];
    for (marker, items) in groups {
        if !items.is_empty() {
            out.push('\n');
        }
        for item in items {
            let _ = writeln!(out, "{marker}{}", inline(item));
        }
    }
    if !question.tags.is_empty() || !question.level.is_empty() {
        out.push('\n');
    }
    for (label, words) in [("Tags", &question.tags), ("Level", &question.level)] {
        if !words.is_empty() {
            let _ = writeln!(out, "{label}: {}", word_list(words));
        }
    }
}

/// One line of escaped Markdown text.
fn inline(text: &str) -> String {
    escape_inline(&one_line(text))
}

/// A front matter value, quoted (with JSON escapes) where plain text would not read back.
fn front_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value.trim() == value
        && !value.starts_with(['"', '\''])
        && !value.contains(char::is_control);
    if plain {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Tags or levels separated by commas; a single one containing white space gets a
/// trailing comma, or it would be read back as several.
fn word_list(words: &[String]) -> String {
    let joined = words
        .iter()
        .map(|word| inline(word))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() == 1 && joined.contains(char::is_whitespace) {
        format!("{joined},")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::super::{
        competency_id, parse, parse_bytes, Competency, Limits, ParseOptions, Question,
    };
    use super::*;

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
    fn damage() -> impl Strategy<Value = String> {
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

    fn options_for(bank: &Bank) -> ParseOptions {
        ParseOptions {
            bank_id: Some(bank.id.clone()),
            title: Some(bank.title.clone()),
            limits: Limits::default(),
        }
    }

    fn bank_and_format() -> impl Strategy<Value = (Format, Bank)> {
        prop::sample::select(Format::ALL.to_vec())
            .prop_flat_map(|format| (Just(format), bank(format)))
    }

    /// The same text with every line break written as `ending`.
    /// `text` with each edit applied: at a position, some characters removed
    /// and others inserted.
    fn damaged(text: String, edits: Vec<(prop::sample::Index, usize, String)>) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, removed, inserted) in edits {
            let at = at.index(chars.len() + 1);
            let end = (at + removed).min(chars.len());
            chars.splice(at..end, inserted.chars());
        }
        chars.into_iter().collect()
    }

    fn with_line_breaks(text: &str, ending: &str) -> String {
        text.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\n', ending)
    }

    /// A bank whose competency ids are not the slugs of their names, with questions
    /// that alternate between competencies.
    fn leadership_bank() -> Bank {
        let question = |id: &str, competency: &str, prompt: &str| Question {
            id: id.into(),
            competency: competency.into(),
            prompt: prompt.into(),
            variants: vec!["Say it another way?".into()],
            follow_ups: vec!["What then?".into()],
            rubric: vec!["Names the stakes".into(), "Says what they did".into()],
            red_flags: vec!["Blames the team and describes no action of their own".into()],
            tags: vec!["leadership".into()],
            level: vec!["team-lead".into()],
        };
        Bank {
            id: "leaders".into(),
            title: "Leaders".into(),
            description: String::new(),
            competencies: vec![
                Competency {
                    id: "leadership-bench".into(),
                    name: "Building Leadership Teams".into(),
                    description: "Hiring and growing leads.\nTwo lines.".into(),
                },
                Competency {
                    id: "conflict".into(),
                    name: "Handling Conflict".into(),
                    description: String::new(),
                },
            ],
            questions: vec![
                question(
                    "bench-1",
                    "leadership-bench",
                    "Tell me about a lead you hired.",
                ),
                question("conflict-1", "conflict", "Tell me about a disagreement."),
                question(
                    "bench-2",
                    "leadership-bench",
                    "Tell me about a lead you grew.",
                ),
            ],
        }
    }

    #[test]
    fn competency_ids_names_and_question_order_survive_every_format() {
        let bank = leadership_bank();
        for format in Format::ALL {
            let text = export(&bank, format);
            let parsed = parse(&text, format, &options_for(&bank));
            assert_eq!(parsed, Ok(bank.clone()), "{format:?}:\n{text}");
        }
    }

    #[test]
    fn spreadsheet_formulas_are_neutralized_and_read_back() {
        let mut bank = leadership_bank();
        bank.competencies[1].name = "=Evil()".into();
        bank.questions[0].prompt = "=HYPERLINK(\"http://evil.example\",\"Click\")".into();
        bank.questions[0].rubric = vec!["+cmd|' /C calc'!A0".into(), "fine".into()];
        bank.questions[0].tags = vec!["@SUM(1+1)".into()];
        bank.questions[0].level = vec!["-2+3".into()];
        bank.questions[1].prompt = "'=1+1 is already quoted".into();
        bank.questions[1].variants = vec!["''@twice".into()];
        bank.questions[2].prompt = "'plain quote stays".into();
        bank.questions[2].follow_ups = vec!["- a dash".into()];
        for format in [Format::Csv, Format::Tsv] {
            let text = export(&bank, format);
            let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
            let mut reader = ::csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .from_reader(text.as_bytes());
            let mut cells = Vec::new();
            for record in reader.records() {
                for cell in record.unwrap().iter() {
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{format:?} cell `{cell}`:\n{text}"
                    );
                    cells.push(cell.to_owned());
                }
            }
            for written in [
                "'=HYPERLINK(\"http://evil.example\",\"Click\")",
                "'+cmd\\|' /C calc'!A0 | fine",
                "'=Evil()",
                "''=1+1 is already quoted",
                "'''@twice",
                "'plain quote stays",
                "'- a dash",
            ] {
                assert!(
                    cells.iter().any(|cell| cell == written),
                    "{written}:\n{text}"
                );
            }
            let parsed = parse(&text, format, &options_for(&bank));
            assert_eq!(parsed, Ok(bank.clone()), "{format:?}:\n{text}");
        }
        // A hand-written `'` before a formula is what spreadsheets show as the text.
        let parsed = parse(
            "prompt,rubric\n'=1+1,'@x | '-y\n",
            Format::Csv,
            &options_for(&bank),
        )
        .unwrap();
        assert_eq!(parsed.questions[0].prompt, "=1+1");
        assert_eq!(parsed.questions[0].rubric, ["@x", "'-y"]);
    }

    #[test]
    fn markdown_export_escapes_html_links_and_images() {
        let mut bank = leadership_bank();
        bank.title = "<b>Leaders</b>".into();
        bank.competencies[0].name = "<script>alert(1)</script>".into();
        bank.competencies[0].description =
            "<img src=x onerror=alert(1)>\n- [x](javascript:alert(1))\n&lt;b&gt; *em* `code`"
                .into();
        bank.questions[0].prompt = "Why <iframe src=\"http://evil.example\"></iframe>?".into();
        bank.questions[0].rubric = vec!["[click](javascript:alert(1))".into()];
        bank.questions[0].follow_ups = vec!["![](http://evil.example/x.png)".into()];
        bank.questions[0].red_flags = vec!["<script>alert(1)</script> & *all* `of` it".into()];
        bank.questions[0].variants = vec!["<http://evil.example> &amp; {#fake}".into()];
        bank.questions[1].tags = vec!["<b>".into(), "a\\b".into()];
        bank.questions[2].prompt = "Ends with a backslash \\".into();
        let text = export(&bank, Format::Markdown);
        let body = text.split("\n---\n").nth(1).unwrap();
        for (at, _) in body.match_indices(['<', '[', '&', '`', '*', '!']) {
            let escaped = body[..at].chars().rev().take_while(|&c| c == '\\').count() % 2 == 1;
            let checkbox = body[at..].starts_with("[ ] ") && body[..at].ends_with("\n- ");
            assert!(escaped || checkbox, "unescaped markup at {at}:\n{body}");
        }
        let parsed = parse(&text, Format::Markdown, &options_for(&bank));
        assert_eq!(parsed, Ok(bank), "{text}");
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

    fn any_text_bank(format: Format) -> impl Strategy<Value = Bank> {
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
                        |(
                            n,
                            ((prompt, variants, follow_ups, rubric, red_flags, tags, level), at),
                        )| {
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text_in_any_field_survives_csv_tsv_and_markdown(
            (format, bank) in prop::sample::select(vec![Format::Csv, Format::Tsv, Format::Markdown])
                .prop_flat_map(|format| (Just(format), any_text_bank(format)))
        ) {
            let text = export(&bank, format);
            let parsed = parse(&text, format, &options_for(&bank));
            prop_assert_eq!(parsed, Ok(bank), "{:?}:\n{}", format, text);
        }

        #[test]
        fn line_breaks_and_a_byte_order_mark_never_change_the_result(
            (format, bank) in bank_and_format(),
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), 0..4_usize, damage()),
                0..4,
            ),
        ) {
            let lf = with_line_breaks(&damaged(export(&bank, format), edits), "\n");
            let options = options_for(&bank);
            let expected = parse(&lf, format, &options);
            for variant in [
                with_line_breaks(&lf, "\r\n"),
                with_line_breaks(&lf, "\r"),
                format!("\u{feff}{}", with_line_breaks(&lf, "\r\n")),
            ] {
                let found = parse_bytes(variant.as_bytes(), format, &options);
                prop_assert_eq!(&found, &expected, "{:?}: {:?}", format, variant);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn export_then_parse_gives_the_same_bank((format, bank) in bank_and_format()) {
            let text = export(&bank, format);
            let parsed = parse(&text, format, &options_for(&bank));
            prop_assert_eq!(parsed, Ok(bank), "{:?}:\n{}", format, text);
        }

        #[test]
        fn damaged_exports_are_errors_not_crashes(
            (format, bank) in bank_and_format(),
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), 0..4_usize, damage()),
                1..5,
            ),
        ) {
            let text = damaged(export(&bank, format), edits);
            if let Err(errors) = parse(&text, format, &options_for(&bank)) {
                prop_assert!(!errors.0.is_empty());
                for error in &errors.0 {
                    prop_assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                    prop_assert!(error.line <= text.split('\n').count(), "{error:?}\n{text}");
                }
            }
        }
    }
}
