//! What a format's reader makes of a file before validation: the positioned draft,
//! its values and fields, and the problems found, with line and column.

use super::{BankError, BankErrors};

/// A 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Pos {
    pub(super) const START: Pos = Pos { line: 1, column: 1 };
}

/// A problem found while reading or validating, before it becomes a [`BankError`].
#[derive(Debug)]
pub(super) struct Problem {
    pos: Pos,
    field: Option<String>,
    message: String,
}

impl Problem {
    pub(super) fn new(pos: Pos, field: Option<String>, message: String) -> Self {
        Problem {
            pos,
            field,
            message,
        }
    }
}

/// The problems sorted by position; problems at one position keep the order found.
pub(super) fn into_errors(mut problems: Vec<Problem>) -> BankErrors {
    problems.sort_by_key(|problem| problem.pos);
    BankErrors(
        problems
            .into_iter()
            .map(|problem| BankError {
                line: problem.pos.line,
                column: problem.pos.column,
                field: problem.field,
                message: problem.message,
                excerpt: None,
            })
            .collect(),
    )
}

/// Byte offsets of line starts, to turn byte offsets into line and column.
pub(super) struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineIndex { source, starts }
    }

    /// The line and character column of a byte offset.
    pub(super) fn position(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.source.len());
        while !self.source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        Pos {
            line,
            column: self.source[start..offset].chars().count() + 1,
        }
    }

    /// The position of a 1-based line and 1-based byte column, as some parsers report.
    pub(super) fn position_of_byte_column(&self, line: usize, byte_column: usize) -> Pos {
        match self.starts.get(line.saturating_sub(1)) {
            Some(&start) if line > 0 => self.position(start + byte_column.saturating_sub(1)),
            _ => Pos::START,
        }
    }
}

/// A string value of a file with where it was written.
#[derive(Clone, Debug)]
pub(super) struct Text {
    pub(super) value: String,
    pub(super) pos: Pos,
}

impl Text {
    pub(super) fn new(value: impl Into<String>, pos: Pos) -> Self {
        Text {
            value: value.into(),
            pos,
        }
    }
}

/// A field as a format reader found it.
#[derive(Debug)]
pub(super) enum Slot {
    /// Not written: validation reports it if the field is required.
    Missing,
    /// Written wrongly, which the reader already reported.
    Invalid,
    Given(Text),
}

/// A bank as read from a file, with positions, before validation.
#[derive(Debug)]
pub(super) struct Draft {
    /// `None` when the reader already reported that the bank header is missing.
    pub(super) bank: Option<DraftHeader>,
    pub(super) competencies: Vec<DraftCompetency>,
    pub(super) questions: Vec<DraftQuestion>,
    /// The field path of the question list, for the question-count error.
    pub(super) questions_field: &'static str,
    /// How to declare a competency in this format, for the undeclared-competency error.
    pub(super) declare_hint: &'static str,
}

#[derive(Debug)]
pub(super) struct DraftHeader {
    pub(super) pos: Pos,
    pub(super) id: Slot,
    pub(super) title: Slot,
    pub(super) description: Slot,
}

#[derive(Debug)]
pub(super) struct DraftCompetency {
    /// Where the entry starts, for its missing fields.
    pub(super) pos: Pos,
    /// The field path of the entry, e.g. `competency[2]`.
    pub(super) path: String,
    pub(super) id: Slot,
    pub(super) name: Slot,
    pub(super) description: Slot,
}

#[derive(Debug)]
pub(super) struct DraftQuestion {
    pub(super) pos: Pos,
    pub(super) path: String,
    /// `Missing` derives the id from the prompt.
    pub(super) id: Slot,
    pub(super) competency: Slot,
    pub(super) prompt: Slot,
    /// Items the reader rejected are `None`, keeping the others' indexes.
    pub(super) variants: Vec<Option<Text>>,
    pub(super) follow_ups: Vec<Option<Text>>,
    pub(super) rubric: Vec<Option<Text>>,
    pub(super) red_flags: Vec<Option<Text>>,
    pub(super) tags: Vec<Option<Text>>,
    pub(super) level: Vec<Option<Text>>,
}

impl DraftQuestion {
    pub(super) fn new(pos: Pos, path: String) -> Self {
        DraftQuestion {
            pos,
            path,
            id: Slot::Missing,
            competency: Slot::Missing,
            prompt: Slot::Missing,
            variants: Vec::new(),
            follow_ups: Vec::new(),
            rubric: Vec::new(),
            red_flags: Vec::new(),
            tags: Vec::new(),
            level: Vec::new(),
        }
    }
}
