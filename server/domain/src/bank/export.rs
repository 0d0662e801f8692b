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
mod tests;
