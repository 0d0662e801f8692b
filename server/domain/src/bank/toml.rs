//! The native TOML format: a `[bank]` table and `[[competency]]` and `[[question]]` arrays
//! of tables. Syntax errors stop the reading; everything else goes to the shared checks.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::tree::{self, Key, Node, Style, Value, SCHEMA_DEPTH};
use super::{Draft, LineIndex, Problem};

pub(super) fn read(source: &str, problems: &mut Vec<Problem>) -> Option<Draft> {
    let lines = LineIndex::new(source);
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        // A document that does not parse is only partly recovered; validating that
        // remainder would add confusing follow-on errors, so report the syntax alone.
        problems.extend(syntax_errors.iter().map(|error| {
            Problem::new(
                lines.position(error.span().map_or(0, |span| span.start)),
                None,
                error.message().to_owned(),
            )
        }));
        return None;
    }
    let root = Node {
        pos: lines.position(0),
        kind: "a table",
        value: table(document.get_ref(), &lines, 0),
    };
    tree::read(root, Style::Toml, problems)
}

fn table(table: &DeTable<'_>, lines: &LineIndex<'_>, depth: usize) -> Value {
    Value::Map(
        table
            .iter()
            .map(|(key, value)| {
                let key = Key {
                    name: key.get_ref().to_string(),
                    pos: lines.position(key.span().start),
                };
                (key, node(value, lines, depth + 1))
            })
            .collect(),
    )
}

fn node(value: &Spanned<DeValue<'_>>, lines: &LineIndex<'_>, depth: usize) -> Node {
    let converted = match value.get_ref() {
        DeValue::String(text) => Value::Text(text.to_string()),
        DeValue::Table(inner) if depth < SCHEMA_DEPTH => table(inner, lines, depth),
        DeValue::Array(items) if depth < SCHEMA_DEPTH => Value::List(
            items
                .iter()
                .map(|item| node(item, lines, depth + 1))
                .collect(),
        ),
        _ => Value::Other,
    };
    Node {
        pos: lines.position(value.span().start),
        kind: describe(value.get_ref()),
        value: converted,
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
mod tests;
