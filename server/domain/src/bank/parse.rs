//! The parse entry points: text, bytes or a file in any format to a validated bank
//! (or every problem of the file), with the excerpts shown beside errors and the bank
//! header taken from the options for formats that do not name their bank.

use super::draft::{into_errors, Draft, DraftHeader, LineIndex, Pos, Problem, Slot, Text};
use super::validate::validate;
use super::{apkg, csv, json, markdown, toml, yaml};
use super::{Bank, BankError, BankErrors, Format, Limits};

/// What a file may not say itself: the bank id and title for formats that don't carry
/// them (`--bank-id`/`--title`, `?bank_id=&title=`), and the limits to enforce.
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// Used by CSV, TSV, Anki text and Anki packages, and by Markdown without an `id` in
    /// its front matter.
    pub bank_id: Option<String>,
    /// Used where the file gives no title; the bank id otherwise.
    pub title: Option<String>,
    pub limits: Limits,
}

/// Parses and validates a bank in the native TOML format.
pub fn parse_toml(source: &str, limits: &Limits) -> Result<Bank, BankErrors> {
    let options = ParseOptions {
        limits: *limits,
        ..ParseOptions::default()
    };
    parse(source, Format::Toml, &options)
}

/// Parses and validates a bank written in `format`, reporting every problem of the file.
///
/// Line breaks are read alike whether written `\n`, `\r\n` (Windows, Excel, a pasted
/// browser textarea) or a lone `\r` (old Mac): each format reads the text with every
/// break turned into `\n`, so the result and the positions of errors (line, and column
/// in characters from the line start) do not depend on them.
///
/// An Anki package is no text: [`parse_bytes`] reads it from the string's bytes.
pub fn parse(source: &str, format: Format, options: &ParseOptions) -> Result<Bank, BankErrors> {
    if format == Format::Apkg {
        return parse_bytes(source.as_bytes(), format, options);
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if source.len() > options.limits.max_file_bytes {
        return Err(too_large(&options.limits, source.len()));
    }
    let source = unify_line_breaks(source);
    let source = source.as_ref();
    let mut problems = Vec::new();
    let draft = match format {
        Format::Toml => toml::read(source, &mut problems),
        Format::Json => json::read(source, &mut problems),
        Format::Yaml => yaml::read(source, &mut problems),
        Format::Csv | Format::Tsv => csv::read(source, format, options, &mut problems),
        Format::AnkiText => csv::read_anki(source, options, &mut problems),
        Format::Markdown => markdown::read(source, options, &mut problems),
        Format::Apkg => None,
    };
    finish(source, draft, &options.limits, problems)
}

/// Validates what a reader made of `source`: the bank, or every problem of the file in
/// file order, each with its line of `source` as the excerpt.
pub(super) fn finish(
    source: &str,
    draft: Option<Draft>,
    limits: &Limits,
    mut problems: Vec<Problem>,
) -> Result<Bank, BankErrors> {
    let bank = draft.and_then(|draft| validate(draft, limits, &mut problems));
    nul_problems(source, bank.as_ref(), &mut problems);
    match bank {
        Some(bank) if problems.is_empty() => Ok(bank),
        _ => {
            if problems.is_empty() {
                problems.push(Problem::new(
                    Pos::START,
                    None,
                    "the file holds no bank".to_owned(),
                ));
            }
            let mut errors = into_errors(problems);
            for error in &mut errors.0 {
                error.excerpt = excerpt(source, error.line, error.column);
            }
            Err(errors)
        }
    }
}

/// NUL characters (U+0000) cannot be stored (PostgreSQL refuses them in
/// text), so a bank holding one is refused: where the file has one, or in
/// which field an escape such as `\u0000` put one.
fn nul_problems(source: &str, bank: Option<&Bank>, problems: &mut Vec<Problem>) {
    const MESSAGE: &str = "a NUL character (U+0000) cannot be stored; remove it";
    if let Some(at) = source.find('\0') {
        let pos = LineIndex::new(source).position(at);
        problems.push(Problem::new(pos, None, MESSAGE.to_owned()));
        return;
    }
    let Some(bank) = bank else { return };
    let mut check = |value: &str, field: &dyn Fn() -> String| {
        if value.contains('\0') {
            problems.push(Problem::new(Pos::START, Some(field()), MESSAGE.to_owned()));
        }
    };
    check(&bank.id, &|| "bank.id".to_owned());
    check(&bank.title, &|| "bank.title".to_owned());
    check(&bank.description, &|| "bank.description".to_owned());
    for (i, c) in bank.competencies.iter().enumerate() {
        for (key, value) in [
            ("id", &c.id),
            ("name", &c.name),
            ("description", &c.description),
        ] {
            check(value, &|| format!("competency[{i}].{key}"));
        }
    }
    for (i, q) in bank.questions.iter().enumerate() {
        for (key, value) in [
            ("id", &q.id),
            ("competency", &q.competency),
            ("prompt", &q.prompt),
        ] {
            check(value, &|| format!("question[{i}].{key}"));
        }
        for (key, list) in [
            ("variants", &q.variants),
            ("follow_ups", &q.follow_ups),
            ("rubric", &q.rubric),
            ("red_flags", &q.red_flags),
            ("tags", &q.tags),
            ("level", &q.level),
        ] {
            for (j, value) in list.iter().enumerate() {
                check(value, &|| format!("question[{i}].{key}[{j}]"));
            }
        }
    }
}

/// A bank read from a file, with what the file held that the bank does not keep.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub bank: Bank,
    /// Sentences for the import report, such as the media files an Anki package held
    /// (Starling keeps text only); empty for most files.
    pub notes: Vec<String>,
}

/// Why a file gives no bank.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The file, or what an archive unpacks to, is over a size limit.
    #[error("{0}")]
    TooLarge(String),
    /// Every problem of the file.
    #[error(transparent)]
    Invalid(#[from] BankErrors),
}

impl ParseError {
    /// The problems as [`parse_bytes`] reports them: a size is a problem at the file's
    /// start.
    pub fn into_errors(self) -> BankErrors {
        match self {
            ParseError::Invalid(errors) => errors,
            ParseError::TooLarge(message) => BankErrors(vec![file_error(message)]),
        }
    }
}

/// [`parse_bytes`] telling a file that is too large (or unpacks to too much) from an
/// invalid one, with the notes of the import report: what the import paths call.
pub fn parse_file(
    bytes: &[u8],
    format: Format,
    options: &ParseOptions,
) -> Result<Parsed, ParseError> {
    if bytes.len() > options.limits.max_file_bytes {
        return Err(ParseError::TooLarge(too_large_message(
            &options.limits,
            bytes.len(),
        )));
    }
    if format == Format::Apkg {
        return apkg::parse(bytes, options);
    }
    let bank = parse_bytes(bytes, format, options)?;
    Ok(Parsed {
        bank,
        notes: Vec::new(),
    })
}

/// [`parse`] for raw file contents: a UTF-8 byte order mark is skipped, and bytes that
/// are not UTF-8 are reported where they start. An Anki package is read as the zip
/// archive it is ([`apkg`]).
pub fn parse_bytes(
    bytes: &[u8],
    format: Format,
    options: &ParseOptions,
) -> Result<Bank, BankErrors> {
    if format == Format::Apkg || bytes.len() > options.limits.max_file_bytes {
        return parse_file(bytes, format, options)
            .map(|parsed| parsed.bank)
            .map_err(ParseError::into_errors);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(source) => parse(source, format, options),
        Err(error) => {
            let valid = &bytes[..error.valid_up_to()];
            // The prefix is valid UTF-8 by definition; the fallback never runs.
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let prefix = unify_line_breaks(prefix);
            let line = prefix.matches('\n').count() + 1;
            let line_start = prefix.rfind('\n').map_or(0, |at| at + 1);
            let column = prefix[line_start..].chars().count() + 1;
            let byte = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
            // The line up to the bad byte; what follows it cannot be read as text.
            let excerpt = excerpt(&prefix, line, column);
            Err(BankErrors(vec![BankError {
                line,
                column,
                field: None,
                message: format!(
                    "the file is not valid UTF-8 (byte 0x{byte:02X}); save it as UTF-8"
                ),
                excerpt,
            }]))
        }
    }
}

/// The text with `\r\n` and lone `\r` line breaks written as `\n`.
pub(super) fn unify_line_breaks(source: &str) -> std::borrow::Cow<'_, str> {
    if source.contains('\r') {
        std::borrow::Cow::Owned(source.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(source)
    }
}

fn too_large(limits: &Limits, size: usize) -> BankErrors {
    BankErrors(vec![file_error(too_large_message(limits, size))])
}

fn too_large_message(limits: &Limits, size: usize) -> String {
    crate::words::over_limit("file", size as u64, limits.max_file_bytes as u64)
}

/// A problem of the whole file (its size, its kind), reported at its start.
pub(super) fn file_error(message: String) -> BankError {
    BankError {
        line: 1,
        column: 1,
        field: None,
        message,
        excerpt: None,
    }
}

/// The longest excerpt of a line shown with an error, in characters.
pub(super) const MAX_EXCERPT_CHARS: usize = 120;
/// How many characters before the column a cut excerpt keeps.
pub(super) const EXCERPT_LEAD_CHARS: usize = 40;

/// Line `line` of `source` (lines split at `\n`) for people to see beside an error:
/// control characters escaped, and a line longer than 120 characters cut to the part
/// around `column`, with `…` where it was cut. `None` past the last line or for a line
/// with nothing on it.
pub fn excerpt(source: &str, line: usize, column: usize) -> Option<String> {
    let text = source.split('\n').nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = text.trim_end().chars().collect();
    if chars.iter().all(|c| c.is_whitespace()) {
        return None;
    }
    let (start, end) = if chars.len() <= MAX_EXCERPT_CHARS {
        (0, chars.len())
    } else {
        let start = column
            .saturating_sub(1 + EXCERPT_LEAD_CHARS)
            .min(chars.len() - MAX_EXCERPT_CHARS);
        (start, start + MAX_EXCERPT_CHARS)
    };
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    for &c in &chars[start..end] {
        if c.is_control() {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    if end < chars.len() {
        shown.push('…');
    }
    Some(shown)
}

/// The bank header of a file that does not name its bank: id and title from the options.
pub(super) fn options_bank_header(
    format: Format,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> DraftHeader {
    let id = options_bank_id(format, options, problems);
    let title = options_title(options, &id);
    DraftHeader {
        pos: Pos::START,
        id,
        title,
        description: Slot::Missing,
    }
}

/// [`ParseOptions::bank_id`], reported at the file's start when it is not given.
pub(super) fn options_bank_id(
    format: Format,
    options: &ParseOptions,
    problems: &mut Vec<Problem>,
) -> Slot {
    let given = options.bank_id.as_deref().map(str::trim);
    match given.filter(|id| !id.is_empty()) {
        Some(id) => Slot::Given(Text::new(id, Pos::START)),
        None => {
            let how = if format == Format::Markdown {
                "add `id:` to its front matter, or give the id (the Bank id field of the import page, --bank-id on the command line, ?bank_id= in the API)"
            } else {
                "give its id (the Bank id field of the import page, --bank-id on the command line, ?bank_id= in the API)"
            };
            problems.push(Problem::new(
                Pos::START,
                Some("bank.id".to_owned()),
                format!("this {} file does not name its bank: {how}", format.label()),
            ));
            Slot::Invalid
        }
    }
}

/// [`ParseOptions::title`], else the bank id.
pub(super) fn options_title(options: &ParseOptions, id: &Slot) -> Slot {
    let given = options.title.as_deref().map(str::trim);
    match (given.filter(|title| !title.is_empty()), id) {
        (Some(title), _) => Slot::Given(Text::new(title, Pos::START)),
        (None, Slot::Given(id)) => Slot::Given(id.clone()),
        (None, _) => Slot::Invalid,
    }
}
