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

/// What the `#` header lines of an Anki text file say.
struct AnkiHeader {
    separator: u8,
    html: bool,
    /// The `#columns:` value and the byte offset where it starts.
    columns: Option<(usize, String)>,
    tags_column: Option<(usize, Pos)>,
    deck_column: Option<(usize, Pos)>,
    ignored_columns: Vec<(usize, Pos)>,
    deck: Option<Text>,
    tags: Vec<Text>,
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

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

fn anki_header(
    source: &str,
    lines: &LineIndex<'_>,
    problems: &mut Vec<Problem>,
) -> (AnkiHeader, usize) {
    let mut header = AnkiHeader {
        separator: b'\t',
        html: false,
        columns: None,
        tags_column: None,
        deck_column: None,
        ignored_columns: Vec::new(),
        deck: None,
        tags: Vec::new(),
    };
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let Some(content) = line.strip_prefix('#') else {
            break;
        };
        let line_start = offset;
        offset += line.len();
        let content = content.trim_end_matches(['\n', '\r']);
        let pos = lines.position(line_start);
        let Some((key, value)) = content.split_once(':') else {
            problems.push(Problem::new(
                pos,
                None,
                format!("a header line is written `#key:value`, found `#{content}`"),
            ));
            continue;
        };
        let value_offset = line_start + 1 + key.len() + 1;
        let value_pos = lines.position(value_offset);
        let number = |problems: &mut Vec<Problem>| match value.trim().parse::<usize>() {
            Ok(number) if number >= 1 => Some((number, value_pos)),
            _ => {
                problems.push(Problem::new(
                    value_pos,
                    None,
                    format!("`#{key}:` takes a column number from 1, found `{value}`"),
                ));
                None
            }
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "separator" => match separator(value) {
                Some(separator) => header.separator = separator,
                None => problems.push(Problem::new(
                    value_pos,
                    None,
                    format!(
                        "unknown separator `{value}`; use tab, comma, semicolon, pipe, space or a single character"
                    ),
                )),
            },
            "html" => match value.trim().to_ascii_lowercase().as_str() {
                "true" => header.html = true,
                "false" => header.html = false,
                _ => problems.push(Problem::new(
                    value_pos,
                    None,
                    format!("`#html:` is true or false, found `{value}`"),
                )),
            },
            "columns" => header.columns = Some((value_offset, value.to_owned())),
            "tags column" => header.tags_column = number(problems),
            "deck column" => header.deck_column = number(problems),
            "guid column" | "notetype column" => {
                header.ignored_columns.extend(number(problems));
            }
            "deck" => header.deck = Some(Text::new(value.trim(), value_pos)),
            "tags" => {
                header.tags = value
                    .split_whitespace()
                    .map(|tag| Text::new(tag, value_pos))
                    .collect();
            }
            "notetype" | "if matches" => {}
            _ => problems.push(Problem::new(
                pos,
                None,
                format!(
                    "unknown header `#{key}:`; Anki text files may have #separator:, #html:, #columns:, #tags column:, #deck column:, #deck:, #tags:, #notetype:, #notetype column: and #guid column:"
                ),
            )),
        }
    }
    (header, offset)
}

fn separator(value: &str) -> Option<u8> {
    let byte = match value.trim().to_ascii_lowercase().as_str() {
        "tab" | "\\t" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        "space" => b' ',
        "colon" => b':',
        "" if value.contains('\t') => b'\t',
        "" if value.contains(' ') => b' ',
        other if other.len() == 1 => other.as_bytes()[0],
        _ => return None,
    };
    (!matches!(byte, b'"' | b'\n' | b'\r' | b'#')).then_some(byte)
}

/// The columns `#columns:` names, with the numbered special columns applied; `None`
/// when they are unusable (reported).
fn anki_columns(
    header: &AnkiHeader,
    offset: usize,
    value: &str,
    lines: &LineIndex<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Option<Column>>> {
    let mut ok = true;
    let mut columns = Vec::new();
    let mut at = offset;
    for name in value.split(char::from(header.separator)) {
        let pos = lines.position(at);
        at += name.len() + 1;
        let normalized = name.trim().to_ascii_lowercase();
        if normalized.is_empty() || matches!(normalized.as_str(), "guid" | "notetype" | "note type")
        {
            columns.push(None);
            continue;
        }
        match Column::from_header(name) {
            Some(column) => columns.push(Some(column)),
            None => {
                ok = false;
                problems.push(Problem::new(
                    pos,
                    None,
                    format!("unknown column `{}`; {COLUMNS_HELP}", name.trim()),
                ));
            }
        }
    }
    let special = [
        (header.tags_column, Some(Column::Tags)),
        (header.deck_column, Some(Column::Competency)),
    ]
    .into_iter()
    .chain(
        header
            .ignored_columns
            .iter()
            .map(|&number| (Some(number), None)),
    );
    for (number, column) in special {
        let Some((number, pos)) = number else {
            continue;
        };
        match columns.get_mut(number - 1) {
            Some(slot) => *slot = column,
            None => {
                ok = false;
                problems.push(Problem::new(
                    pos,
                    None,
                    format!(
                        "column {number} is not among the {} of #columns:",
                        columns.len()
                    ),
                ));
            }
        }
    }
    if ok && !columns.contains(&Some(Column::Prompt)) {
        ok = false;
        problems.push(Problem::new(
            lines.position(offset),
            None,
            "#columns: names no prompt column (also called front, question or text)".to_owned(),
        ));
    }
    ok.then_some(columns)
}

/// Without `#columns:`, the first column that is no tags, deck, guid or notetype column
/// is the front (prompt) and the next one the back (rubric); others are left out.
fn implicit_anki_columns(header: &AnkiHeader, count: usize) -> Vec<Option<Column>> {
    let special = |index: usize| {
        let number = index + 1;
        if header.tags_column.is_some_and(|(n, _)| n == number) {
            Some(Some(Column::Tags))
        } else if header.deck_column.is_some_and(|(n, _)| n == number) {
            Some(Some(Column::Competency))
        } else if header.ignored_columns.iter().any(|&(n, _)| n == number) {
            Some(None)
        } else {
            None
        }
    };
    let mut fields = [Column::Prompt, Column::Rubric].into_iter();
    (0..count)
        .map(|index| special(index).unwrap_or_else(|| fields.next()))
        .collect()
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

/// One cell and where it starts.
struct Cell {
    value: String,
    pos: Pos,
}

/// One record, without the rows whose cells are all blank.
struct Row {
    pos: Pos,
    cells: Vec<Cell>,
}

/// The records of `source` from byte `start` on.
fn rows(
    source: &str,
    start: usize,
    delimiter: u8,
    lines: &LineIndex<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Row>> {
    let body = source.get(start..).unwrap_or_default();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let offset = error.position().map_or(0, |at| byte_offset(at.byte()));
                problems.push(Problem::new(
                    lines.position(start + offset),
                    None,
                    error.to_string(),
                ));
                return None;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let record_start = start + record.position().map_or(0, |at| byte_offset(at.byte()));
        let (starts, unclosed) = field_starts(source, record_start, delimiter, record.len());
        if let Some(unclosed) = unclosed {
            problems.push(Problem::new(
                lines.position(unclosed),
                None,
                "this quoted cell is never closed; a `\"` inside a quoted cell is written `\"\"`"
                    .to_owned(),
            ));
            return None;
        }
        let cells = record
            .iter()
            .enumerate()
            .map(|(index, value)| Cell {
                value: value.to_owned(),
                pos: lines.position(starts.get(index).copied().unwrap_or(record_start)),
            })
            .collect();
        rows.push(Row {
            pos: lines.position(record_start),
            cells,
        });
    }
    Some(rows)
}

fn byte_offset(byte: u64) -> usize {
    usize::try_from(byte).unwrap_or(usize::MAX)
}

/// Where each of the first `count` fields of the record at `start` begins, following the
/// csv crate's rules: a field that starts with `"` is quoted up to the next lone `"`.
/// The second value is the start of a quoted field that the file ends inside, if any.
fn field_starts(
    source: &str,
    start: usize,
    delimiter: u8,
    count: usize,
) -> (Vec<usize>, Option<usize>) {
    let bytes = source.as_bytes();
    let mut starts = Vec::with_capacity(count);
    let mut at = start;
    while starts.len() < count {
        let field_start = at;
        starts.push(at);
        let mut quoted = bytes.get(at) == Some(&b'"');
        if quoted {
            at += 1;
        }
        loop {
            let Some(&byte) = bytes.get(at) else {
                return (starts, quoted.then_some(field_start));
            };
            at += 1;
            if quoted {
                if byte == b'"' {
                    if bytes.get(at) == Some(&b'"') {
                        at += 1;
                    } else {
                        quoted = false;
                    }
                }
            } else if byte == delimiter {
                break;
            } else if byte == b'\n' || byte == b'\r' {
                return (starts, None);
            }
        }
    }
    (starts, None)
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

/// The items of a list cell: split on `|` (and line breaks when `on_lines`), with `\|`
/// and `\\` escapes, trimmed, without empty items.
fn list_items(cell: &Text, on_lines: bool) -> Vec<Option<Text>> {
    split_list(&cell.value, on_lines)
        .into_iter()
        .map(|item| Some(Text::new(item, cell.pos)))
        .collect()
}

pub(super) fn split_list(cell: &str, on_lines: bool) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('|' | '\\')) => {
                current.extend(chars.next());
            }
            '|' => items.push(std::mem::take(&mut current)),
            '\n' if on_lines => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// A CSV or TSV cell as written, without the `'` the export puts before a would-be
/// formula (see [`neutralize_formula`]).
fn restore_formula(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_like_formula(rest) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Whether a spreadsheet could run a cell that starts so as a formula (OWASP's list:
/// `=`, `+`, `-`, `@`, tab and carriage return), after any number of `'`.
fn starts_like_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell value a spreadsheet shows as text rather than runs: a `'` before a value that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return, as OWASP recommends
/// against CSV injection. A value that already starts with `'`s followed by one of those
/// gets one more `'`, so [`restore_formula`] undoes exactly what was added.
pub(super) fn neutralize_formula(cell: String) -> String {
    if starts_like_formula(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A list item as a list cell writes it, so [`split_list`] reads it back whole.
pub(super) fn escape_item(item: &str) -> String {
    item.replace('\\', "\\\\").replace('|', "\\|")
}

/// The text of an HTML field: tags dropped, `<br>` and block starts as line breaks,
/// the common entities decoded.
pub(super) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some((tag, after)) = html_tag(rest) {
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                let opening = !tag.starts_with('/');
                if name == "br" || (opening && matches!(name.as_str(), "div" | "p" | "li")) {
                    text.push('\n');
                }
                rest = after;
                continue;
            }
        } else if c == '&' {
            if let Some((decoded, after)) = html_entity(rest) {
                text.push(decoded);
                rest = after;
                continue;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    text
}

/// The tag at the start of `html` (between `<` and `>`) and what follows it. A tag ends
/// before the next `<`, which keeps a field full of `<` linear to read.
fn html_tag(html: &str) -> Option<(&str, &str)> {
    const LONGEST_TAG: usize = 512;
    let first = html[1..].trim_start_matches('/').chars().next()?;
    if !(first.is_ascii_alphabetic() || html[1..].starts_with('!')) {
        return None;
    }
    let end = html
        .bytes()
        .take(LONGEST_TAG)
        .skip(1)
        .position(|byte| byte == b'>' || byte == b'<')
        .map(|at| at + 1)
        .filter(|&at| html.as_bytes()[at] == b'>')?;
    Some((&html[1..end], &html[end + 1..]))
}

/// The entity at the start of `html` (`&amp;`, `&#233;`, `&#xE9;`) and what follows it.
fn html_entity(html: &str) -> Option<(char, &str)> {
    const LONGEST_ENTITY: usize = 12;
    let end = html
        .bytes()
        .take(LONGEST_ENTITY)
        .position(|byte| byte == b';')?;
    let name = &html[1..end];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#')
                    .and_then(|decimal| decimal.parse().ok())
            };
            code.and_then(char::from_u32)?
        }
    };
    Some((decoded, &html[end + 1..]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::{
        derive_question_id, parse, parse_bytes, Bank, BankError, Competency, Format, ParseOptions,
    };
    use super::*;

    fn options() -> ParseOptions {
        ParseOptions {
            bank_id: Some("travel".into()),
            ..ParseOptions::default()
        }
    }

    fn parse_as(source: &str, format: Format) -> Result<Bank, Vec<BankError>> {
        parse(source, format, &options()).map_err(|errors| errors.0)
    }

    fn found(source: &str, format: Format) -> Vec<(usize, usize, String)> {
        parse_as(source, format)
            .expect_err("the bank should be rejected")
            .into_iter()
            .map(|e| (e.line, e.column, e.message))
            .collect()
    }

    const SPREADSHEET: &str = "\
 Question ,Category,Back,TAGS,Follow-ups,id

\"Tell me about Zürich, \"\"the\"\" city.\",Planning ahead,Budget | Dates|  | Hotel \\| hostel,日本 | city,\"What went wrong?
What went right?\",
How do you plan a trip to 日本?,Planning ahead,,,,plan-japan
Why travel?,Talking: to people,Curiosity,,,
";

    #[test]
    fn a_spreadsheet_export_is_read() {
        let bank = parse_as(SPREADSHEET, Format::Csv).unwrap();
        assert_eq!(
            (bank.id.as_str(), bank.title.as_str()),
            ("travel", "travel")
        );
        assert_eq!(bank.description, "");
        assert_eq!(
            bank.competencies,
            [
                Competency {
                    id: "planning-ahead".into(),
                    name: "Planning ahead".into(),
                    description: String::new(),
                },
                Competency {
                    id: "talking-to-people".into(),
                    name: "Talking: to people".into(),
                    description: String::new(),
                },
            ]
        );
        let first = &bank.questions[0];
        assert_eq!(first.prompt, "Tell me about Zürich, \"the\" city.");
        assert_eq!(first.id, derive_question_id(&first.prompt));
        assert_eq!(first.competency, "planning-ahead");
        assert_eq!(first.rubric, ["Budget", "Dates", "Hotel | hostel"]);
        assert_eq!(first.tags, ["日本", "city"]);
        assert_eq!(first.follow_ups, ["What went wrong?\nWhat went right?"]);
        assert_eq!(bank.questions[1].id, "plan-japan");
        assert!(bank.questions[1].rubric.is_empty());
        assert_eq!(bank.questions[2].competency, "talking-to-people");

        // CRLF, a byte order mark and a title from the options read the same.
        let crlf = format!("\u{feff}{}", SPREADSHEET.replace('\n', "\r\n"));
        let options = ParseOptions {
            title: Some("Travel".into()),
            ..options()
        };
        let same = parse_bytes(crlf.as_bytes(), Format::Csv, &options).unwrap();
        assert_eq!(
            same,
            Bank {
                title: "Travel".into(),
                ..bank
            }
        );
    }

    #[test]
    fn a_tsv_file_is_read_and_competency_defaults_to_general() {
        let source = "prompt\trubric\tlevel\nWhy, really?\tHonest | \"short\"\tjunior|senior\n\n\"Two\tcells?\"\t\t\n";
        let bank = parse_as(source, Format::Tsv).unwrap();
        assert_eq!(bank.competencies.len(), 1);
        assert_eq!(
            (
                bank.competencies[0].id.as_str(),
                bank.competencies[0].name.as_str()
            ),
            ("general", "General")
        );
        assert_eq!(bank.questions[0].prompt, "Why, really?");
        assert_eq!(bank.questions[0].rubric, ["Honest", "\"short\""]);
        assert_eq!(bank.questions[0].level, ["junior", "senior"]);
        assert_eq!(bank.questions[1].prompt, "Two\tcells?");
    }

    #[test]
    fn header_errors_name_the_column() {
        assert_eq!(
            found("id,prompt,Ünïcode,answer\n", Format::Csv),
            [
                (1, 11, format!("unknown column `Ünïcode`; {COLUMNS_HELP}")),
                (1, 19, format!("unknown column `answer`; {COLUMNS_HELP}")),
            ]
        );
        assert_eq!(
            found("id,category,rubric\nx,y,z\n", Format::Csv),
            [(
                1,
                1,
                "the header row has no prompt column (also called question, front or text)"
                    .to_owned()
            )]
        );
        assert_eq!(
            found("prompt,Question,,tags\n", Format::Csv),
            [
                (
                    1,
                    8,
                    "column `Question` repeats `prompt`: both are the prompt column".to_owned()
                ),
                (1, 17, "column 3 of the header row has no name".to_owned()),
            ]
        );
        assert_eq!(
            found("", Format::Tsv),
            [(
                1,
                1,
                "the file is empty; a TSV file starts with a header row such as id,competency,prompt,rubric"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn row_errors_name_line_and_cell() {
        let source = "\
id,competency,prompt,rubric
q1,Lead,Why?,ok
\"Bad Id\",Lead,\"Multi
line\",
q1,Lead,,
q2,Lead,\"Zürich, 日本\",fine,extra
q3,\"Lead\",Again?
";
        let errors = parse_as(source, Format::Csv).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.column, e.field.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            found,
            [
                (3, 1, "question[1].id".to_owned()),
                (5, 1, "question[2].id".to_owned()),
                (5, 9, "question[2].prompt".to_owned()),
                (6, 27, "question[3]".to_owned()),
            ],
            "{errors:#?}"
        );
        assert_eq!(
            errors[1].message,
            "duplicate question id `q1`; first used on line 2"
        );
        assert_eq!(errors[2].message, "the prompt is empty");
        assert_eq!(
            errors[3].message,
            "this row has 5 cells but the header names 4 columns"
        );
    }

    #[test]
    fn an_unclosed_quote_is_an_error() {
        let errors = found(
            "prompt,rubric\nWhy?,ok\nHow?,\"unclosed\nWhat?,x\n",
            Format::Csv,
        );
        assert_eq!(
            errors,
            [(
                3,
                6,
                "this quoted cell is never closed; a `\"` inside a quoted cell is written `\"\"`"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn line_breaks_do_not_move_errors() {
        // An empty prompt on line 3 and an extra cell on line 4, in a spreadsheet export.
        let source =
            "id,competency,prompt,rubric\nq1,Lead,Why?,ok\nq2,Lead,,\nq3,Lead,How?,x,extra\n";
        let expected = vec![
            (3, 9, "the prompt is empty".to_owned()),
            (
                4,
                16,
                "this row has 5 cells but the header names 4 columns".to_owned(),
            ),
        ];
        for ending in ["\n", "\r\n", "\r"] {
            let file = source.replace('\n', ending);
            assert_eq!(found(&file, Format::Csv), expected, "{file:?}");
            let tsv = file.replace(',', "\t");
            assert_eq!(found(&tsv, Format::Tsv), expected, "{tsv:?}");
        }
    }

    #[test]
    fn an_unclosed_quote_is_an_error_whatever_the_line_breaks() {
        let message =
            "this quoted cell is never closed; a `\"` inside a quoted cell is written `\"\"`";
        for ending in ["\n", "\r\n", "\r"] {
            let csv =
                "prompt,rubric\nWhy?,ok\nHow?,\"unclosed\nWhat?,x\nWho?,y\n".replace('\n', ending);
            assert_eq!(
                found(&csv, Format::Csv),
                [(3, 6, message.to_owned())],
                "{csv:?}"
            );
            let tsv = csv.replace(',', "\t");
            assert_eq!(
                found(&tsv, Format::Tsv),
                [(3, 6, message.to_owned())],
                "{tsv:?}"
            );
            let anki = format!("#separator:tab{ending}{tsv}");
            assert_eq!(
                found(&anki, Format::AnkiText),
                [(4, 6, message.to_owned())],
                "{anki:?}"
            );
        }
    }

    #[test]
    fn a_competency_id_column_keeps_ids_apart_from_names() {
        let source = "\
prompt,competency,competency_id,competency_description
Why?,Building Leadership Teams,leadership-bench,Hiring leads
How?,,conflict,
Who?,Building Leadership Teams,leadership-bench,Ignored: the first row describes it
When?,Old Style,,
";
        let bank = parse_as(source, Format::Csv).unwrap();
        assert_eq!(
            bank.competencies,
            [
                Competency {
                    id: "leadership-bench".into(),
                    name: "Building Leadership Teams".into(),
                    description: "Hiring leads".into(),
                },
                Competency {
                    id: "conflict".into(),
                    name: "conflict".into(),
                    description: String::new(),
                },
                Competency {
                    id: "old-style".into(),
                    name: "Old Style".into(),
                    description: String::new(),
                },
            ]
        );
        let competencies: Vec<_> = bank
            .questions
            .iter()
            .map(|q| q.competency.as_str())
            .collect();
        assert_eq!(
            competencies,
            [
                "leadership-bench",
                "conflict",
                "leadership-bench",
                "old-style"
            ]
        );
        let errors = found("prompt,competency_id\nWhy?,Bad Id\n", Format::Csv);
        assert_eq!((errors[0].0, errors[0].1), (2, 6), "{errors:?}");
    }

    #[test]
    fn the_bank_id_must_be_given() {
        let errors = parse(
            "prompt\nWhy?\n",
            Format::Csv,
            &ParseOptions {
                title: Some("Travel".into()),
                ..ParseOptions::default()
            },
        )
        .unwrap_err()
        .0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 1));
        assert_eq!(errors[0].field.as_deref(), Some("bank.id"));
        assert!(errors[0].message.contains("--bank-id"), "{errors:#?}");
        assert!(errors[0].message.contains("?bank_id="), "{errors:#?}");

        let bad = ParseOptions {
            bank_id: Some("Travel Bank".into()),
            ..ParseOptions::default()
        };
        let errors = parse("prompt\nWhy?\n", Format::Tsv, &bad).unwrap_err().0;
        assert_eq!(errors[0].field.as_deref(), Some("bank.id"));
        assert!(errors[0]
            .message
            .contains("must start with a lowercase letter"));
    }

    #[test]
    fn anki_exports_are_read() {
        // The layout Anki writes for "Notes in Plain Text" with every option on.
        let source = "\
#separator:tab
#html:true
#guid column:1
#notetype column:2
#deck column:3
#tags column:6
a1B2c3\tBasic\tInterviews::Leading\tTell me about a <b>hard</b> call &amp; what you did.\tStakes<br>Options considered<div>Outcome</div>\tlead hard-calls
d4E5f6\tBasic\tInterviews::Leading\t\"Quoted \"\"front\"\"\tback\"\tOne | two\t
x7Y8z9\tBasic\tZürich\t日本 &lt;3&gt;&nbsp;ok\t\t
";
        let bank = parse_as(source, Format::AnkiText).unwrap();
        assert_eq!(
            bank.competencies
                .iter()
                .map(|c| (c.id.as_str(), c.name.as_str()))
                .collect::<Vec<_>>(),
            [
                ("interviews-leading", "Interviews::Leading"),
                ("z-rich", "Zürich")
            ]
        );
        let first = &bank.questions[0];
        assert_eq!(first.prompt, "Tell me about a hard call & what you did.");
        assert_eq!(first.rubric, ["Stakes", "Options considered", "Outcome"]);
        assert_eq!(first.tags, ["lead", "hard-calls"]);
        assert_eq!(bank.questions[1].prompt, "Quoted \"front\"\tback");
        assert_eq!(bank.questions[1].rubric, ["One", "two"]);
        assert_eq!(bank.questions[2].prompt, "日本 <3> ok");
    }

    #[test]
    fn anki_text_without_headers_is_front_and_back() {
        let source = "Why?\tBecause\nline two\r\nHow?\t\"Carefully\nand slowly\"\textra ignored\n";
        let bank = parse_as(source, Format::AnkiText).unwrap();
        assert_eq!(bank.competencies[0].id, "general");
        assert_eq!(bank.questions[0].rubric, ["Because"]);
        assert_eq!(bank.questions[1].prompt, "line two");
        assert_eq!(bank.questions[2].rubric, ["Carefully", "and slowly"]);
        assert!(bank.questions.iter().all(|q| q.red_flags.is_empty()));

        let source = "#separator:Semicolon\n#html:false\n#columns:Front;Back;Tags;Deck\n#tags:imported\n<b>Why?</b>;A|B;t1 t2;Leading\n";
        let bank = parse_as(source, Format::AnkiText).unwrap();
        assert_eq!(bank.questions[0].prompt, "<b>Why?</b>");
        assert_eq!(bank.questions[0].rubric, ["A", "B"]);
        assert_eq!(bank.questions[0].tags, ["t1", "t2", "imported"]);
        assert_eq!(bank.competencies[0].name, "Leading");

        let source = "#separator:pipe\n#deck:Default deck\nWhy?|Because\n";
        let bank = parse_as(source, Format::AnkiText).unwrap();
        assert_eq!(bank.competencies[0].id, "default-deck");
        assert_eq!(bank.questions[0].rubric, ["Because"]);
    }

    #[test]
    fn red_flags_columns_are_read_by_any_of_their_names() {
        let bank = parse_as(
            "prompt,rubric,Red flags\nWhy?,Honest,Blames others | Vague \\| woolly\nHow?,,\n",
            Format::Csv,
        )
        .unwrap();
        assert_eq!(
            bank.questions[0].red_flags,
            ["Blames others", "Vague | woolly"]
        );
        assert!(bank.questions[1].red_flags.is_empty());
        let bank = parse_as("redflags\tprompt\nBlames others\tWhy?\n", Format::Tsv).unwrap();
        assert_eq!(bank.questions[0].red_flags, ["Blames others"]);
        let errors = found("prompt,red_flags,red-flags\n", Format::Csv);
        assert_eq!(
            errors,
            [(
                1,
                18,
                "column `red-flags` repeats `red_flags`: both are the red_flags column".to_owned()
            )]
        );
        // Anki text names the column in `#columns:`; with HTML on, a line break stays
        // inside its red flag, which only `|` separates.
        let source = "#separator:tab\n#html:true\n#columns:Front\tBack\tRed flags\nWhy?\tA<br>B\tBlames<br>others | Vague\n";
        let bank = parse_as(source, Format::AnkiText).unwrap();
        assert_eq!(bank.questions[0].rubric, ["A", "B"]);
        assert_eq!(bank.questions[0].red_flags, ["Blames\nothers", "Vague"]);
    }

    #[test]
    fn anki_header_errors_name_their_line() {
        let source = "#separator:tabs\n#html:yes\n#seperator:tab\n#tags column:0\n#columns:Front\tBack\tExtra\nWhy?\tBecause\n";
        assert_eq!(
            found(source, Format::AnkiText)
                .into_iter()
                .map(|(line, column, _)| (line, column))
                .collect::<Vec<_>>(),
            [(1, 12), (2, 7), (3, 1), (4, 14), (5, 21)]
        );
        let errors = parse_as(source, Format::AnkiText).unwrap_err();
        assert!(errors[0].message.contains("unknown separator `tabs`"));
        assert!(errors[2].message.contains("unknown header `#seperator:`"));
        assert!(errors[4].message.contains("unknown column `Extra`"));

        let errors = found(
            "#columns:Back\tTags\n#tags column:3\nx\ty\n",
            Format::AnkiText,
        );
        assert_eq!(
            errors,
            [(2, 14, "column 3 is not among the 2 of #columns:".to_owned())]
        );
        let errors = found("#columns:Back\tTags\nx\ty\n", Format::AnkiText);
        assert_eq!((errors[0].0, errors[0].1), (1, 10));
    }

    #[test]
    fn list_cells_split_on_pipes_with_escapes() {
        assert_eq!(
            split_list(" a | b\\|c || \\\\|d ", false),
            ["a", "b|c", "\\", "d"]
        );
        assert_eq!(split_list("C:\\temp | x\\", false), ["C:\\temp", "x\\"]);
        assert_eq!(split_list("a\nb|c", true), ["a", "b", "c"]);
        assert_eq!(split_list("a\nb|c", false), ["a\nb", "c"]);
        for item in ["a|b", "\\", "x\\|y", "\\\\|", "end\\"] {
            let cell = [item, item].map(escape_item).join(" | ");
            assert_eq!(split_list(&cell, false), [item, item], "{cell}");
        }
    }

    #[test]
    fn html_fields_become_text() {
        assert_eq!(
            html_to_text("a<br>b<br/>c<BR />d<div>e</div>&quot;&#39;&#x263A;&#9731;"),
            "a\nb\nc\nd\ne\"'☺☃"
        );
        assert_eq!(
            html_to_text("1 < 2 > 0 & x &bogus; &amp"),
            "1 < 2 > 0 & x &bogus; &amp"
        );
        assert_eq!(
            html_to_text("<!-- note --><span style=\"x\">ok</span>"),
            "ok"
        );
    }

    #[test]
    fn field_starts_follow_quoting() {
        let text = "a,\"b,\"\"c\"\"\",d\n";
        assert_eq!(field_starts(text, 0, b',', 3), (vec![0, 2, 12], None));
        assert_eq!(field_starts("x\ty", 0, b'\t', 2), (vec![0, 2], None));
        assert_eq!(field_starts("x", 0, b',', 3), (vec![0], None));
        assert_eq!(field_starts("a,\"b\nc", 0, b',', 2), (vec![0, 2], Some(2)));
    }
}
