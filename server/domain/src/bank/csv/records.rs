//! The records of a CSV, TSV or Anki text file: rows of cells, each with where it starts,
//! and a quoted cell that is never closed reported where it opens.

use crate::bank::{LineIndex, Pos, Problem};

/// One cell and where it starts.
pub(super) struct Cell {
    pub(super) value: String,
    pub(super) pos: Pos,
}

/// One record, without the rows whose cells are all blank.
pub(super) struct Row {
    pub(super) pos: Pos,
    pub(super) cells: Vec<Cell>,
}

/// The records of `source` from byte `start` on.
pub(super) fn rows(
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
pub(super) fn field_starts(
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
