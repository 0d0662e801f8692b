//! The question-bank model and its native TOML format: parsing, validation, and derived ids.
//! Every problem in a file is reported at once, each with its line, column and field.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use serde::Serialize;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

/// One bank: a titled set of questions grouped by competency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bank {
    pub id: String,
    pub title: String,
    pub description: String,
    pub competencies: Vec<Competency>,
    pub questions: Vec<Question>,
}

/// A skill the questions probe, such as "Delegation" or "Handling conflict".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Competency {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// One interview question with what a good answer to it covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Stable key: re-imports update the question with the same id in place.
    pub id: String,
    /// The id of one of the bank's competencies.
    pub competency: String,
    pub prompt: String,
    /// Other ways an interviewer asks the same thing.
    pub variants: Vec<String>,
    pub follow_ups: Vec<String>,
    /// What an answer to this question should contain beyond the STAR checklist.
    pub rubric: Vec<String>,
    pub tags: Vec<String>,
    /// Roles or seniorities the question suits, e.g. "team-lead".
    pub level: Vec<String>,
}

/// One problem in a bank file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct BankError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The offending field as a path with 0-based indexes, e.g. `question[3].competency`.
    pub field: Option<String>,
    pub message: String,
}

/// All problems of one file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.0))]
pub struct BankErrors(pub Vec<BankError>);

fn join_lines(errors: &[BankError]) -> String {
    errors
        .iter()
        .map(BankError::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Size limits that keep one bank file from swamping the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_questions: usize,
    /// Also applies to each variant and follow-up, which are prompts too.
    pub max_prompt_chars: usize,
    pub max_rubric_item_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_questions: 5000,
            max_prompt_chars: 2000,
            max_rubric_item_chars: 500,
        }
    }
}

/// The longest id `^[a-z0-9][a-z0-9._-]{0,63}$` allows.
const MAX_ID_CHARS: usize = 64;
/// Room left for the slug of a derived question id, before its hash suffix.
const MAX_SLUG_CHARS: usize = 48;

/// Parses and validates a bank in the native TOML format.
pub fn parse_toml(source: &str, limits: &Limits) -> Result<Bank, BankErrors> {
    let lines = LineIndex::new(source);
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        // A document that does not parse is only partly recovered; validating that
        // remainder would add confusing follow-on errors, so report the syntax alone.
        let errors = syntax_errors
            .iter()
            .map(|error| Problem {
                offset: error.span().map_or(0, |span| span.start),
                field: None,
                message: error.message().to_owned(),
            })
            .collect();
        return Err(lines.errors(errors));
    }
    let mut reader = Reader {
        limits,
        lines: &lines,
        problems: Vec::new(),
    };
    let bank = reader.document(document.get_ref());
    match bank {
        Some(bank) if reader.problems.is_empty() => Ok(bank),
        _ => Err(lines.errors(reader.problems)),
    }
}

/// A stable id for a question without one, from its normalized prompt.
///
/// The readable part is the prompt in lowercase with every run of other characters
/// turned into one `-`, cut to 48 characters at a word boundary; the `-` and 8 hex digits
/// after it (FNV-1a 64 of the whole normalized prompt) keep prompts that share their
/// first words apart. Case, punctuation and spacing do not change the id.
pub fn derive_question_id(prompt: &str) -> String {
    // Hash the Unicode-aware normalization so prompts in other scripts, which have no
    // ASCII slug, still get distinct ids.
    let normalized = normalize(prompt, char::is_alphanumeric);
    let hash = fnv1a64(normalized.as_bytes());
    let slug = normalize(&normalized, |c| c.is_ascii_alphanumeric());
    let slug = cut_at_word_boundary(&slug, MAX_SLUG_CHARS);
    let suffix = format!("{:08x}", hash >> 32);
    if slug.is_empty() {
        suffix
    } else {
        format!("{slug}-{suffix}")
    }
}

/// Lowercase, with each run of characters that `keep` rejects turned into one `-`, and no
/// `-` at either end.
fn normalize(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut normalized = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if keep(c) {
            if pending_dash && !normalized.is_empty() {
                normalized.push('-');
            }
            pending_dash = false;
            normalized.push(c);
        } else {
            pending_dash = true;
        }
    }
    normalized
}

/// At most `max` characters of an ASCII slug, ending at a whole word where there is one.
fn cut_at_word_boundary(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    // A cut right before a `-` keeps the last word whole.
    if slug.as_bytes()[max] == b'-' {
        return &slug[..max];
    }
    match slug[..max].rfind('-') {
        Some(end) => &slug[..end],
        None => &slug[..max],
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Which rule of `^[a-z0-9][a-z0-9._-]{0,63}$` an id breaks, if any.
fn id_problem(id: &str) -> Option<String> {
    let mut chars = id.chars();
    let first = chars.next()?;
    let length = id.chars().count();
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Some(format!(
            "id `{id}` must start with a lowercase letter or a digit"
        ));
    }
    if let Some(bad) = chars.find(|&c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-')) {
        return Some(format!(
            "id `{id}` contains {bad:?}; ids may only contain lowercase letters, digits, '.', '_' and '-'"
        ));
    }
    if length > MAX_ID_CHARS {
        return Some(format!(
            "id `{id}` is {length} characters long; the limit is {MAX_ID_CHARS}"
        ));
    }
    None
}

/// A problem before its position is turned into line and column.
struct Problem {
    offset: usize,
    field: Option<String>,
    message: String,
}

/// Byte offsets of line starts, to turn spans into line and column.
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineIndex { source, starts }
    }

    /// 1-based line and character column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        (line, self.source[start..offset].chars().count() + 1)
    }

    fn line(&self, offset: usize) -> usize {
        self.position(offset).0
    }

    fn errors(&self, mut problems: Vec<Problem>) -> BankErrors {
        problems.sort_by_key(|problem| problem.offset);
        BankErrors(
            problems
                .into_iter()
                .map(|problem| {
                    let (line, column) = self.position(problem.offset);
                    BankError {
                        line,
                        column,
                        field: problem.field,
                        message: problem.message,
                    }
                })
                .collect(),
        )
    }
}

/// A string value with where it was written.
struct Text {
    value: String,
    span: Range<usize>,
}

/// A `[[competency]]` or `[[question]]` table with where its header is.
struct Entry<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Range<usize>,
    path: String,
}

/// Walks the parsed document, collecting every problem instead of stopping at the first.
struct Reader<'l> {
    limits: &'l Limits,
    lines: &'l LineIndex<'l>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, offset: usize, field: String, message: String) {
        self.problems.push(Problem {
            offset,
            field: Some(field),
            message,
        });
    }

    fn document(&mut self, root: &DeTable<'_>) -> Option<Bank> {
        let mut header = None;
        let mut competencies = Vec::new();
        let mut questions = Vec::new();
        let mut bank_seen = false;
        for (key, value) in root.iter() {
            match key.get_ref().as_ref() {
                "bank" => {
                    bank_seen = true;
                    header = self.bank(value);
                }
                "competency" => competencies = self.entries(value, "competency"),
                "question" => questions = self.entries(value, "question"),
                other => self.problem(
                    key.span().start,
                    other.to_owned(),
                    format!(
                        "unknown key `{other}`; a bank file has a [bank] table, [[competency]] tables and [[question]] tables"
                    ),
                ),
            }
        }
        if !bank_seen {
            self.problem(
                0,
                "bank".to_owned(),
                "missing [bank] table with the bank's id and title".to_owned(),
            );
        }

        let competencies: Vec<Competency> = self.competencies(&competencies);
        let questions = self.questions(&questions, &competencies);
        let (id, title, description) = header?;
        Some(Bank {
            id,
            title,
            description,
            competencies,
            questions,
        })
    }

    fn bank(&mut self, value: &Spanned<DeValue<'_>>) -> Option<(String, String, String)> {
        let DeValue::Table(table) = value.get_ref() else {
            self.problem(
                value.span().start,
                "bank".to_owned(),
                format!(
                    "`bank` must be a table written [bank], found {}",
                    describe(value.get_ref())
                ),
            );
            return None;
        };
        let entry = Entry {
            table,
            span: value.span(),
            path: "bank".to_owned(),
        };
        self.unknown_keys(&entry, &["id", "title", "description"]);
        let id = self
            .required_text(&entry, "id")
            .map(|id| self.checked_id(&entry, "id", id));
        let title = self.required_text(&entry, "title");
        if let Some(title) = &title {
            self.not_empty(&entry, "title", title);
        }
        let description = self.optional_text(&entry, "description");
        Some((
            id?.value,
            title?.value,
            description.map(|text| text.value).unwrap_or_default(),
        ))
    }

    /// The tables of a `[[name]]` array, reporting anything else written under `name`.
    fn entries<'a, 'i>(
        &mut self,
        value: &'a Spanned<DeValue<'i>>,
        name: &str,
    ) -> Vec<Entry<'a, 'i>> {
        let DeValue::Array(array) = value.get_ref() else {
            self.problem(
                value.span().start,
                name.to_owned(),
                format!(
                    "`{name}` must be an array of tables, each written [[{name}]], found {}",
                    describe(value.get_ref())
                ),
            );
            return Vec::new();
        };
        let mut entries = Vec::with_capacity(array.len());
        for (index, item) in array.iter().enumerate() {
            let path = format!("{name}[{index}]");
            match item.get_ref() {
                DeValue::Table(table) => entries.push(Entry {
                    table,
                    span: item.span(),
                    path,
                }),
                other => self.problem(
                    item.span().start,
                    path,
                    format!("each {name} must be a table, found {}", describe(other)),
                ),
            }
        }
        entries
    }

    fn competencies(&mut self, entries: &[Entry<'_, '_>]) -> Vec<Competency> {
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut competencies = Vec::with_capacity(entries.len());
        for entry in entries {
            self.unknown_keys(entry, &["id", "name", "description"]);
            let id = self
                .required_text(entry, "id")
                .map(|id| self.checked_id(entry, "id", id));
            if let Some(id) = &id {
                self.unique(entry, "id", id, "competency", &mut first_seen);
            }
            let name = self.required_text(entry, "name");
            if let Some(name) = &name {
                self.not_empty(entry, "name", name);
            }
            let description = self.optional_text(entry, "description");
            if let (Some(id), Some(name)) = (id, name) {
                competencies.push(Competency {
                    id: id.value,
                    name: name.value,
                    description: description.map(|text| text.value).unwrap_or_default(),
                });
            }
        }
        competencies
    }

    fn questions(
        &mut self,
        entries: &[Entry<'_, '_>],
        competencies: &[Competency],
    ) -> Vec<Question> {
        if entries.len() > self.limits.max_questions {
            let first_extra = &entries[self.limits.max_questions];
            self.problem(
                first_extra.span.start,
                "question".to_owned(),
                format!(
                    "the file has {} questions; the limit is {}",
                    entries.len(),
                    self.limits.max_questions
                ),
            );
        }
        let declared: BTreeSet<&str> = competencies.iter().map(|c| c.id.as_str()).collect();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut questions = Vec::with_capacity(entries.len());
        for entry in entries {
            self.unknown_keys(
                entry,
                &[
                    "id",
                    "competency",
                    "prompt",
                    "variants",
                    "follow_ups",
                    "rubric",
                    "tags",
                    "level",
                ],
            );
            let prompt = self.required_text(entry, "prompt");
            if let Some(prompt) = &prompt {
                if self.not_empty(entry, "prompt", prompt) {
                    self.within(entry, "prompt", prompt, self.limits.max_prompt_chars);
                }
            }
            let id = match self.optional_text(entry, "id") {
                Some(id) => Some(self.checked_id(entry, "id", id)),
                None => prompt
                    .as_ref()
                    .filter(|prompt| !prompt.value.is_empty())
                    .map(|prompt| Text {
                        value: derive_question_id(&prompt.value),
                        span: entry.span.clone(),
                    }),
            };
            if let Some(id) = &id {
                self.unique(entry, "id", id, "question", &mut first_seen);
            }
            let competency = self.required_text(entry, "competency");
            if let Some(competency) = &competency {
                if !declared.contains(competency.value.as_str()) {
                    self.problem(
                        competency.span.start,
                        format!("{}.competency", entry.path),
                        format!(
                            "competency `{}` is not declared; add a [[competency]] with this id",
                            competency.value
                        ),
                    );
                }
            }
            let prompt_chars = self.limits.max_prompt_chars;
            let rubric_chars = self.limits.max_rubric_item_chars;
            let variants = self.list(entry, "variants", Some(prompt_chars));
            let follow_ups = self.list(entry, "follow_ups", Some(prompt_chars));
            let rubric = self.list(entry, "rubric", Some(rubric_chars));
            let tags = self.list(entry, "tags", None);
            let level = self.list(entry, "level", None);
            if let (Some(id), Some(competency), Some(prompt)) = (id, competency, prompt) {
                questions.push(Question {
                    id: id.value,
                    competency: competency.value,
                    prompt: prompt.value,
                    variants,
                    follow_ups,
                    rubric,
                    tags,
                    level,
                });
            }
        }
        questions
    }

    fn unknown_keys(&mut self, entry: &Entry<'_, '_>, allowed: &[&str]) {
        for key in entry.table.keys() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                self.problem(
                    key.span().start,
                    format!("{}.{name}", entry.path),
                    format!(
                        "unknown key `{name}` in {}; expected one of: {}",
                        entry.path,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    fn required_text(&mut self, entry: &Entry<'_, '_>, key: &str) -> Option<Text> {
        if entry.table.get(key).is_none() {
            self.problem(
                entry.span.start,
                format!("{}.{key}", entry.path),
                format!("{} is missing the required key `{key}`", entry.path),
            );
            return None;
        }
        self.optional_text(entry, key)
    }

    /// A trimmed string field; `None` when absent or not a string (the latter reported).
    fn optional_text(&mut self, entry: &Entry<'_, '_>, key: &str) -> Option<Text> {
        let value = entry.table.get(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Text {
                value: text.trim().to_owned(),
                span: value.span(),
            }),
            other => {
                self.problem(
                    value.span().start,
                    format!("{}.{key}", entry.path),
                    format!("`{key}` must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// An id, reported if it breaks the id rule; kept either way so later checks still run.
    fn checked_id(&mut self, entry: &Entry<'_, '_>, key: &str, id: Text) -> Text {
        let problem = if id.value.is_empty() {
            Some("id must not be empty".to_owned())
        } else {
            id_problem(&id.value)
        };
        if let Some(message) = problem {
            self.problem(id.span.start, format!("{}.{key}", entry.path), message);
        }
        id
    }

    fn unique(
        &mut self,
        entry: &Entry<'_, '_>,
        key: &str,
        id: &Text,
        kind: &str,
        first_seen: &mut HashMap<String, usize>,
    ) {
        if id.value.is_empty() {
            return;
        }
        match first_seen.get(&id.value) {
            Some(&first) => {
                let derived = if entry.table.contains_key(key) {
                    ""
                } else {
                    " (derived from the prompt; give one of them an explicit id)"
                };
                self.problem(
                    id.span.start,
                    format!("{}.{key}", entry.path),
                    format!(
                        "duplicate {kind} id `{}`{derived}; first used on line {}",
                        id.value,
                        self.lines.line(first)
                    ),
                );
            }
            None => {
                first_seen.insert(id.value.clone(), id.span.start);
            }
        }
    }

    /// Reports an empty string; true when the string has content.
    fn not_empty(&mut self, entry: &Entry<'_, '_>, key: &str, text: &Text) -> bool {
        if text.value.is_empty() {
            self.problem(
                text.span.start,
                format!("{}.{key}", entry.path),
                format!("`{key}` must not be empty"),
            );
            return false;
        }
        true
    }

    fn within(&mut self, entry: &Entry<'_, '_>, field: &str, text: &Text, max_chars: usize) {
        let length = text.value.chars().count();
        if length > max_chars {
            self.problem(
                text.span.start,
                format!("{}.{field}", entry.path),
                format!("`{field}` is {length} characters long; the limit is {max_chars}"),
            );
        }
    }

    /// A list of non-empty trimmed strings, each within `max_chars` when given.
    fn list(&mut self, entry: &Entry<'_, '_>, key: &str, max_chars: Option<usize>) -> Vec<String> {
        let Some(value) = entry.table.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.problem(
                value.span().start,
                format!("{}.{key}", entry.path),
                format!(
                    "`{key}` must be an array of strings, found {}",
                    describe(value.get_ref())
                ),
            );
            return Vec::new();
        };
        self.strings(entry, key, items, max_chars)
    }

    fn strings(
        &mut self,
        entry: &Entry<'_, '_>,
        key: &str,
        items: &DeArray<'_>,
        max_chars: Option<usize>,
    ) -> Vec<String> {
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let field = format!("{key}[{index}]");
            let DeValue::String(text) = item.get_ref() else {
                self.problem(
                    item.span().start,
                    format!("{}.{field}", entry.path),
                    format!(
                        "each item of `{key}` must be a string, found {}",
                        describe(item.get_ref())
                    ),
                );
                continue;
            };
            let text = Text {
                value: text.trim().to_owned(),
                span: item.span(),
            };
            if self.not_empty(entry, &field, &text) {
                if let Some(max_chars) = max_chars {
                    self.within(entry, &field, &text, max_chars);
                }
            }
            strings.push(text.value);
        }
        strings
    }
}

/// A value's kind for messages, with TOML's names.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(array)
            if array.iter().all(|item| item.get_ref().is_table()) && !array.is_empty() =>
        {
            "an array of tables"
        }
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn parse(source: &str) -> Result<Bank, BankErrors> {
        parse_toml(source, &Limits::default())
    }

    fn errors(source: &str) -> Vec<BankError> {
        parse(source).expect_err("the bank should be rejected").0
    }

    /// The only error of `source`, as (line, column, field).
    fn only_error(source: &str) -> (usize, usize, Option<String>, String) {
        let errors = errors(source);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let error = errors.into_iter().next().unwrap();
        (error.line, error.column, error.field, error.message)
    }

    const HEADER: &str = "[bank]\nid = \"core\"\ntitle = \"Core\"\n\n[[competency]]\nid = \"lead\"\nname = \"Leading\"\n";

    #[test]
    fn a_valid_bank_keeps_every_field() {
        let source = r#"
[bank]
id = "it-manager.core"
title = "  IT manager: core  "
description = """
Questions for new IT managers.
"""

[[competency]]
id = "delegation"
name = "Delegation"
description = "Handing work over and letting go."

[[competency]]
id = "conflict"
name = "Handling conflict"

[[question]]
id = "delegate-under-pressure"
competency = "delegation"
prompt = "Tell me about a time you delegated a task you would rather have done yourself."
variants = ["When did you last hand over work you were good at?"]
follow_ups = ["What would you do differently?", " How did you check progress? "]
rubric = ["Explains why this person was chosen", "Describes how they stayed out of the way"]
tags = ["delegation", "trust"]
level = ["team-lead", "engineering-manager"]

[[question]]
competency = "conflict"
prompt = "Describe a disagreement between two of your engineers that you resolved."
"#;
        let bank = parse(source).unwrap();
        assert_eq!(
            bank,
            Bank {
                id: "it-manager.core".into(),
                title: "IT manager: core".into(),
                description: "Questions for new IT managers.".into(),
                competencies: vec![
                    Competency {
                        id: "delegation".into(),
                        name: "Delegation".into(),
                        description: "Handing work over and letting go.".into(),
                    },
                    Competency {
                        id: "conflict".into(),
                        name: "Handling conflict".into(),
                        description: String::new(),
                    },
                ],
                questions: vec![
                    Question {
                        id: "delegate-under-pressure".into(),
                        competency: "delegation".into(),
                        prompt: "Tell me about a time you delegated a task you would rather have done yourself.".into(),
                        variants: vec!["When did you last hand over work you were good at?".into()],
                        follow_ups: vec![
                            "What would you do differently?".into(),
                            "How did you check progress?".into(),
                        ],
                        rubric: vec![
                            "Explains why this person was chosen".into(),
                            "Describes how they stayed out of the way".into(),
                        ],
                        tags: vec!["delegation".into(), "trust".into()],
                        level: vec!["team-lead".into(), "engineering-manager".into()],
                    },
                    Question {
                        id: derive_question_id(
                            "Describe a disagreement between two of your engineers that you resolved."
                        ),
                        competency: "conflict".into(),
                        prompt: "Describe a disagreement between two of your engineers that you resolved.".into(),
                        variants: vec![],
                        follow_ups: vec![],
                        rubric: vec![],
                        tags: vec![],
                        level: vec![],
                    },
                ],
            }
        );
    }

    #[test]
    fn missing_bank_table_is_reported_at_the_start() {
        let (line, column, field, message) =
            only_error("[[competency]]\nid = \"lead\"\nname = \"Leading\"\n");
        assert_eq!((line, column), (1, 1));
        assert_eq!(field.as_deref(), Some("bank"));
        assert!(message.contains("[bank]"), "{message}");
    }

    #[test]
    fn missing_required_keys_point_at_the_table_header() {
        let (line, column, field, _) = only_error("\n[bank]\nid = \"core\"\n");
        assert_eq!((line, column, field.as_deref()), (2, 1, Some("bank.title")));

        let source = format!("{HEADER}\n[[question]]\nprompt = \"Why?\"\n");
        let (line, column, field, message) = only_error(&source);
        assert_eq!(
            (line, column, field.as_deref()),
            (9, 1, Some("question[0].competency"))
        );
        assert_eq!(
            message,
            "question[0] is missing the required key `competency`"
        );
    }

    #[test]
    fn ids_name_the_rule_they_break() {
        let cases = [
            ("Core", "must start with a lowercase letter or a digit"),
            ("-core", "must start with a lowercase letter or a digit"),
            ("core bank", "contains ' '"),
            ("core/bank", "contains '/'"),
            (
                "a123456789b123456789c123456789d123456789e123456789f123456789g1234",
                "is 65 characters long; the limit is 64",
            ),
            ("  ", "id must not be empty"),
        ];
        for (id, expected) in cases {
            let source = format!("[bank]\ntitle = \"Core\"\nid = \"{id}\"\n");
            let (line, column, field, message) = only_error(&source);
            assert_eq!((line, column), (3, 6), "{id}");
            assert_eq!(field.as_deref(), Some("bank.id"));
            assert!(message.contains(expected), "{id}: {message}");
        }
        let longest = "a123456789b123456789c123456789d123456789e123456789f123456789g123";
        assert!(parse(&format!("[bank]\ntitle = \"Core\"\nid = \"{longest}\"\n")).is_ok());
        assert!(parse("[bank]\ntitle = \"Core\"\nid = \"0.core_bank-2\"\n").is_ok());
    }

    #[test]
    fn empty_title_and_name_are_rejected() {
        let (line, column, field, _) = only_error("[bank]\nid = \"core\"\ntitle = \"   \"\n");
        assert_eq!((line, column, field.as_deref()), (3, 9, Some("bank.title")));

        let source =
            "[bank]\nid = \"core\"\ntitle = \"Core\"\n[[competency]]\nid = \"x\"\nname = \"\"\n";
        let (line, column, field, _) = only_error(source);
        assert_eq!(
            (line, column, field.as_deref()),
            (6, 8, Some("competency[0].name"))
        );
    }

    #[test]
    fn duplicate_ids_point_at_the_second() {
        let source = format!("{HEADER}\n[[competency]]\nid = \"lead\"\nname = \"Again\"\n");
        let (line, column, field, message) = only_error(&source);
        assert_eq!(
            (line, column, field.as_deref()),
            (10, 6, Some("competency[1].id"))
        );
        assert_eq!(
            message,
            "duplicate competency id `lead`; first used on line 6"
        );

        let source = format!(
            "{HEADER}\n[[question]]\nid = \"q\"\ncompetency = \"lead\"\nprompt = \"One\"\n\n[[question]]\nid = \"q\"\ncompetency = \"lead\"\nprompt = \"Two\"\n"
        );
        let (line, column, field, message) = only_error(&source);
        assert_eq!(
            (line, column, field.as_deref()),
            (15, 6, Some("question[1].id"))
        );
        assert!(message.contains("first used on line 10"), "{message}");
    }

    #[test]
    fn equal_prompts_without_ids_collide() {
        let source = format!(
            "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"Tell me about a failure.\"\n\n[[question]]\ncompetency = \"lead\"\nprompt = \"tell me about a FAILURE\"\n"
        );
        let (line, column, field, message) = only_error(&source);
        assert_eq!(
            (line, column, field.as_deref()),
            (13, 1, Some("question[1].id"))
        );
        assert!(message.contains("derived from the prompt"), "{message}");
    }

    #[test]
    fn undeclared_competency_points_at_the_value() {
        let source =
            format!("{HEADER}\n[[question]]\ncompetency   = \"lead-ership\"\nprompt = \"Why?\"\n");
        let (line, column, field, message) = only_error(&source);
        assert_eq!(
            (line, column, field.as_deref()),
            (10, 16, Some("question[0].competency"))
        );
        assert!(
            message.contains("`lead-ership` is not declared"),
            "{message}"
        );
    }

    #[test]
    fn competencies_may_be_declared_after_their_questions() {
        let source = "[[question]]\ncompetency = \"lead\"\nprompt = \"Why?\"\n\n[bank]\nid = \"b\"\ntitle = \"B\"\n\n[[competency]]\nid = \"lead\"\nname = \"Leading\"\n";
        assert_eq!(parse(source).unwrap().questions.len(), 1);
    }

    #[test]
    fn prompts_and_rubric_items_are_checked_for_content_and_length() {
        let limits = Limits {
            max_questions: 10,
            max_prompt_chars: 10,
            max_rubric_item_chars: 5,
        };
        let source = format!(
            "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \" \"\n\n[[question]]\ncompetency = \"lead\"\nprompt = \"ééééééééééé\"\nrubric = [\"fine\", \"\", \"too long\"]\n"
        );
        let errors = parse_toml(&source, &limits).unwrap_err().0;
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column, e.field.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            [
                (11, 10, "question[0].prompt"),
                (15, 10, "question[1].prompt"),
                (16, 19, "question[1].rubric[1]"),
                (16, 23, "question[1].rubric[2]"),
            ],
            "{errors:#?}"
        );
        assert_eq!(
            errors[1].message,
            "`prompt` is 11 characters long; the limit is 10"
        );
        assert_eq!(
            errors[3].message,
            "`rubric[2]` is 8 characters long; the limit is 5"
        );
        // Exactly at the limit is fine, counted in characters rather than bytes.
        let source = format!(
            "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"éééééééééé\"\nrubric = [\"ééééé\"]\n"
        );
        assert!(parse_toml(&source, &limits).is_ok());
    }

    #[test]
    fn too_many_questions_is_one_error() {
        let limits = Limits {
            max_questions: 2,
            ..Limits::default()
        };
        let mut source = HEADER.to_owned();
        for n in 0..4 {
            source.push_str(&format!(
                "\n[[question]]\ncompetency = \"lead\"\nprompt = \"Question {n}\"\n"
            ));
        }
        let errors = parse_toml(&source, &limits).unwrap_err().0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].field.as_deref(), Some("question"));
        assert_eq!((errors[0].line, errors[0].column), (17, 1));
        assert_eq!(
            errors[0].message,
            "the file has 4 questions; the limit is 2"
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_errors() {
        let source = format!(
            "{HEADER}owner = \"me\"\n\n[[question]]\ncompetency = \"lead\"\nprompt = 42\nrubric = \"one item\"\ntags = [\"ok\", 3]\nanswer = \"x\"\n\n[extra]\n"
        );
        let errors = errors(&source);
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column, e.field.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            [
                (8, 1, "competency[0].owner"),
                (12, 10, "question[0].prompt"),
                (13, 10, "question[0].rubric"),
                (14, 15, "question[0].tags[1]"),
                (15, 1, "question[0].answer"),
                (17, 2, "extra"),
            ],
            "{errors:#?}"
        );
        assert_eq!(
            errors[1].message,
            "`prompt` must be a string, found an integer"
        );
        assert_eq!(
            errors[2].message,
            "`rubric` must be an array of strings, found a string"
        );
        assert!(errors[0]
            .message
            .contains("expected one of: id, name, description"));
    }

    #[test]
    fn sections_of_the_wrong_shape_are_errors() {
        let (line, column, field, message) = only_error("bank = \"core\"\n");
        assert_eq!((line, column, field.as_deref()), (1, 8, Some("bank")));
        assert!(message.contains("found a string"), "{message}");

        let source = "[bank]\nid = \"b\"\ntitle = \"B\"\n[question]\nprompt = \"x\"\n";
        let (line, column, field, message) = only_error(source);
        assert_eq!((line, column, field.as_deref()), (4, 1, Some("question")));
        assert!(message.contains("[[question]]"), "{message}");
    }

    #[test]
    fn all_errors_are_reported_in_file_order() {
        let source = "[bank]\nid = \"Bad Id\"\ntitle = \"\"\n\n[[competency]]\nid = \"lead\"\n\n[[question]]\ncompetency = \"nope\"\nprompt = \"\"\n";
        let errors = errors(source);
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.field.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            found,
            [
                (2, "bank.id".to_owned()),
                (3, "bank.title".to_owned()),
                (5, "competency[0].name".to_owned()),
                (9, "question[0].competency".to_owned()),
                (10, "question[0].prompt".to_owned()),
            ],
            "{errors:#?}"
        );
        let text = BankErrors(errors).to_string();
        assert_eq!(text.lines().count(), 5);
        assert!(
            text.starts_with("2:6: id `Bad Id` must start with"),
            "{text}"
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let errors = errors("[bank]\nid = \"core\ntitle = \"Core\"\n");
        assert_eq!((errors[0].line, errors[0].column), (2, 11), "{errors:#?}");
        assert_eq!(errors[0].field, None);

        let (line, column, _, message) = only_error("[bank]\nid = \"core\"\ntitle = Core\n");
        assert_eq!((line, column), (3, 9));
        assert!(message.contains("quoted"), "{message}");

        let (line, column, _, message) =
            only_error("[bank]\nid = \"core\"\ntitle = \"Core\"\ntitle = \"Again\"\n");
        assert_eq!((line, column), (4, 1));
        assert!(message.contains("duplicate key"), "{message}");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let (line, column, _, _) = only_error("[bank] # ünïcödé\nid = \"é\"\ntitle = \"T\"\n");
        assert_eq!((line, column), (2, 6));
        let (line, column, _, _) = only_error("[bank]\ntitle = \"ü\"\nid = \"ü\"\n");
        assert_eq!((line, column), (3, 6));
    }

    #[test]
    fn error_display_is_line_colon_column() {
        let error = BankError {
            line: 3,
            column: 7,
            field: Some("bank.id".into()),
            message: "bad".into(),
        };
        assert_eq!(error.to_string(), "3:7: bad");
        let both = BankErrors(vec![error.clone(), BankError { line: 4, ..error }]);
        assert_eq!(both.to_string(), "3:7: bad\n4:7: bad");
    }

    #[test]
    fn derived_ids_are_stable() {
        assert_eq!(
            derive_question_id("Tell me about a time you had to deliver bad news to your team."),
            "tell-me-about-a-time-you-had-to-deliver-bad-news-6a239c29"
        );
        assert_eq!(derive_question_id("Why?"), "why-5ec5ea19");
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn derived_ids_ignore_case_punctuation_and_spacing() {
        let id = derive_question_id("Tell me about a time you failed.");
        for same in [
            "tell me about a time you failed",
            "  TELL ME about a time, you failed!!  ",
            "Tell\nme\tabout   a time you... failed?",
        ] {
            assert_eq!(derive_question_id(same), id, "{same}");
        }
        assert_ne!(
            derive_question_id("Tell me about a time you succeeded."),
            id
        );
    }

    #[test]
    fn derived_ids_are_valid_ids() {
        let long = "Describe a situation in which you had to balance the competing priorities of several stakeholders";
        let id = derive_question_id(long);
        assert!(
            id.starts_with("describe-a-situation-in-which-you-had-to-balance-"),
            "{id}"
        );
        assert_eq!(
            id.len(),
            "describe-a-situation-in-which-you-had-to-balance".len() + 9
        );
        let word = "a".repeat(100);
        for prompt in [long, &word, "Über-Qualität?", "你如何处理冲突？", "", "!!!"] {
            let id = derive_question_id(prompt);
            assert_eq!(id_problem(&id), None, "{prompt}: {id}");
            assert!(!id.is_empty());
        }
        assert_ne!(
            derive_question_id("你如何处理冲突？"),
            derive_question_id("你如何激励团队？")
        );
    }

    #[test]
    fn default_bank_is_valid() {
        let source = include_str!("../../../question-bank/management-core.toml");
        let bank = parse(source).unwrap_or_else(|errors| panic!("{errors}"));
        assert!(bank.questions.len() >= 20, "{}", bank.questions.len());
        assert!(bank.competencies.len() >= 6, "{}", bank.competencies.len());
    }

    fn tomlish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("[bank]\n".to_owned()),
            Just("[[competency]]\n".to_owned()),
            Just("[[question]]\n".to_owned()),
            Just("[question]\n".to_owned()),
            Just("id = \"core\"\n".to_owned()),
            Just("id = \"Bad Id\"\n".to_owned()),
            Just("title = \"T\"\n".to_owned()),
            Just("name = \"N\"\n".to_owned()),
            Just("competency = \"core\"\n".to_owned()),
            Just("prompt = \"Why?\"\n".to_owned()),
            Just("prompt = 1\n".to_owned()),
            Just("rubric = [\"a\", \"\", 2, [\"x\"]]\n".to_owned()),
            Just("tags = { a = 1 }\n".to_owned()),
            Just("question = [{ prompt = \"x\" }, 3]\n".to_owned()),
            "[a-z_]{1,8} = \"[^\"\\\\\n]{0,12}\"\n",
            "[\\PC\n]{0,12}",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_text(source in "\\PC*") {
            let _ = parse(&source);
        }

        #[test]
        fn parse_never_panics_on_toml_like_text(source in tomlish()) {
            if let Err(errors) = parse(&source) {
                prop_assert!(!errors.0.is_empty());
                for error in &errors.0 {
                    prop_assert!(error.line >= 1 && error.column >= 1);
                    prop_assert!(error.line <= source.lines().count().max(1) + 1);
                }
            }
        }

        #[test]
        fn derived_ids_always_match_the_id_rule(prompt in "\\PC{0,300}") {
            let id = derive_question_id(&prompt);
            prop_assert_eq!(id_problem(&id), None);
            prop_assert_eq!(derive_question_id(&prompt.to_ascii_uppercase()), id);
        }
    }
}
