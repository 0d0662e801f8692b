//! Markdown bank files, read line by line: optional front matter (`id`, `title`,
//! `description`), `## ` competencies, `### ` questions, and under a question `- ` rubric
//! items, `> ` follow-ups and `Tags:`, `Level:`, `Variant:` and `Red flag:` lines (a
//! variant or a red flag one a line, as a follow-up is). A trailing `{#id}`
//! on a heading sets its id; plain text under the title or a competency describes it.
//! A `## ` heading that repeats an earlier one (same name and id) continues that
//! competency, so questions can keep any order.
//!
//! A backslash before ASCII punctuation stands for the character itself, as in
//! CommonMark: the export escapes what a Markdown renderer would read as markup or HTML
//! ([`escape_inline`]), and the reader removes those escapes from every value.

mod escape;
mod front_matter;

pub(super) use escape::{escape_inline, escape_text_line};

use escape::unescape;
use front_matter::{front_matter, FrontMatter};

use super::{
    competency_id, options_bank_id, options_title, Draft, DraftCompetency, DraftHeader,
    DraftQuestion, Format, ParseOptions, Pos, Problem, Slot, Text,
};

pub(super) fn read(
    source: &str,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> Option<Draft> {
    let lines: Vec<&str> = source
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    let (front, body_start) = front_matter(&lines, problems)?;
    let mut reader = Reader::default();
    for (index, line) in lines.iter().enumerate().skip(body_start) {
        reader.line(index + 1, line, problems);
    }
    Some(reader.finish(front, options, problems))
}

/// The 1-based character column of a byte offset in a line.
fn column(line: &str, byte: usize) -> usize {
    line.get(..byte).map_or(0, |before| before.chars().count()) + 1
}

/// Where the lines being read belong.
#[derive(Default, PartialEq, Eq)]
enum Context {
    /// Before the first competency: text describes the bank.
    #[default]
    Bank,
    /// Under a `## ` heading, before its first question: text describes the competency.
    Competency,
    Question,
    /// Under a `### ` heading that has no competency (reported once, its lines skipped).
    Orphan,
}

/// Text lines collected as a description, keeping blank lines between them.
#[derive(Default)]
struct Description {
    start: Option<Pos>,
    lines: Vec<String>,
    blanks: Vec<String>,
}

impl Description {
    fn text(&mut self, pos: Pos, line: String) {
        if self.start.is_none() {
            self.start = Some(pos);
        }
        self.lines.append(&mut self.blanks);
        self.lines.push(line);
    }

    fn blank(&mut self, line: &str) {
        if self.start.is_some() {
            self.blanks.push(line.to_owned());
        }
    }

    fn into_slot(self) -> Slot {
        match self.start {
            Some(pos) => Slot::Given(Text::new(self.lines.join("\n"), pos)),
            None => Slot::Missing,
        }
    }
}

#[derive(Default)]
struct Reader {
    context: Context,
    /// The index in `competencies` of the competency being read.
    current: usize,
    in_comment: bool,
    title: Option<Text>,
    title_id: Option<Text>,
    bank_description: Description,
    competencies: Vec<(DraftCompetency, Description)>,
    questions: Vec<DraftQuestion>,
}

impl Reader {
    fn line(&mut self, number: usize, line: &str, problems: &mut Vec<Problem>) {
        if self.in_comment {
            self.in_comment = !line.contains("-->");
            return;
        }
        let content = line.trim_start();
        let indent = line.len() - content.len();
        let at = |offset: usize| Pos {
            line: number,
            column: column(line, indent + offset),
        };
        if content.trim_end().is_empty() {
            match self.context {
                Context::Bank => self.bank_description.blank(line),
                Context::Competency => {
                    if let Some((_, description)) = self.competencies.get_mut(self.current) {
                        description.blank(line);
                    }
                }
                Context::Question | Context::Orphan => {}
            }
            return;
        }
        if let Some(comment) = content.strip_prefix("<!--") {
            self.in_comment = !comment.contains("-->");
            return;
        }
        if let Some((level, offset)) = heading(content) {
            self.heading(
                level,
                content[offset..].trim_end(),
                at(offset),
                at(0),
                problems,
            );
            return;
        }
        if is_thematic_break(content) {
            return;
        }
        let question_line = question_line(content);
        match (&self.context, question_line) {
            (Context::Orphan, _) => {}
            (Context::Question, Some((kind, offset))) => {
                let value = &content[offset..];
                self.question_line(kind, value, at(offset));
            }
            (Context::Question, None) => problems.push(Problem::new(
                at(0),
                None,
                "unexpected text under a question; use `- ` for rubric items, `> ` for follow-ups, and `Tags:`, `Level:`, `Variant:` or `Red flag:` lines"
                    .to_owned(),
            )),
            (Context::Bank | Context::Competency, Some((LineKind::Rubric, _))) => {
                problems.push(Problem::new(
                    at(0),
                    None,
                    "a `- ` rubric item belongs under a `### ` question heading".to_owned(),
                ));
            }
            (Context::Bank | Context::Competency, Some((LineKind::FollowUp, _))) => {
                problems.push(Problem::new(
                    at(0),
                    None,
                    "a `> ` follow-up belongs under a `### ` question heading".to_owned(),
                ));
            }
            // `Tags:` and the like mean nothing outside a question: plain text there.
            (Context::Bank, _) => self.bank_description.text(at(0), unescape(line)),
            (Context::Competency, _) => {
                if let Some((_, description)) = self.competencies.get_mut(self.current) {
                    description.text(at(0), unescape(line));
                }
            }
        }
    }

    fn heading(
        &mut self,
        level: usize,
        text: &str,
        text_pos: Pos,
        line_pos: Pos,
        problems: &mut Vec<Problem>,
    ) {
        let (name, id) = split_id(text);
        let id = id.map(|(id, offset)| {
            Text::new(
                id,
                Pos {
                    column: text_pos.column + text[..offset].chars().count(),
                    ..text_pos
                },
            )
        });
        let name = Text::new(unescape(name), text_pos);
        match level {
            1 if !self.competencies.is_empty() => problems.push(Problem::new(
                line_pos,
                None,
                "the `# ` title heading must come before the first `## ` competency".to_owned(),
            )),
            1 if self.title.is_some() => problems.push(Problem::new(
                line_pos,
                None,
                "a bank file has one `# ` title heading; this is a second one".to_owned(),
            )),
            1 => {
                self.title = Some(name);
                self.title_id = id;
            }
            2 => {
                let id = id.unwrap_or_else(|| Text::new(competency_id(&name.value), name.pos));
                self.context = Context::Competency;
                let same = |given: &Slot, value: &str| {
                    matches!(given, Slot::Given(text) if text.value.trim() == value.trim())
                };
                let earlier = self.competencies.iter().position(|(competency, _)| {
                    same(&competency.id, &id.value) && same(&competency.name, &name.value)
                });
                if let Some(earlier) = earlier {
                    self.current = earlier;
                    return;
                }
                self.current = self.competencies.len();
                let competency = DraftCompetency {
                    pos: line_pos,
                    path: format!("competency[{}]", self.competencies.len()),
                    id: Slot::Given(id),
                    name: Slot::Given(name),
                    description: Slot::Missing,
                };
                self.competencies.push((competency, Description::default()));
            }
            3 => {
                let Some((competency, _)) = self.competencies.get(self.current) else {
                    problems.push(Problem::new(
                        line_pos,
                        None,
                        "this `### ` question comes before any `## ` competency heading; questions belong to a competency"
                            .to_owned(),
                    ));
                    self.context = Context::Orphan;
                    return;
                };
                let Slot::Given(competency_id) = &competency.id else {
                    return;
                };
                let mut question =
                    DraftQuestion::new(line_pos, format!("question[{}]", self.questions.len()));
                question.competency = Slot::Given(competency_id.clone());
                question.prompt = Slot::Given(name);
                question.id = id.map_or(Slot::Missing, Slot::Given);
                self.questions.push(question);
                self.context = Context::Question;
            }
            _ => problems.push(Problem::new(
                line_pos,
                None,
                "only `# ` (title), `## ` (competency) and `### ` (question) headings have a meaning in a bank file"
                    .to_owned(),
            )),
        }
    }

    fn question_line(&mut self, kind: LineKind, value: &str, pos: Pos) {
        let Some(question) = self.questions.last_mut() else {
            return;
        };
        let item = || Some(Text::new(unescape(value), pos));
        match kind {
            LineKind::Rubric => question.rubric.push(item()),
            LineKind::FollowUp => question.follow_ups.push(item()),
            LineKind::Variant => question.variants.push(item()),
            LineKind::RedFlag => question.red_flags.push(item()),
            LineKind::Tags => question.tags.extend(words(value, pos)),
            LineKind::Level => question.level.extend(words(value, pos)),
        }
    }

    fn finish(
        self,
        front: FrontMatter,
        options: &ParseOptions,
        problems: &mut Vec<Problem>,
    ) -> Draft {
        let id = match front.id.or(self.title_id) {
            Some(id) => Slot::Given(id),
            None => options_bank_id(Format::Markdown, options, problems),
        };
        let title = match front.title.or(self.title) {
            Some(title) => Slot::Given(title),
            None => options_title(options, &id),
        };
        let description = match (front.description, self.bank_description.start) {
            (Some(description), Some(text)) => {
                problems.push(Problem::new(
                    text,
                    Some("bank.description".to_owned()),
                    "the bank's description is already given in the front matter".to_owned(),
                ));
                Slot::Given(description)
            }
            (Some(description), None) => Slot::Given(description),
            (None, _) => self.bank_description.into_slot(),
        };
        let competencies = self
            .competencies
            .into_iter()
            .map(|(mut competency, description)| {
                competency.description = description.into_slot();
                competency
            })
            .collect();
        Draft {
            bank: Some(DraftHeader {
                pos: Pos::START,
                id,
                title,
                description,
            }),
            competencies,
            questions: self.questions,
            questions_field: "question",
            declare_hint: "",
        }
    }
}

/// A heading's level and where its text starts: `#`s followed by a space or nothing.
fn heading(content: &str) -> Option<(usize, usize)> {
    let level = content.bytes().take_while(|&byte| byte == b'#').count();
    let rest = &content[level..];
    if level == 0 || level > 6 || !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((level, content.len() - rest.trim_start().len()))
}

/// A heading's text without its trailing `{#id}`, and the id with its byte offset; or,
/// without an id, without the optional closing `#`s.
fn split_id(text: &str) -> (&str, Option<(&str, usize)>) {
    if let Some(open) = text.strip_suffix('}').and_then(|inner| inner.rfind("{#")) {
        let id = &text[open + 2..text.len() - 1];
        // `\{#x\}` is text that looks like an id, escaped.
        let backslashes = text[..open].len() - text[..open].trim_end_matches('\\').len();
        if !id.is_empty()
            && backslashes % 2 == 0
            && !id.contains(|c: char| c.is_whitespace() || matches!(c, '{' | '}' | '\\'))
        {
            return (text[..open].trim_end(), Some((id, open + 2)));
        }
    }
    let without = text.trim_end_matches('#');
    if without.len() == text.len() {
        (text, None)
    } else if without.is_empty() {
        ("", None)
    } else if without.ends_with([' ', '\t']) {
        (without.trim_end(), None)
    } else {
        (text, None)
    }
}

/// `---`, `***`, `___` and the like, with optional spaces: a rule, which means nothing.
fn is_thematic_break(content: &str) -> bool {
    let marks: Vec<char> = content.chars().filter(|c| !c.is_whitespace()).collect();
    marks.len() >= 3 && matches!(marks[0], '-' | '*' | '_') && marks.iter().all(|&c| c == marks[0])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    Rubric,
    FollowUp,
    Variant,
    RedFlag,
    Tags,
    Level,
}

/// What a line under a question is, and where its value starts.
fn question_line(content: &str) -> Option<(LineKind, usize)> {
    if let Some(rest) = content.strip_prefix(['-', '*', '+']) {
        if rest.is_empty() {
            return Some((LineKind::Rubric, 1));
        }
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let mut offset = content.len() - rest.trim_start().len();
        let item = &content[offset..];
        for check_box in ["[ ]", "[x]", "[X]"] {
            if let Some(after) = item.strip_prefix(check_box) {
                if after.is_empty() || after.starts_with([' ', '\t']) {
                    offset += check_box.len() + (after.len() - after.trim_start().len());
                }
                break;
            }
        }
        return Some((LineKind::Rubric, offset));
    }
    if let Some(rest) = content.strip_prefix('>') {
        let offset = 1 + usize::from(rest.starts_with([' ', '\t']));
        return Some((LineKind::FollowUp, offset));
    }
    let (key, value) = content.split_once(':')?;
    let kind = match key.trim_end().to_lowercase().as_str() {
        "tags" | "tag" => LineKind::Tags,
        "level" | "levels" => LineKind::Level,
        "variant" | "variants" => LineKind::Variant,
        "red flag" | "red flags" | "red_flag" | "red_flags" => LineKind::RedFlag,
        _ => return None,
    };
    Some((
        kind,
        key.len() + 1 + (value.len() - value.trim_start().len()),
    ))
}

/// The words of a `Tags:` or `Level:` line: separated by commas where there is one,
/// else by white space.
fn words(value: &str, pos: Pos) -> Vec<Option<Text>> {
    let words: Vec<&str> = if value.contains(',') {
        value.split(',').collect()
    } else {
        value.split_whitespace().collect()
    };
    words
        .into_iter()
        .map(str::trim)
        .filter(|word| !word.is_empty())
        .map(|word| Some(Text::new(unescape(word), pos)))
        .collect()
}

#[cfg(test)]
mod tests;
