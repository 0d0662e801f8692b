//! Question banks: the model, the file formats a bank may be written in, and the one
//! validation every format goes through, so each problem is reported with line, column and field.
//!
//! Each format's module reads a file into a positioned draft (`Draft`); `validate` then
//! applies the same rules to all of them (id pattern, unique ids, declared competencies,
//! non-empty prompts, limits, ids derived from prompts) and every problem of the file is
//! reported at once, sorted by position. A syntax error (TOML, JSON, YAML, a CSV quote
//! that is never closed, Markdown front matter without its closing line) is reported on
//! its own, since what follows it cannot be trusted.
//!
//! Line breaks may be `\n`, `\r\n` or `\r` in every format: [`parse`](fn@parse) reads them all as
//! `\n` before any format sees the text, so results and error positions (line, and
//! column in characters) do not depend on them. A UTF-8 byte order mark is skipped.
//!
//! [`export`] writes a bank in any format so that parsing it back gives the same bank,
//! within what each format can carry:
//! - CSV, TSV and Anki text carry no bank description, and write each competency's
//!   name, id (`competency_id`) and description (`competency_description`, on its first
//!   row) in the rows of its questions: competencies without questions are not written,
//!   and competencies are read back in order of first use. CSV and TSV cells that a
//!   spreadsheet would run as a formula get a leading `'` that the reader removes.
//! - Anki text separates tags with white space and rubric items also with line breaks:
//!   the export writes `_` for white space inside a tag and a space for a line break
//!   inside a rubric item.
//! - Markdown escapes markup in every value (so a renderer shows text, never HTML) and
//!   writes a competency's heading again when its questions are not all together;
//!   names, prompts, list items, tags and levels are one line each (the export writes
//!   line breaks in them as spaces), and a tag or level containing a comma comes back
//!   split at it.
//!
//! An Anki package (`.apkg`, `.colpkg`) is read, never written: [`apkg`] takes the notes
//! out of its collection and reads them as Anki text would read the same columns.

pub mod apkg;
mod csv;
mod draft;
mod export;
mod format;
mod ids;
mod json;
mod markdown;
mod model;
mod parse;
pub mod plan;
mod toml;
mod tree;
mod validate;
mod yaml;

pub use export::export;
pub use format::Format;
pub use ids::{competency_id, derive_question_id};
pub use model::{Bank, BankError, BankErrors, Competency, Limits, Question};
pub use parse::{
    excerpt, parse, parse_bytes, parse_file, parse_toml, ParseError, ParseOptions, Parsed,
};

use draft::{
    Draft, DraftCompetency, DraftHeader, DraftQuestion, LineIndex, Pos, Problem, Slot, Text,
};
use parse::{file_error, finish, options_bank_header, options_bank_id, options_title};

#[cfg(test)]
mod tests;
