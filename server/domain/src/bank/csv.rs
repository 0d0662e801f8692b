//! CSV, TSV and Anki's plain-text export: one question a row. Competencies are the
//! distinct values of the competency (or deck) column in order of first use. Their id is
//! the `competency_id` cell where the file has one, else the slug of the name
//! ([`competency_id`]); rows with the same id are one competency named (and described,
//! by a `competency_description` cell) by the first row that gives a value. A blank
//! name (or no such column) means Anki's `#deck:` or else "General", or the id when one
//! is given. The bank id and title come from [`ParseOptions`].
//!
//! List cells split on `|`; `\|` is a literal `|` and `\\` a literal `\` there (any other
//! backslash is kept as written). Anki text also splits the back (rubric) on line breaks
//! and the tags column on white space, and with `#html:true` reads fields as HTML.
//! The notes of an Anki package are read as such rows ([`read_notes`]).
//!
//! A CSV or TSV cell that starts with `'` followed by `=`, `+`, `-`, `@`, a tab, a
//! carriage return or another such `'`-run loses its first `'`: the export writes that
//! `'` before cells a spreadsheet would run as a formula ([`neutralize_formula`]).

use std::collections::HashMap;

mod anki_header;
mod cells;
mod html;
mod records;

pub(super) use cells::{escape_item, neutralize_formula};
pub(super) use html::html_to_text;

use anki_header::{anki_columns, anki_header, implicit_anki_columns};
use cells::{list_items, restore_formula};
use html::escape_html;
use records::{rows, Cell, Row};

use super::{
    competency_id, options_bank_header, Draft, DraftCompetency, DraftHeader, DraftQuestion, Format,
    LineIndex, ParseOptions, Pos, Problem, Slot, Text,
};

/// A column a bank table can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Column {
    Id,
    Competency,
    CompetencyId,
    CompetencyDescription,
    Prompt,
    Variants,
    FollowUps,
    Rubric,
    RedFlags,
    Tags,
    Level,
}

impl Column {
    /// The columns in the order an export writes them.
    pub(super) const ALL: [Column; 11] = [
        Column::Id,
        Column::Competency,
        Column::Prompt,
        Column::Variants,
        Column::FollowUps,
        Column::Rubric,
        Column::RedFlags,
        Column::Tags,
        Column::Level,
        Column::CompetencyId,
        Column::CompetencyDescription,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Competency => "competency",
            Column::CompetencyId => "competency_id",
            Column::CompetencyDescription => "competency_description",
            Column::Prompt => "prompt",
            Column::Variants => "variants",
            Column::FollowUps => "follow_ups",
            Column::Rubric => "rubric",
            Column::RedFlags => "red_flags",
            Column::Tags => "tags",
            Column::Level => "level",
        }
    }

    /// The column a header names: case, surrounding space and `-`/`_`/space spelling
    /// don't matter, and the usual flash-card names are aliases.
    fn from_header(name: &str) -> Option<Column> {
        let name = name.trim().to_lowercase().replace([' ', '-'], "_");
        match name.as_str() {
            "id" => Some(Column::Id),
            "competency" | "category" | "deck" => Some(Column::Competency),
            "competency_id" | "category_id" | "deck_id" => Some(Column::CompetencyId),
            "competency_description" | "category_description" | "deck_description" => {
                Some(Column::CompetencyDescription)
            }
            "prompt" | "question" | "front" | "text" => Some(Column::Prompt),
            "variants" | "variant" => Some(Column::Variants),
            "follow_ups" | "follow_up" | "followups" => Some(Column::FollowUps),
            "rubric" | "back" | "checklist" => Some(Column::Rubric),
            "red_flags" | "red_flag" | "redflags" => Some(Column::RedFlags),
            "tags" | "tag" => Some(Column::Tags),
            "level" | "levels" => Some(Column::Level),
            _ => None,
        }
    }
}

const COLUMNS_HELP: &str = "the columns are id, competency, prompt, variants, follow_ups, rubric, red_flags, tags, level, competency_id and competency_description (also question, front or text for prompt; back or checklist for rubric; category or deck for competency)";

/// Reads a CSV or TSV file, whose first row names the columns.
pub(super) fn read(
    source: &str,
    format: Format,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> Option<Draft> {
    let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
    let lines = LineIndex::new(source);
    let mut rows = rows(source, 0, delimiter, &lines, problems)?.into_iter();
    let Some(header) = rows.next() else {
        problems.push(Problem::new(
            Pos::START,
            None,
            format!(
                "the file is empty; a {} file starts with a header row such as id,competency,prompt,rubric",
                format.label()
            ),
        ));
        return None;
    };
    let bank = options_bank_header(format, options, problems);
    let columns = header_columns(&header, problems)?;
    let mut builder = Builder::new(Mode::Table);
    for row in rows {
        builder.extra_cells(&row, columns.len(), problems);
        builder.question(&row, &columns);
    }
    Some(builder.finish(bank))
}

/// Reads Anki's plain-text export: `#key:value` header lines, then one note a row.
pub(super) fn read_anki(
    source: &str,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> Option<Draft> {
    let lines = LineIndex::new(source);
    let mut header_problems = Vec::new();
    let (header, body_start) = anki_header(source, &lines, &mut header_problems);
    let named = header
        .columns
        .as_ref()
        .map(|(offset, value)| anki_columns(&header, *offset, value, &lines, &mut header_problems));
    let bank = options_bank_header(Format::AnkiText, options, problems);
    if !header_problems.is_empty() {
        problems.append(&mut header_problems);
        return None;
    }
    let named = named.flatten();
    let rows = rows(source, body_start, header.separator, &lines, problems)?;
    let mut builder = Builder::new(Mode::Anki { html: header.html });
    builder.default_competency = header.deck.clone();
    builder.default_tags = header.tags.clone();
    for row in rows {
        let columns = match &named {
            Some(columns) => {
                builder.extra_cells(&row, columns.len(), problems);
                columns.clone()
            }
            None => implicit_anki_columns(&header, row.cells.len()),
        };
        builder.question(&row, &columns);
    }
    Some(builder.finish(bank))
}

/// One note of an Anki package as the Anki text columns it fills.
pub(super) struct NoteRow {
    /// HTML, as Anki keeps fields.
    pub front: String,
    pub back: String,
    /// Plain text, `Parent::Child`; `None` for a note without cards.
    pub deck: Option<String>,
    /// Separated by white space.
    pub tags: String,
    /// The note's other fields, by name: those named as a column that carries a list
    /// or the id (Red flags, Follow ups, Variants, Level, Id) fill it; the rest are
    /// left out.
    pub other: Vec<(String, String)>,
}

/// Reads the notes of an Anki package as rows of an Anki text file with `#html:true`
/// and the columns front, back, deck and tags: note `n` stands where line `n` would.
pub(super) fn read_notes(
    notes: Vec<NoteRow>,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> Draft {
    let bank = options_bank_header(Format::Apkg, options, problems);
    let mut builder = Builder::new(Mode::Anki { html: true });
    for (index, note) in notes.into_iter().enumerate() {
        let pos = Pos {
            line: index + 1,
            column: 1,
        };
        let cell = |value: String| Cell { value, pos };
        let mut columns = vec![
            Some(Column::Prompt),
            Some(Column::Rubric),
            Some(Column::Competency),
            Some(Column::Tags),
        ];
        // Deck names and tags are plain text: escaped, so the HTML reading keeps them.
        let mut cells = vec![
            cell(note.front),
            cell(note.back),
            cell(escape_html(note.deck.as_deref().unwrap_or_default())),
            cell(escape_html(&note.tags)),
        ];
        for (name, value) in note.other {
            let column = Column::from_header(&name);
            if let Some(
                column @ (Column::Id
                | Column::Variants
                | Column::FollowUps
                | Column::RedFlags
                | Column::Level),
            ) = column
            {
                if !columns.contains(&Some(column)) {
                    columns.push(Some(column));
                    cells.push(cell(value));
                }
            }
        }
        builder.question(&Row { pos, cells }, &columns);
    }
    builder.finish(bank)
}

/// The columns a header row names; `None` when it names them wrongly (reported).
fn header_columns(header: &Row, problems: &mut Vec<Problem>) -> Option<Vec<Option<Column>>> {
    let mut ok = true;
    let mut seen: HashMap<Column, String> = HashMap::new();
    let mut columns = Vec::with_capacity(header.cells.len());
    for (index, cell) in header.cells.iter().enumerate() {
        let name = cell.value.trim();
        let column = Column::from_header(name);
        match column {
            _ if name.is_empty() => {
                ok = false;
                problems.push(Problem::new(
                    cell.pos,
                    None,
                    format!("column {} of the header row has no name", index + 1),
                ));
            }
            Some(column) => {
                if let Some(first) = seen.get(&column) {
                    ok = false;
                    problems.push(Problem::new(
                        cell.pos,
                        None,
                        format!(
                            "column `{name}` repeats `{first}`: both are the {} column",
                            column.name()
                        ),
                    ));
                } else {
                    seen.insert(column, name.to_owned());
                }
            }
            None => {
                ok = false;
                problems.push(Problem::new(
                    cell.pos,
                    None,
                    format!("unknown column `{name}`; {COLUMNS_HELP}"),
                ));
            }
        }
        columns.push(column);
    }
    if !seen.contains_key(&Column::Prompt) {
        ok = false;
        problems.push(Problem::new(
            header.pos,
            None,
            "the header row has no prompt column (also called question, front or text)".to_owned(),
        ));
    }
    ok.then_some(columns)
}

/// How cells become values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Table,
    Anki { html: bool },
}

/// Collects questions and the competencies their cells name.
struct Builder {
    mode: Mode,
    competencies: Vec<DraftCompetency>,
    /// The index in `competencies` of each id declared so far.
    competency_ids: HashMap<String, usize>,
    /// Slugging is the costly part of a row; names repeat from row to row.
    ids_by_name: HashMap<String, String>,
    questions: Vec<DraftQuestion>,
    default_competency: Option<Text>,
    default_tags: Vec<Text>,
}

impl Builder {
    fn new(mode: Mode) -> Self {
        Builder {
            mode,
            competencies: Vec::new(),
            competency_ids: HashMap::new(),
            ids_by_name: HashMap::new(),
            questions: Vec::new(),
            default_competency: None,
            default_tags: Vec::new(),
        }
    }

    fn extra_cells(&self, row: &Row, width: usize, problems: &mut Vec<Problem>) {
        if let Some(extra) = row.cells[width.min(row.cells.len())..]
            .iter()
            .find(|cell| !cell.value.trim().is_empty())
        {
            problems.push(Problem::new(
                extra.pos,
                Some(format!("question[{}]", self.questions.len())),
                format!(
                    "this row has {} cells but the header names {width} columns",
                    row.cells.len()
                ),
            ));
        }
    }

    fn question(&mut self, row: &Row, columns: &[Option<Column>]) {
        let index = self.questions.len();
        let mut question = DraftQuestion::new(row.pos, format!("question[{index}]"));
        let mut competency = None;
        let mut competency_id = None;
        let mut competency_description = None;
        question.prompt = Slot::Given(Text::new("", row.pos));
        for (cell, column) in row.cells.iter().zip(columns) {
            let Some(column) = column else { continue };
            let text = match self.mode {
                Mode::Anki { html: true } => Text::new(html_to_text(&cell.value), cell.pos),
                Mode::Anki { html: false } => Text::new(cell.value.as_str(), cell.pos),
                Mode::Table => Text::new(restore_formula(&cell.value), cell.pos),
            };
            let anki = matches!(self.mode, Mode::Anki { .. });
            match column {
                Column::Id if text.value.trim().is_empty() => {}
                Column::Id => question.id = Slot::Given(text),
                Column::Competency => competency = Some(text),
                Column::CompetencyId => competency_id = Some(text),
                Column::CompetencyDescription => competency_description = Some(text),
                Column::Prompt => question.prompt = Slot::Given(text),
                Column::Variants => question.variants = list_items(&text, false),
                Column::FollowUps => question.follow_ups = list_items(&text, false),
                Column::Rubric => question.rubric = list_items(&text, anki),
                Column::RedFlags => question.red_flags = list_items(&text, false),
                Column::Tags if anki => {
                    question.tags = text
                        .value
                        .split_whitespace()
                        .map(|tag| Some(Text::new(tag, text.pos)))
                        .collect();
                }
                Column::Tags => question.tags = list_items(&text, false),
                Column::Level => question.level = list_items(&text, false),
            }
        }
        question
            .tags
            .extend(self.default_tags.iter().cloned().map(Some));
        question.competency =
            Slot::Given(self.competency(competency, competency_id, competency_description));
        self.questions.push(question);
    }

    /// The id of the competency a row names, declaring it on first use: the id cell
    /// where it is not blank, else the slug of the name. A blank or missing name means
    /// the id, else the file's `#deck:`, else "General".
    fn competency(
        &mut self,
        name: Option<Text>,
        id: Option<Text>,
        description: Option<Text>,
    ) -> Text {
        let not_blank = |text: &Text| !text.value.trim().is_empty();
        let id = id.filter(not_blank);
        let name = name.filter(not_blank).or_else(|| {
            if id.is_some() {
                None
            } else {
                self.default_competency.clone().filter(not_blank)
            }
        });
        let (id, name) = match (id, name) {
            (Some(id), Some(name)) => (id, name),
            (Some(id), None) => (id.clone(), id),
            (None, name) => {
                let name = name.unwrap_or_else(|| Text::new("General", Pos::START));
                let id = match self.ids_by_name.get(&name.value) {
                    Some(id) => id.clone(),
                    None => {
                        let id = competency_id(&name.value);
                        self.ids_by_name.insert(name.value.clone(), id.clone());
                        id
                    }
                };
                (Text::new(id, name.pos), name)
            }
        };
        let description = description.filter(not_blank);
        let key = id.value.trim().to_owned();
        match self.competency_ids.get(&key) {
            Some(&index) => {
                // The first row that describes the competency describes it.
                let declared = &mut self.competencies[index];
                if let (Slot::Missing, Some(description)) = (&declared.description, description) {
                    declared.description = Slot::Given(description);
                }
            }
            None => {
                self.competency_ids.insert(key, self.competencies.len());
                self.competencies.push(DraftCompetency {
                    pos: name.pos,
                    path: format!("competency[{}]", self.competencies.len()),
                    id: Slot::Given(id.clone()),
                    name: Slot::Given(name),
                    description: description.map_or(Slot::Missing, Slot::Given),
                });
            }
        }
        Text::new(id.value.trim(), id.pos)
    }

    fn finish(self, bank: DraftHeader) -> Draft {
        Draft {
            bank: Some(bank),
            competencies: self.competencies,
            questions: self.questions,
            questions_field: "question",
            declare_hint: "",
        }
    }
}

#[cfg(test)]
mod tests;
