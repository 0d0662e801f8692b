//! The one validation every format goes through: a draft to a bank, each problem
//! reported with its position and field, in words people use.

use std::collections::{BTreeSet, HashMap};

use super::draft::{Draft, DraftCompetency, DraftHeader, DraftQuestion, Pos, Problem, Slot, Text};
use super::ids::{derive_question_id, id_problem};
use super::parse::unify_line_breaks;
use super::{Bank, Competency, Limits, Question};

/// An entry's field path as people say it: `question[3]` → "question 4", `bank` →
/// "the bank".
pub(super) fn describe_entry(path: &str) -> String {
    if path == "bank" {
        return "the bank".to_owned();
    }
    match split_index(path) {
        Some((name, index)) => {
            let name = match name {
                "questions" => "question",
                "competencies" => "competency",
                other => other,
            };
            format!("{name} {}", index + 1)
        }
        None => path.to_owned(),
    }
}

/// A field's key as people say it: `prompt` → "the prompt", `rubric[0]` → "rubric item 1".
pub(super) fn describe_key(key: &str) -> String {
    match split_index(key) {
        Some((name, index)) => {
            let name = match name {
                "rubric" => "rubric item",
                "red_flags" => "red flag",
                "variants" => "variant",
                "follow_ups" => "follow-up",
                "tags" => "tag",
                other => other,
            };
            format!("{name} {}", index + 1)
        }
        None => format!("the {key}"),
    }
}

/// `name[3]` → (`name`, 3).
fn split_index(path: &str) -> Option<(&str, usize)> {
    let (name, rest) = path.split_once('[')?;
    let index = rest.strip_suffix(']')?.parse().ok()?;
    Some((name, index))
}

/// Applies the rules every format shares; `None` when a problem leaves no bank.
pub(super) fn validate(draft: Draft, limits: &Limits, problems: &mut Vec<Problem>) -> Option<Bank> {
    let mut validator = Validator { limits, problems };
    let header = draft.bank.map(|header| validator.header(header));
    let competencies = validator.competencies(draft.competencies);
    let questions = validator.questions(
        draft.questions,
        &competencies,
        draft.questions_field,
        draft.declare_hint,
    );
    let (id, title, description) = header??;
    Some(Bank {
        id,
        title,
        description,
        competencies,
        questions,
    })
}

/// Line breaks as `\n` and no white space around: how every text value is stored.
/// A `\r` written as an escape (`"a\rb"` in TOML, JSON or YAML) is a line break too, so
/// every format stores the same text.
fn clean(text: Text) -> Text {
    let value = if text.value.contains('\r') {
        unify_line_breaks(&text.value).into_owned()
    } else {
        text.value
    };
    let trimmed = value.trim();
    Text {
        value: if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        },
        pos: text.pos,
    }
}

struct Validator<'a> {
    limits: &'a Limits,
    problems: &'a mut Vec<Problem>,
}

impl Validator<'_> {
    fn report(&mut self, pos: Pos, field: String, message: String) {
        self.problems.push(Problem::new(pos, Some(field), message));
    }

    fn header(&mut self, header: DraftHeader) -> Option<(String, String, String)> {
        let id = self
            .required("bank", header.pos, "id", header.id)
            .map(|id| self.checked_id("bank.id", id));
        let title = self.required("bank", header.pos, "title", header.title);
        if let Some(title) = &title {
            self.not_empty("bank.title", "title", title);
        }
        let description = self.optional(header.description);
        Some((
            id?.value,
            title?.value,
            description.map(|text| text.value).unwrap_or_default(),
        ))
    }

    fn competencies(&mut self, drafts: Vec<DraftCompetency>) -> Vec<Competency> {
        let mut first_seen = HashMap::new();
        let mut competencies = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let path = draft.path;
            let id = self
                .required(&path, draft.pos, "id", draft.id)
                .map(|id| self.checked_id(&format!("{path}.id"), id));
            if let Some(id) = &id {
                self.unique(&path, id, true, "competency", &mut first_seen);
            }
            let name = self.required(&path, draft.pos, "name", draft.name);
            if let Some(name) = &name {
                self.not_empty(&format!("{path}.name"), "name", name);
            }
            let description = self.optional(draft.description);
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
        mut drafts: Vec<DraftQuestion>,
        competencies: &[Competency],
        questions_field: &str,
        declare_hint: &str,
    ) -> Vec<Question> {
        if let Some(first_extra) = drafts.get(self.limits.max_questions) {
            self.report(
                first_extra.pos,
                questions_field.to_owned(),
                format!(
                    "the file has {} questions; the limit is {}",
                    drafts.len(),
                    self.limits.max_questions
                ),
            );
            // The file is rejected already; checking thousands more questions would
            // only cost time.
            drafts.truncate(self.limits.max_questions);
        }
        let declared: BTreeSet<&str> = competencies.iter().map(|c| c.id.as_str()).collect();
        let mut first_seen = HashMap::new();
        let mut questions = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let path = draft.path;
            let prompt = self.required(&path, draft.pos, "prompt", draft.prompt);
            if let Some(prompt) = &prompt {
                let field = format!("{path}.prompt");
                if self.not_empty(&field, "prompt", prompt) {
                    self.within(&field, "prompt", prompt, self.limits.max_prompt_chars);
                }
            }
            let (id, given) = match draft.id {
                Slot::Given(id) => (
                    Some(self.checked_id(&format!("{path}.id"), clean(id))),
                    true,
                ),
                Slot::Invalid => (None, true),
                Slot::Missing => (
                    prompt
                        .as_ref()
                        .filter(|prompt| !prompt.value.is_empty())
                        .map(|prompt| Text::new(derive_question_id(&prompt.value), draft.pos)),
                    false,
                ),
            };
            if let Some(id) = &id {
                self.unique(&path, id, given, "question", &mut first_seen);
            }
            let competency = self.required(&path, draft.pos, "competency", draft.competency);
            if let Some(competency) = &competency {
                if !declared.contains(competency.value.as_str()) {
                    self.report(
                        competency.pos,
                        format!("{path}.competency"),
                        format!(
                            "competency `{}` is not declared; {declare_hint}",
                            competency.value
                        ),
                    );
                }
            }
            let prompt_chars = Some(self.limits.max_prompt_chars);
            let rubric_chars = Some(self.limits.max_rubric_item_chars);
            let variants = self.list(&path, "variants", draft.variants, prompt_chars);
            let follow_ups = self.list(&path, "follow_ups", draft.follow_ups, prompt_chars);
            let rubric = self.list(&path, "rubric", draft.rubric, rubric_chars);
            let red_flags = self.list(&path, "red_flags", draft.red_flags, rubric_chars);
            let tags = self.list(&path, "tags", draft.tags, None);
            let level = self.list(&path, "level", draft.level, None);
            if let (Some(id), Some(competency), Some(prompt)) = (id, competency, prompt) {
                questions.push(Question {
                    id: id.value,
                    competency: competency.value,
                    prompt: prompt.value,
                    variants,
                    follow_ups,
                    rubric,
                    red_flags,
                    tags,
                    level,
                });
            }
        }
        questions
    }

    fn required(&mut self, path: &str, entry: Pos, key: &str, slot: Slot) -> Option<Text> {
        match slot {
            Slot::Given(text) => Some(clean(text)),
            Slot::Invalid => None,
            Slot::Missing => {
                self.report(
                    entry,
                    format!("{path}.{key}"),
                    format!("{} has no `{key}`", describe_entry(path)),
                );
                None
            }
        }
    }

    fn optional(&mut self, slot: Slot) -> Option<Text> {
        match slot {
            Slot::Given(text) => Some(clean(text)),
            Slot::Missing | Slot::Invalid => None,
        }
    }

    /// An id, reported if it breaks the id rule; kept either way so later checks still run.
    fn checked_id(&mut self, field: &str, id: Text) -> Text {
        let problem = if id.value.is_empty() {
            Some("the id is empty".to_owned())
        } else {
            id_problem(&id.value)
        };
        if let Some(message) = problem {
            self.report(id.pos, field.to_owned(), message);
        }
        id
    }

    fn unique(
        &mut self,
        path: &str,
        id: &Text,
        given: bool,
        kind: &str,
        first_seen: &mut HashMap<String, Pos>,
    ) {
        if id.value.is_empty() {
            return;
        }
        match first_seen.get(&id.value) {
            Some(first) => {
                let derived = if given {
                    ""
                } else {
                    " (derived from the prompt; give one of them an explicit id)"
                };
                let message = format!(
                    "duplicate {kind} id `{}`{derived}; first used on line {}",
                    id.value, first.line
                );
                self.report(id.pos, format!("{path}.id"), message);
            }
            None => {
                first_seen.insert(id.value.clone(), id.pos);
            }
        }
    }

    /// Reports an empty string; true when the string has content.
    fn not_empty(&mut self, field: &str, key: &str, text: &Text) -> bool {
        if text.value.is_empty() {
            self.report(
                text.pos,
                field.to_owned(),
                format!("{} is empty", describe_key(key)),
            );
            return false;
        }
        true
    }

    fn within(&mut self, field: &str, key: &str, text: &Text, max_chars: usize) {
        let length = text.value.chars().count();
        if length > max_chars {
            self.report(
                text.pos,
                field.to_owned(),
                format!(
                    "{} is {length} characters long; the limit is {max_chars}",
                    describe_key(key)
                ),
            );
        }
    }

    /// Non-empty trimmed strings, each within `max_chars` when given.
    fn list(
        &mut self,
        path: &str,
        key: &str,
        items: Vec<Option<Text>>,
        max_chars: Option<usize>,
    ) -> Vec<String> {
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let Some(item) = item else { continue };
            let item = clean(item);
            let name = format!("{key}[{index}]");
            let field = format!("{path}.{name}");
            if self.not_empty(&field, &name, &item) {
                if let Some(max_chars) = max_chars {
                    self.within(&field, &name, &item, max_chars);
                }
            }
            strings.push(item.value);
        }
        strings
    }
}
