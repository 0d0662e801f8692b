//! What a table cell holds: list items split at `|` with their escapes, and the `'` that
//! keeps a spreadsheet from running a cell as a formula.

use crate::bank::Text;

/// The items of a list cell: split on `|` (and line breaks when `on_lines`), with `\|`
/// and `\\` escapes, trimmed, without empty items.
pub(super) fn list_items(cell: &Text, on_lines: bool) -> Vec<Option<Text>> {
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
pub(super) fn restore_formula(cell: &str) -> String {
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
pub(in crate::bank) fn neutralize_formula(cell: String) -> String {
    if starts_like_formula(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A list item as a list cell writes it, so [`split_list`] reads it back whole.
pub(in crate::bank) fn escape_item(item: &str) -> String {
    item.replace('\\', "\\\\").replace('|', "\\|")
}
