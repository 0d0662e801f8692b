//! The `#` header lines of an Anki text export (`#separator:`, `#html:`, `#columns:`,
//! `#tags column:`, `#deck:` and the others) and the columns they give the rows.

use super::{Column, COLUMNS_HELP};
use crate::bank::{LineIndex, Pos, Problem, Text};

/// What the `#` header lines of an Anki text file say.
pub(super) struct AnkiHeader {
    pub(super) separator: u8,
    pub(super) html: bool,
    /// The `#columns:` value and the byte offset where it starts.
    pub(super) columns: Option<(usize, String)>,
    tags_column: Option<(usize, Pos)>,
    deck_column: Option<(usize, Pos)>,
    ignored_columns: Vec<(usize, Pos)>,
    pub(super) deck: Option<Text>,
    pub(super) tags: Vec<Text>,
}

pub(super) fn anki_header(
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
pub(super) fn anki_columns(
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
pub(super) fn implicit_anki_columns(header: &AnkiHeader, count: usize) -> Vec<Option<Column>> {
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
