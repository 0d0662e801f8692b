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
//! Line breaks may be `\n`, `\r\n` or `\r` in every format: [`parse`] reads them all as
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

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

pub mod apkg;
mod csv;
mod export;
mod json;
mod markdown;
mod toml;
mod tree;
mod yaml;

pub use export::export;

/// One bank: a titled set of questions grouped by competency.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Bank {
    pub id: String,
    pub title: String,
    pub description: String,
    pub competencies: Vec<Competency>,
    pub questions: Vec<Question>,
}

/// A skill the questions probe, such as "Delegation" or "Handling conflict".
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Competency {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// One interview question with what a good answer to it covers.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Stable key: re-imports update the question with the same id in place.
    pub id: String,
    /// The id of one of the bank's competencies.
    pub competency: String,
    pub prompt: String,
    /// Other ways an interviewer asks the same thing.
    pub variants: Vec<String>,
    pub follow_ups: Vec<String>,
    /// What an answer to this question should contain beyond the STAR checklist.
    pub rubric: Vec<String>,
    /// What a weak answer to this question shows, e.g. "Blames the person and describes
    /// no action of their own".
    pub red_flags: Vec<String>,
    pub tags: Vec<String>,
    /// Roles or seniorities the question suits, e.g. "team-lead".
    pub level: Vec<String>,
}

/// One problem in a bank file.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct BankError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// The offending field as a path with 0-based indexes, e.g. `question[3].competency`.
    pub field: Option<String>,
    pub message: String,
    /// The line the problem is on, as written: control characters escaped (`\t`), and a
    /// long line cut to the part around the column, with `…` where it was cut. Absent
    /// when the problem is not on a line of the file (such as its size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// All problems of one file, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.0))]
pub struct BankErrors(pub Vec<BankError>);

fn join_lines(errors: &[BankError]) -> String {
    errors
        .iter()
        .map(BankError::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Size limits that keep one bank file from swamping the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_questions: usize,
    /// Also applies to each variant and follow-up, which are prompts too.
    pub max_prompt_chars: usize,
    /// Also applies to each red flag, which is a checklist item in reverse.
    pub max_rubric_item_chars: usize,
    /// The largest file, in bytes, that is parsed at all.
    pub max_file_bytes: usize,
    /// The most an archive (an Anki package) may unpack to, in bytes: what is read
    /// out of it stops there, so a zip bomb never takes more memory than this.
    pub max_unpacked_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_questions: 5000,
            max_prompt_chars: 2000,
            max_rubric_item_chars: 500,
            max_file_bytes: 5 * 1024 * 1024,
            max_unpacked_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A bank file format; the names are the file extensions.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Toml,
    Json,
    Yaml,
    Csv,
    Tsv,
    Markdown,
    /// Anki's plain-text export of notes (`.txt`).
    AnkiText,
    /// An Anki package (`.apkg`, or a whole collection as `.colpkg`): imported, never
    /// exported, so it is not among [`Format::ALL`].
    Apkg,
}

impl Format {
    /// The formats a bank is written in (and read back from); see also [`Format::Apkg`].
    pub const ALL: [Format; 7] = [
        Format::Toml,
        Format::Json,
        Format::Yaml,
        Format::Csv,
        Format::Tsv,
        Format::Markdown,
        Format::AnkiText,
    ];

    /// The format a `--format`/`?format=` name or a file extension stands for.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::AnkiText),
            "apkg" | "colpkg" => Some(Format::Apkg),
            _ => None,
        }
    }

    /// The format a file name's extension stands for.
    pub fn from_path(path: &str) -> Option<Format> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, extension) = name.rsplit_once('.')?;
        Format::from_name(extension)
    }

    /// The format a Content-Type stands for; parameters such as `charset` are ignored.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type.split(';').next().unwrap_or_default();
        match essence.trim().to_ascii_lowercase().as_str() {
            "application/toml" | "application/x-toml" | "text/x-toml" => Some(Format::Toml),
            "application/json" | "text/json" => Some(Format::Json),
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
                Some(Format::Yaml)
            }
            "text/csv" => Some(Format::Csv),
            "text/tab-separated-values" => Some(Format::Tsv),
            "text/markdown" | "text/x-markdown" => Some(Format::Markdown),
            "text/plain" => Some(Format::AnkiText),
            "application/zip"
            | "application/x-zip-compressed"
            | "application/apkg"
            | "application/x-apkg"
            | "application/vnd.anki" => Some(Format::Apkg),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Markdown => "md",
            Format::AnkiText => "txt",
            Format::Apkg => "apkg",
        }
    }

    /// The media type, without parameters; every format but the (zipped) Anki package
    /// is written in UTF-8.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Toml => "application/toml",
            Format::Json => "application/json",
            Format::Yaml => "application/yaml",
            Format::Csv => "text/csv",
            Format::Tsv => "text/tab-separated-values",
            Format::Markdown => "text/markdown",
            Format::AnkiText => "text/plain",
            Format::Apkg => "application/zip",
        }
    }

    /// Whether a file of this format names its bank; the others need
    /// [`ParseOptions::bank_id`]. Markdown names it in its optional front matter.
    pub fn carries_bank_id(self) -> bool {
        !matches!(
            self,
            Format::Csv | Format::Tsv | Format::AnkiText | Format::Apkg
        )
    }

    /// Whether banks are written in this format: all but the Anki package, which is
    /// read only.
    pub fn is_exported(self) -> bool {
        self != Format::Apkg
    }

    /// How messages call the format.
    pub fn label(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Markdown => "Markdown",
            Format::AnkiText => "Anki text",
            Format::Apkg => "Anki package",
        }
    }
}

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
fn finish(
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
fn unify_line_breaks(source: &str) -> std::borrow::Cow<'_, str> {
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
fn file_error(message: String) -> BankError {
    BankError {
        line: 1,
        column: 1,
        field: None,
        message,
        excerpt: None,
    }
}

/// The longest excerpt of a line shown with an error, in characters.
const MAX_EXCERPT_CHARS: usize = 120;
/// How many characters before the column a cut excerpt keeps.
const EXCERPT_LEAD_CHARS: usize = 40;

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

/// The id a competency named only by its name gets (CSV, TSV, Anki decks, Markdown
/// headings without `{#id}`): the name in lowercase with every run of other characters
/// turned into one `-`; a name without ASCII letters or digits gets a hash instead.
pub fn competency_id(name: &str) -> String {
    let slug = normalize(name, |c| c.is_ascii_alphanumeric());
    let slug = cut_at_word_boundary(&slug, MAX_ID_CHARS);
    if slug.is_empty() {
        derive_question_id(name)
    } else {
        slug.to_owned()
    }
}

/// The bank header of a file that does not name its bank: id and title from the options.
fn options_bank_header(
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
fn options_bank_id(format: Format, options: &ParseOptions, problems: &mut Vec<Problem>) -> Slot {
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
fn options_title(options: &ParseOptions, id: &Slot) -> Slot {
    let given = options.title.as_deref().map(str::trim);
    match (given.filter(|title| !title.is_empty()), id) {
        (Some(title), _) => Slot::Given(Text::new(title, Pos::START)),
        (None, Slot::Given(id)) => Slot::Given(id.clone()),
        (None, _) => Slot::Invalid,
    }
}

/// The longest id `^[a-z0-9][a-z0-9._-]{0,63}$` allows.
const MAX_ID_CHARS: usize = 64;
/// Room left for the slug of a derived question id, before its hash suffix.
const MAX_SLUG_CHARS: usize = 48;

/// A stable id for a question without one, from its normalized prompt.
///
/// The readable part is the prompt in lowercase with every run of other characters
/// turned into one `-`, cut to 48 characters at a word boundary; the `-` and 8 hex digits
/// after it (FNV-1a 64 of the whole normalized prompt) keep prompts that share their
/// first words apart. Case, punctuation and spacing do not change the id.
pub fn derive_question_id(prompt: &str) -> String {
    // Hash the Unicode-aware normalization so prompts in other scripts, which have no
    // ASCII slug, still get distinct ids.
    let normalized = normalize(prompt, char::is_alphanumeric);
    let hash = fnv1a64(normalized.as_bytes());
    let slug = normalize(&normalized, |c| c.is_ascii_alphanumeric());
    let slug = cut_at_word_boundary(&slug, MAX_SLUG_CHARS);
    let suffix = format!("{:08x}", hash >> 32);
    if slug.is_empty() {
        suffix
    } else {
        format!("{slug}-{suffix}")
    }
}

/// Lowercase, with each run of characters that `keep` rejects turned into one `-`, and no
/// `-` at either end.
fn normalize(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut normalized = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if keep(c) {
            if pending_dash && !normalized.is_empty() {
                normalized.push('-');
            }
            pending_dash = false;
            normalized.push(c);
        } else {
            pending_dash = true;
        }
    }
    normalized
}

/// At most `max` characters of an ASCII slug, ending at a whole word where there is one.
fn cut_at_word_boundary(slug: &str, max: usize) -> &str {
    if slug.len() <= max {
        return slug;
    }
    // A cut right before a `-` keeps the last word whole.
    if slug.as_bytes()[max] == b'-' {
        return &slug[..max];
    }
    match slug[..max].rfind('-') {
        Some(end) => &slug[..end],
        None => &slug[..max],
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Which rule of `^[a-z0-9][a-z0-9._-]{0,63}$` an id breaks, if any.
fn id_problem(id: &str) -> Option<String> {
    let mut chars = id.chars();
    let first = chars.next()?;
    let length = id.chars().count();
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Some(format!(
            "id `{id}` must start with a lowercase letter or a digit"
        ));
    }
    if let Some(bad) = chars.find(|&c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-')) {
        return Some(format!(
            "id `{id}` contains {bad:?}; ids may only contain lowercase letters, digits, '.', '_' and '-'"
        ));
    }
    if length > MAX_ID_CHARS {
        return Some(format!(
            "id `{id}` is {length} characters long; the limit is {MAX_ID_CHARS}"
        ));
    }
    None
}

/// A 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    line: usize,
    column: usize,
}

impl Pos {
    const START: Pos = Pos { line: 1, column: 1 };
}

/// A problem found while reading or validating, before it becomes a [`BankError`].
#[derive(Debug)]
struct Problem {
    pos: Pos,
    field: Option<String>,
    message: String,
}

impl Problem {
    fn new(pos: Pos, field: Option<String>, message: String) -> Self {
        Problem {
            pos,
            field,
            message,
        }
    }
}

/// An entry's field path as people say it: `question[3]` → "question 4", `bank` →
/// "the bank".
fn describe_entry(path: &str) -> String {
    if path == "bank" {
        return "the bank".to_owned();
    }
    match split_index(path) {
        Some((name, index)) => {
            let name = match name {
                "questions" => "question",
                "competencies" => "competency",
                other => other,
            };
            format!("{name} {}", index + 1)
        }
        None => path.to_owned(),
    }
}

/// A field's key as people say it: `prompt` → "the prompt", `rubric[0]` → "rubric item 1".
fn describe_key(key: &str) -> String {
    match split_index(key) {
        Some((name, index)) => {
            let name = match name {
                "rubric" => "rubric item",
                "red_flags" => "red flag",
                "variants" => "variant",
                "follow_ups" => "follow-up",
                "tags" => "tag",
                other => other,
            };
            format!("{name} {}", index + 1)
        }
        None => format!("the {key}"),
    }
}

/// `name[3]` → (`name`, 3).
fn split_index(path: &str) -> Option<(&str, usize)> {
    let (name, rest) = path.split_once('[')?;
    let index = rest.strip_suffix(']')?.parse().ok()?;
    Some((name, index))
}

/// The problems sorted by position; problems at one position keep the order found.
fn into_errors(mut problems: Vec<Problem>) -> BankErrors {
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
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        LineIndex { source, starts }
    }

    /// The line and character column of a byte offset.
    fn position(&self, offset: usize) -> Pos {
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
    fn position_of_byte_column(&self, line: usize, byte_column: usize) -> Pos {
        match self.starts.get(line.saturating_sub(1)) {
            Some(&start) if line > 0 => self.position(start + byte_column.saturating_sub(1)),
            _ => Pos::START,
        }
    }
}

/// A string value of a file with where it was written.
#[derive(Clone, Debug)]
struct Text {
    value: String,
    pos: Pos,
}

impl Text {
    fn new(value: impl Into<String>, pos: Pos) -> Self {
        Text {
            value: value.into(),
            pos,
        }
    }
}

/// A field as a format reader found it.
#[derive(Debug)]
enum Slot {
    /// Not written: validation reports it if the field is required.
    Missing,
    /// Written wrongly, which the reader already reported.
    Invalid,
    Given(Text),
}

/// A bank as read from a file, with positions, before validation.
#[derive(Debug)]
struct Draft {
    /// `None` when the reader already reported that the bank header is missing.
    bank: Option<DraftHeader>,
    competencies: Vec<DraftCompetency>,
    questions: Vec<DraftQuestion>,
    /// The field path of the question list, for the question-count error.
    questions_field: &'static str,
    /// How to declare a competency in this format, for the undeclared-competency error.
    declare_hint: &'static str,
}

#[derive(Debug)]
struct DraftHeader {
    pos: Pos,
    id: Slot,
    title: Slot,
    description: Slot,
}

#[derive(Debug)]
struct DraftCompetency {
    /// Where the entry starts, for its missing fields.
    pos: Pos,
    /// The field path of the entry, e.g. `competency[2]`.
    path: String,
    id: Slot,
    name: Slot,
    description: Slot,
}

#[derive(Debug)]
struct DraftQuestion {
    pos: Pos,
    path: String,
    /// `Missing` derives the id from the prompt.
    id: Slot,
    competency: Slot,
    prompt: Slot,
    /// Items the reader rejected are `None`, keeping the others' indexes.
    variants: Vec<Option<Text>>,
    follow_ups: Vec<Option<Text>>,
    rubric: Vec<Option<Text>>,
    red_flags: Vec<Option<Text>>,
    tags: Vec<Option<Text>>,
    level: Vec<Option<Text>>,
}

impl DraftQuestion {
    fn new(pos: Pos, path: String) -> Self {
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

/// Applies the rules every format shares; `None` when a problem leaves no bank.
fn validate(draft: Draft, limits: &Limits, problems: &mut Vec<Problem>) -> Option<Bank> {
    let mut validator = Validator { limits, problems };
    let header = draft.bank.map(|header| validator.header(header));
    let competencies = validator.competencies(draft.competencies);
    let questions = validator.questions(
        draft.questions,
        &competencies,
        draft.questions_field,
        draft.declare_hint,
    );
    let (id, title, description) = header??;
    Some(Bank {
        id,
        title,
        description,
        competencies,
        questions,
    })
}

/// Line breaks as `\n` and no white space around: how every text value is stored.
/// A `\r` written as an escape (`"a\rb"` in TOML, JSON or YAML) is a line break too, so
/// every format stores the same text.
fn clean(text: Text) -> Text {
    let value = if text.value.contains('\r') {
        unify_line_breaks(&text.value).into_owned()
    } else {
        text.value
    };
    let trimmed = value.trim();
    Text {
        value: if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        },
        pos: text.pos,
    }
}

struct Validator<'a> {
    limits: &'a Limits,
    problems: &'a mut Vec<Problem>,
}

impl Validator<'_> {
    fn report(&mut self, pos: Pos, field: String, message: String) {
        self.problems.push(Problem::new(pos, Some(field), message));
    }

    fn header(&mut self, header: DraftHeader) -> Option<(String, String, String)> {
        let id = self
            .required("bank", header.pos, "id", header.id)
            .map(|id| self.checked_id("bank.id", id));
        let title = self.required("bank", header.pos, "title", header.title);
        if let Some(title) = &title {
            self.not_empty("bank.title", "title", title);
        }
        let description = self.optional(header.description);
        Some((
            id?.value,
            title?.value,
            description.map(|text| text.value).unwrap_or_default(),
        ))
    }

    fn competencies(&mut self, drafts: Vec<DraftCompetency>) -> Vec<Competency> {
        let mut first_seen = HashMap::new();
        let mut competencies = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let path = draft.path;
            let id = self
                .required(&path, draft.pos, "id", draft.id)
                .map(|id| self.checked_id(&format!("{path}.id"), id));
            if let Some(id) = &id {
                self.unique(&path, id, true, "competency", &mut first_seen);
            }
            let name = self.required(&path, draft.pos, "name", draft.name);
            if let Some(name) = &name {
                self.not_empty(&format!("{path}.name"), "name", name);
            }
            let description = self.optional(draft.description);
            if let (Some(id), Some(name)) = (id, name) {
                competencies.push(Competency {
                    id: id.value,
                    name: name.value,
                    description: description.map(|text| text.value).unwrap_or_default(),
                });
            }
        }
        competencies
    }

    fn questions(
        &mut self,
        mut drafts: Vec<DraftQuestion>,
        competencies: &[Competency],
        questions_field: &str,
        declare_hint: &str,
    ) -> Vec<Question> {
        if let Some(first_extra) = drafts.get(self.limits.max_questions) {
            self.report(
                first_extra.pos,
                questions_field.to_owned(),
                format!(
                    "the file has {} questions; the limit is {}",
                    drafts.len(),
                    self.limits.max_questions
                ),
            );
            // The file is rejected already; checking thousands more questions would
            // only cost time.
            drafts.truncate(self.limits.max_questions);
        }
        let declared: BTreeSet<&str> = competencies.iter().map(|c| c.id.as_str()).collect();
        let mut first_seen = HashMap::new();
        let mut questions = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let path = draft.path;
            let prompt = self.required(&path, draft.pos, "prompt", draft.prompt);
            if let Some(prompt) = &prompt {
                let field = format!("{path}.prompt");
                if self.not_empty(&field, "prompt", prompt) {
                    self.within(&field, "prompt", prompt, self.limits.max_prompt_chars);
                }
            }
            let (id, given) = match draft.id {
                Slot::Given(id) => (
                    Some(self.checked_id(&format!("{path}.id"), clean(id))),
                    true,
                ),
                Slot::Invalid => (None, true),
                Slot::Missing => (
                    prompt
                        .as_ref()
                        .filter(|prompt| !prompt.value.is_empty())
                        .map(|prompt| Text::new(derive_question_id(&prompt.value), draft.pos)),
                    false,
                ),
            };
            if let Some(id) = &id {
                self.unique(&path, id, given, "question", &mut first_seen);
            }
            let competency = self.required(&path, draft.pos, "competency", draft.competency);
            if let Some(competency) = &competency {
                if !declared.contains(competency.value.as_str()) {
                    self.report(
                        competency.pos,
                        format!("{path}.competency"),
                        format!(
                            "competency `{}` is not declared; {declare_hint}",
                            competency.value
                        ),
                    );
                }
            }
            let prompt_chars = Some(self.limits.max_prompt_chars);
            let rubric_chars = Some(self.limits.max_rubric_item_chars);
            let variants = self.list(&path, "variants", draft.variants, prompt_chars);
            let follow_ups = self.list(&path, "follow_ups", draft.follow_ups, prompt_chars);
            let rubric = self.list(&path, "rubric", draft.rubric, rubric_chars);
            let red_flags = self.list(&path, "red_flags", draft.red_flags, rubric_chars);
            let tags = self.list(&path, "tags", draft.tags, None);
            let level = self.list(&path, "level", draft.level, None);
            if let (Some(id), Some(competency), Some(prompt)) = (id, competency, prompt) {
                questions.push(Question {
                    id: id.value,
                    competency: competency.value,
                    prompt: prompt.value,
                    variants,
                    follow_ups,
                    rubric,
                    red_flags,
                    tags,
                    level,
                });
            }
        }
        questions
    }

    fn required(&mut self, path: &str, entry: Pos, key: &str, slot: Slot) -> Option<Text> {
        match slot {
            Slot::Given(text) => Some(clean(text)),
            Slot::Invalid => None,
            Slot::Missing => {
                self.report(
                    entry,
                    format!("{path}.{key}"),
                    format!("{} has no `{key}`", describe_entry(path)),
                );
                None
            }
        }
    }

    fn optional(&mut self, slot: Slot) -> Option<Text> {
        match slot {
            Slot::Given(text) => Some(clean(text)),
            Slot::Missing | Slot::Invalid => None,
        }
    }

    /// An id, reported if it breaks the id rule; kept either way so later checks still run.
    fn checked_id(&mut self, field: &str, id: Text) -> Text {
        let problem = if id.value.is_empty() {
            Some("the id is empty".to_owned())
        } else {
            id_problem(&id.value)
        };
        if let Some(message) = problem {
            self.report(id.pos, field.to_owned(), message);
        }
        id
    }

    fn unique(
        &mut self,
        path: &str,
        id: &Text,
        given: bool,
        kind: &str,
        first_seen: &mut HashMap<String, Pos>,
    ) {
        if id.value.is_empty() {
            return;
        }
        match first_seen.get(&id.value) {
            Some(first) => {
                let derived = if given {
                    ""
                } else {
                    " (derived from the prompt; give one of them an explicit id)"
                };
                let message = format!(
                    "duplicate {kind} id `{}`{derived}; first used on line {}",
                    id.value, first.line
                );
                self.report(id.pos, format!("{path}.id"), message);
            }
            None => {
                first_seen.insert(id.value.clone(), id.pos);
            }
        }
    }

    /// Reports an empty string; true when the string has content.
    fn not_empty(&mut self, field: &str, key: &str, text: &Text) -> bool {
        if text.value.is_empty() {
            self.report(
                text.pos,
                field.to_owned(),
                format!("{} is empty", describe_key(key)),
            );
            return false;
        }
        true
    }

    fn within(&mut self, field: &str, key: &str, text: &Text, max_chars: usize) {
        let length = text.value.chars().count();
        if length > max_chars {
            self.report(
                text.pos,
                field.to_owned(),
                format!(
                    "{} is {length} characters long; the limit is {max_chars}",
                    describe_key(key)
                ),
            );
        }
    }

    /// Non-empty trimmed strings, each within `max_chars` when given.
    fn list(
        &mut self,
        path: &str,
        key: &str,
        items: Vec<Option<Text>>,
        max_chars: Option<usize>,
    ) -> Vec<String> {
        let mut strings = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let Some(item) = item else { continue };
            let item = clean(item);
            let name = format!("{key}[{index}]");
            let field = format!("{path}.{name}");
            if self.not_empty(&field, &name, &item) {
                if let Some(max_chars) = max_chars {
                    self.within(&field, &name, &item, max_chars);
                }
            }
            strings.push(item.value);
        }
        strings
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn error_display_is_line_colon_column() {
        let error = BankError {
            line: 3,
            column: 7,
            field: Some("bank.id".into()),
            message: "bad".into(),
            excerpt: None,
        };
        assert_eq!(error.to_string(), "3:7: bad");
        let both = BankErrors(vec![error.clone(), BankError { line: 4, ..error }]);
        assert_eq!(both.to_string(), "3:7: bad\n4:7: bad");
    }

    #[test]
    fn derived_ids_are_stable() {
        assert_eq!(
            derive_question_id("Tell me about a time you had to deliver bad news to your team."),
            "tell-me-about-a-time-you-had-to-deliver-bad-news-6a239c29"
        );
        assert_eq!(derive_question_id("Why?"), "why-5ec5ea19");
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn derived_ids_ignore_case_punctuation_and_spacing() {
        let id = derive_question_id("Tell me about a time you failed.");
        for same in [
            "tell me about a time you failed",
            "  TELL ME about a time, you failed!!  ",
            "Tell\nme\tabout   a time you... failed?",
        ] {
            assert_eq!(derive_question_id(same), id, "{same}");
        }
        assert_ne!(
            derive_question_id("Tell me about a time you succeeded."),
            id
        );
    }

    #[test]
    fn derived_ids_are_valid_ids() {
        let long = "Describe a situation in which you had to balance the competing priorities of several stakeholders";
        let id = derive_question_id(long);
        assert!(
            id.starts_with("describe-a-situation-in-which-you-had-to-balance-"),
            "{id}"
        );
        assert_eq!(
            id.len(),
            "describe-a-situation-in-which-you-had-to-balance".len() + 9
        );
        let word = "a".repeat(100);
        for prompt in [long, &word, "Über-Qualität?", "你如何处理冲突？", "", "!!!"] {
            let id = derive_question_id(prompt);
            assert_eq!(id_problem(&id), None, "{prompt}: {id}");
            assert!(!id.is_empty());
        }
        assert_ne!(
            derive_question_id("你如何处理冲突？"),
            derive_question_id("你如何激励团队？")
        );
    }

    #[test]
    fn competency_ids_are_slugs_of_names() {
        assert_eq!(competency_id("Handling conflict"), "handling-conflict");
        assert_eq!(competency_id("  Zürich & Co. "), "z-rich-co");
        assert_eq!(competency_id("日本"), derive_question_id("日本"));
        assert_eq!(competency_id(&"Word ".repeat(30)).len(), 64);
        for name in ["日本", "A", "x".repeat(200).as_str(), "--a--"] {
            assert_eq!(id_problem(&competency_id(name)), None, "{name}");
        }
    }

    #[test]
    fn formats_are_found_by_name_path_and_content_type() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.extension()), Some(format));
            assert_eq!(
                Format::from_path(&format!("banks/core.{}", format.extension())),
                Some(format)
            );
            assert_eq!(
                Format::from_content_type(format.content_type()),
                Some(format)
            );
        }
        assert_eq!(Format::from_name("YML"), Some(Format::Yaml));
        assert_eq!(Format::from_name("Markdown"), Some(Format::Markdown));
        assert_eq!(Format::from_name("xlsx"), None);
        assert_eq!(
            Format::from_path("C:\\banks\\Core.JSON"),
            Some(Format::Json)
        );
        assert_eq!(Format::from_path("notes.v2.yml"), Some(Format::Yaml));
        assert_eq!(Format::from_path("Makefile"), None);
        assert_eq!(Format::from_path("dir.json/file"), None);
        assert_eq!(
            Format::from_content_type("Text/CSV; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_content_type("application/x-yaml"),
            Some(Format::Yaml)
        );
        assert_eq!(
            Format::from_content_type("text/plain;charset=UTF-8"),
            Some(Format::AnkiText)
        );
        assert_eq!(Format::from_content_type("application/octet-stream"), None);
        assert!(Format::Toml.carries_bank_id() && Format::Markdown.carries_bank_id());
        assert!(!Format::Csv.carries_bank_id() && !Format::AnkiText.carries_bank_id());
        assert_eq!(
            serde_json::to_string(&Format::AnkiText).unwrap(),
            "\"ankitext\""
        );
        // Anki packages are read, never written.
        assert!(!Format::ALL.contains(&Format::Apkg));
        assert!(Format::ALL.iter().all(|format| format.is_exported()));
        assert!(!Format::Apkg.is_exported() && !Format::Apkg.carries_bank_id());
        assert_eq!(Format::from_name("colpkg"), Some(Format::Apkg));
        assert_eq!(Format::from_path("decks/Leaders.APKG"), Some(Format::Apkg));
        assert_eq!(
            Format::from_content_type(Format::Apkg.content_type()),
            Some(Format::Apkg)
        );
        assert_eq!(serde_json::to_string(&Format::Apkg).unwrap(), "\"apkg\"");
    }

    const TOML_BANK: &str =
        "[bank]\nid = \"core\"\ntitle = \"Core\"\n\n[[competency]]\nid = \"lead\"\nname = \"Leading\"\n\n[[question]]\ncompetency = \"lead\"\nprompt = \"Why?\"\n";

    #[test]
    fn bytes_may_start_with_a_byte_order_mark() {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), TOML_BANK.as_bytes()].concat();
        let bank = parse_bytes(&bytes, Format::Toml, &ParseOptions::default()).unwrap();
        assert_eq!(bank.id, "core");
        // A string that kept its BOM parses too.
        let source = format!("\u{feff}{TOML_BANK}");
        assert!(parse(&source, Format::Toml, &ParseOptions::default()).is_ok());
    }

    #[test]
    fn nul_characters_are_refused_where_they_are() {
        // Written as an escape: the field that holds it is named.
        let escaped = TOML_BANK.replace("Why?", "Why\\u0000?");
        let errors = parse(&escaped, Format::Toml, &ParseOptions::default())
            .unwrap_err()
            .0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].field.as_deref(), Some("question[0].prompt"));
        assert!(errors[0].message.contains("NUL"));
        // A raw one in a CSV file: its line and column.
        let options = ParseOptions {
            bank_id: Some("core".to_owned()),
            ..ParseOptions::default()
        };
        let csv = "competency,prompt\nLeading,Why?\nLeading,Wh\0y not?\n";
        let errors = parse(csv, Format::Csv, &options).unwrap_err().0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 11));
    }

    #[test]
    fn invalid_utf8_is_reported_where_it_starts() {
        let bytes = b"[bank]\nid = \"core\"\ntitle = \"Z\xC3\xBCri\xFFch\"\n";
        let errors = parse_bytes(bytes, Format::Toml, &ParseOptions::default())
            .unwrap_err()
            .0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 14));
        assert!(errors[0].message.contains("not valid UTF-8"), "{errors:#?}");
        assert!(errors[0].message.contains("0xFF"), "{errors:#?}");
    }

    #[test]
    fn files_over_the_size_limit_are_one_error() {
        let options = ParseOptions {
            limits: Limits {
                max_file_bytes: 100,
                ..Limits::default()
            },
            ..ParseOptions::default()
        };
        let big = format!("{TOML_BANK}# {}\n", "x".repeat(100));
        for result in [
            parse_bytes(big.as_bytes(), Format::Toml, &options),
            parse(&big, Format::Toml, &options),
        ] {
            let errors = result.unwrap_err().0;
            assert_eq!(errors.len(), 1);
            assert_eq!((errors[0].line, errors[0].column), (1, 1));
            assert_eq!(
                errors[0].message,
                format!("The file is {} bytes; the limit is 100 bytes", big.len())
            );
            assert_eq!(errors[0].excerpt, None);
        }
        let small = ParseOptions {
            limits: Limits {
                max_file_bytes: TOML_BANK.len(),
                ..Limits::default()
            },
            ..ParseOptions::default()
        };
        assert!(parse_bytes(TOML_BANK.as_bytes(), Format::Toml, &small).is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong_in_words_and_show_the_line() {
        let source = TOML_BANK.replace("prompt = \"Why?\"", "prompt = \"  \"");
        let errors = parse(&source, Format::Toml, &ParseOptions::default())
            .unwrap_err()
            .0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].line, 11);
        assert_eq!(errors[0].message, "the prompt is empty");
        assert_eq!(errors[0].excerpt.as_deref(), Some("prompt = \"  \""));
        // CRLF lines show without their `\r`; a missing key names the entry by number.
        let source = TOML_BANK
            .replace("prompt = \"Why?\"\n", "")
            .replace('\n', "\r\n");
        let errors = parse(&source, Format::Toml, &ParseOptions::default())
            .unwrap_err()
            .0;
        assert_eq!(errors[0].message, "question 1 has no `prompt`");
        assert_eq!(errors[0].excerpt.as_deref(), Some("[[question]]"));
        // A CSV row: the row as written, a tab escaped.
        let options = ParseOptions {
            bank_id: Some("core".to_owned()),
            ..ParseOptions::default()
        };
        let csv = "competency,prompt,rubric\nLeading,Why?,ok\nLeading,,\tx\n";
        let errors = parse(csv, Format::Csv, &options).unwrap_err().0;
        assert_eq!(errors[0].line, 3);
        assert_eq!(errors[0].message, "the prompt is empty");
        assert_eq!(errors[0].excerpt.as_deref(), Some("Leading,,\\tx"));
    }

    #[test]
    fn excerpts_cut_long_lines_around_the_column() {
        assert_eq!(excerpt("a\nb c\n", 2, 1).as_deref(), Some("b c"));
        assert_eq!(excerpt("a\n  \n", 2, 1), None);
        assert_eq!(excerpt("a\n", 5, 1), None);
        assert_eq!(excerpt("a\n", 0, 1), None);
        let long: String = (0..300)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let start = excerpt(&long, 1, 1).unwrap();
        assert_eq!(start.chars().count(), MAX_EXCERPT_CHARS + 1);
        assert!(start.starts_with("abc") && start.ends_with('…'));
        let middle = excerpt(&long, 1, 151).unwrap();
        assert!(middle.starts_with('…') && middle.ends_with('…'), "{middle}");
        // The column's character is in the excerpt, after 40 characters of lead.
        let at = long.chars().nth(150).unwrap();
        assert_eq!(middle.chars().nth(1 + EXCERPT_LEAD_CHARS), Some(at));
        let end = excerpt(&long, 1, 300).unwrap();
        assert!(end.starts_with('…') && end.ends_with(&long[280..]), "{end}");
    }

    #[test]
    fn entries_and_keys_are_named_as_people_say_them() {
        assert_eq!(describe_entry("question[3]"), "question 4");
        assert_eq!(describe_entry("competencies[0]"), "competency 1");
        assert_eq!(describe_entry("bank"), "the bank");
        assert_eq!(describe_key("prompt"), "the prompt");
        assert_eq!(describe_key("follow_ups[1]"), "follow-up 2");
        assert_eq!(describe_key("rubric[0]"), "rubric item 1");
        assert_eq!(describe_key("red_flags[2]"), "red flag 3");
    }

    #[test]
    fn the_sample_files_hold_the_same_questions() {
        let samples = [
            (
                Format::Toml,
                include_str!("../../../../question-bank/samples/sample.toml"),
            ),
            (
                Format::Json,
                include_str!("../../../../question-bank/samples/sample.json"),
            ),
            (
                Format::Yaml,
                include_str!("../../../../question-bank/samples/sample.yaml"),
            ),
            (
                Format::Csv,
                include_str!("../../../../question-bank/samples/sample.csv"),
            ),
            (
                Format::Tsv,
                include_str!("../../../../question-bank/samples/sample.tsv"),
            ),
            (
                Format::Markdown,
                include_str!("../../../../question-bank/samples/sample.md"),
            ),
            (
                Format::AnkiText,
                include_str!("../../../../question-bank/samples/sample.txt"),
            ),
        ];
        let options = ParseOptions {
            bank_id: Some("sample".to_owned()),
            ..ParseOptions::default()
        };
        let parsed: Vec<Bank> = samples
            .iter()
            .map(|(format, source)| {
                parse(source, *format, &options)
                    .unwrap_or_else(|errors| panic!("{format:?}: {errors}"))
            })
            .collect();
        let native = &parsed[0];
        assert!(native.questions.iter().any(|q| !q.red_flags.is_empty()));
        for (bank, (format, _)) in parsed.iter().zip(samples) {
            assert_eq!(bank.questions, native.questions, "{format:?}");
            assert_eq!(bank.competencies, native.competencies, "{format:?}");
        }
    }

    proptest! {
        #[test]
        fn derived_ids_always_match_the_id_rule(prompt in "\\PC{0,300}") {
            let id = derive_question_id(&prompt);
            prop_assert_eq!(id_problem(&id), None);
            prop_assert_eq!(derive_question_id(&prompt.to_ascii_uppercase()), id);
        }

        #[test]
        fn competency_ids_always_match_the_id_rule(name in "\\PC{0,100}") {
            prop_assert_eq!(id_problem(&competency_id(&name)), None);
        }

        #[test]
        fn parse_bytes_never_panics(
            bytes in prop::collection::vec(any::<u8>(), 0..400),
            format in prop::sample::select(Format::ALL.to_vec()),
        ) {
            let options = ParseOptions { bank_id: Some("b".into()), ..ParseOptions::default() };
            if let Err(errors) = parse_bytes(&bytes, format, &options) {
                prop_assert!(!errors.0.is_empty());
                for error in &errors.0 {
                    prop_assert!(error.line >= 1 && error.column >= 1);
                }
            }
        }
    }
}
