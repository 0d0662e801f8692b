//! Anki packages (`.apkg`, and whole collections as `.colpkg`): a zip archive holding an
//! Anki collection, an SQLite database. Its notes become questions the way the columns of
//! an Anki text export do ([`super::csv::read_notes`]): the front (a field named Front,
//! Question or Prompt, else the first) is the prompt, the back (Back, Answer or Rubric,
//! else the next) the rubric, split at line breaks and `<br>`, the deck of the note's
//! first card the competency (`Parent::Child`) and the note's tags its tags. HTML becomes
//! text; other fields, media files and scheduling are left out.
//!
//! Which collection: `collection.anki21b` (Anki 2.1.50 and later: zstd-compressed, schema
//! 18, note types and decks in tables of their own) wins over `collection.anki21` over
//! `collection.anki2` (schema 11: note types and decks as JSON in `col`); a new package
//! also holds an old-style `collection.anki2` with one note asking to update Anki.
//!
//! The archive is not trusted: at most [`MAX_ENTRIES`] entries, none named outside the
//! package (`..`, an absolute path, a backslash or a drive), none encrypted, and the
//! collection read (and unpacked) only up to [`Limits::max_unpacked_bytes`], so a zip
//! bomb never takes more memory than that. The collection is opened read-only in memory,
//! in SQLite's defensive mode, with strings no longer than the collection itself.
//! Problems of the package are reported at line 1, column 1; problems of a note at the
//! line of its number (in creation order), with its front as the excerpt.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use rusqlite::{config::DbConfig, limits::Limit, Connection};

use super::{
    csv::{self, html_to_text, NoteRow},
    file_error, finish, BankErrors, Limits, ParseError, ParseOptions, Parsed,
};
use crate::words::{human_size, over_limit, Rounding};

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// The most entries a package may have. Anki writes its collection, `media`, `meta`, a
/// stand-in old collection and one entry per media file.
pub const MAX_ENTRIES: usize = 1000;

/// The collection files a package may hold, the newest first, and whether each is
/// zstd-compressed.
const COLLECTIONS: [(&str, bool); 3] = [
    ("collection.anki21b", true),
    ("collection.anki21", false),
    ("collection.anki2", false),
];

/// The largest zstd window accepted when unpacking (16 MB); Anki compresses with 2 MB.
const MAX_ZSTD_WINDOW_LOG: u32 = 24;

/// The package format versions Anki's `meta` entry names (legacy 1 and 2, latest).
const KNOWN_VERSIONS: std::ops::RangeInclusive<u64> = 1..=3;

const NOT_A_PACKAGE: &str = "the file is not an Anki package: an .apkg or .colpkg file is a zip archive, and this one is not (or it is damaged)";
const NO_COLLECTION: &str = "the package holds no Anki collection (collection.anki21b, collection.anki21 or collection.anki2); export the deck from Anki again";
const ENCRYPTED: &str = "the package is encrypted (password-protected); Anki never encrypts its packages, so export the deck from Anki again";
const TOO_NEW: &str = "the package was made by a newer Anki than Starling reads; in Anki, export it again with “Support older Anki versions” ticked";
const UNKNOWN_SCHEMA: &str = "the package's collection is not one Starling can read (no notes, cards and note types as Anki keeps them); export the deck from Anki again";

/// Reads a package's notes into a bank.
pub(super) fn parse(bytes: &[u8], options: &ParseOptions) -> Result<Parsed, ParseError> {
    let limits = &options.limits;
    let package = unpack(bytes, limits)?;
    let notes = read_collection(package.collection, limits)?;
    // Each note's front on a line of its own: the excerpts of the notes' problems.
    let fronts = notes
        .iter()
        .map(|note| html_to_text(&note.front).replace(['\n', '\r'], " "))
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems = Vec::new();
    let draft = csv::read_notes(notes, options, &mut problems);
    let bank = finish(&fronts, Some(draft), limits, problems).map_err(|mut errors| {
        for error in &mut errors.0 {
            let of_a_note = error
                .field
                .as_deref()
                .is_some_and(|field| field.starts_with("question["));
            if !of_a_note {
                error.excerpt = None;
            }
        }
        errors
    })?;
    let mut notes = Vec::new();
    if package.media > 0 {
        notes.push(media_note(package.media));
    }
    Ok(Parsed { bank, notes })
}

fn media_note(count: usize) -> String {
    let (files, were) = if count == 1 {
        ("1 media file".to_owned(), "was")
    } else {
        (format!("{count} media files"), "were")
    };
    format!("{files} (images, sounds) {were} ignored: Starling keeps the notes' text only")
}

fn invalid(message: impl Into<String>) -> ParseError {
    ParseError::Invalid(BankErrors(vec![file_error(message.into())]))
}

fn damaged(error: impl std::fmt::Display) -> ParseError {
    invalid(format!("the package is damaged or uses a zip feature Starling does not read ({error}); export the deck from Anki again"))
}

fn too_much(limits: &Limits, size: Option<u64>) -> ParseError {
    let limit = limits.max_unpacked_bytes as u64;
    ParseError::TooLarge(match size {
        Some(size) => over_limit("package's unpacked collection", size, limit),
        None => format!(
            "The package's unpacked collection is larger than the limit of {}",
            human_size(limit, Rounding::Down)
        ),
    })
}

/// What a package holds for Starling: the collection (unpacked) and how many media
/// files it left out.
struct Package {
    collection: Vec<u8>,
    media: usize,
}

fn unpack(bytes: &[u8], limits: &Limits) -> Result<Package, ParseError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| invalid(NOT_A_PACKAGE))?;
    if archive.len() > MAX_ENTRIES {
        return Err(invalid(format!(
            "the package has {} entries; the limit is {MAX_ENTRIES} (its collection, a few small files and the media files)",
            archive.len()
        )));
    }
    if archive.has_duplicate_names() {
        return Err(invalid(
            "the package names an entry twice, so which one is meant is unclear; export the deck from Anki again",
        ));
    }
    let mut media = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(damaged)?;
        let name = entry.name().map_err(damaged)?;
        if !safe_name(&name) {
            return Err(invalid(format!(
                "the package has an entry named `{}`, which points outside the package; such a package is refused",
                shown_name(&name)
            )));
        }
        if entry.encrypted() {
            return Err(invalid(ENCRYPTED));
        }
        // Anki names media files by number (`0`, `1`, …) and lists their names in `media`.
        if name.bytes().all(|byte| byte.is_ascii_digit()) {
            media += 1;
        }
    }
    check_version(&mut archive)?;
    let (index, compressed) = COLLECTIONS
        .iter()
        .find_map(|&(name, compressed)| {
            archive
                .index_for_name(name)
                .map(|index| (index, compressed))
        })
        .ok_or_else(|| invalid(NO_COLLECTION))?;
    let stored = read_entry(&mut archive, index, limits)?;
    let collection = if compressed {
        unzstd(&stored, limits)?
    } else {
        stored
    };
    Ok(Package { collection, media })
}

/// Whether an entry's name stays inside the package wherever it is unpacked: not empty,
/// relative, no `..` part, no backslash (a separator on Windows), no `:` (a drive or an
/// alternate stream) and no NUL.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains(['\\', ':', '\0'])
        && !name.split('/').any(|part| part == "..")
}

/// A name as messages show it: control characters escaped, at most 80 characters.
fn shown_name(name: &str) -> String {
    const LONGEST: usize = 80;
    let mut shown = String::new();
    for c in name.chars().take(LONGEST) {
        if c.is_control() {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    if name.chars().count() > LONGEST {
        shown.push('…');
    }
    shown
}

/// Refuses a package whose `meta` entry names a version of the format newer than Anki's
/// latest known one (Anki itself refuses those).
fn check_version(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), ParseError> {
    let Some(index) = archive.index_for_name("meta") else {
        return Ok(());
    };
    let mut meta = Vec::new();
    archive
        .by_index(index)
        .map_err(damaged)?
        .take(64)
        .read_to_end(&mut meta)
        .map_err(damaged)?;
    match meta_version(&meta) {
        Some(version) if !KNOWN_VERSIONS.contains(&version) => Err(invalid(TOO_NEW)),
        _ => Ok(()),
    }
}

/// The version in Anki's `meta` entry, a protocol buffer whose field 1 is the version
/// (an empty message is version 0); `None` when it is not such a message.
fn meta_version(meta: &[u8]) -> Option<u64> {
    let Some((&tag, mut rest)) = meta.split_first() else {
        return Some(0);
    };
    if tag != 0x08 {
        return None;
    }
    let mut version = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, after) = rest.split_first()?;
        rest = after;
        version |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(version);
        }
    }
    None
}

/// An entry's contents, refused beyond the unpacked limit without reading further.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limits: &Limits,
) -> Result<Vec<u8>, ParseError> {
    let limit = limits.max_unpacked_bytes as u64;
    let entry = archive.by_index(index).map_err(damaged)?;
    if entry.size() > limit {
        return Err(too_much(limits, Some(entry.size())));
    }
    read_at_most(entry, limits, damaged)
}

/// A zstd-compressed collection, unpacked up to the limit.
fn unzstd(compressed: &[u8], limits: &Limits) -> Result<Vec<u8>, ParseError> {
    let unreadable = |error: std::io::Error| {
        invalid(format!(
            "the package's collection cannot be unpacked ({error}); export the deck from Anki again"
        ))
    };
    let mut decoder = zstd::stream::read::Decoder::with_buffer(compressed).map_err(unreadable)?;
    decoder
        .window_log_max(MAX_ZSTD_WINDOW_LOG)
        .map_err(unreadable)?;
    read_at_most(decoder, limits, unreadable)
}

/// Everything `reader` gives, or [`ParseError::TooLarge`] as soon as it gives more
/// than the unpacked limit.
fn read_at_most(
    reader: impl Read,
    limits: &Limits,
    error: impl Fn(std::io::Error) -> ParseError,
) -> Result<Vec<u8>, ParseError> {
    let limit = limits.max_unpacked_bytes as u64;
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(error)?;
    if bytes.len() as u64 > limit {
        return Err(too_much(limits, None));
    }
    Ok(bytes)
}

fn unreadable(error: rusqlite::Error) -> ParseError {
    invalid(format!(
        "the package's collection cannot be read ({error}); export the deck from Anki again"
    ))
}

/// The notes of a collection, oldest first, with their deck and their front and back
/// fields.
fn read_collection(mut collection: Vec<u8>, limits: &Limits) -> Result<Vec<NoteRow>, ParseError> {
    const HEADER: &[u8] = b"SQLite format 3\0";
    if !collection.starts_with(HEADER) || collection.len() < 100 {
        return Err(invalid(UNKNOWN_SCHEMA));
    }
    // The file format versions: a collection left in WAL mode (2) opens in memory only
    // as a rollback-journal one (1).
    collection[18] = 1;
    collection[19] = 1;
    let db = open(&collection, limits).map_err(unreadable)?;
    drop(collection);
    let tables = tables(&db).map_err(unreadable)?;
    let is_table = |name: &str| tables.get(name).is_some_and(|kind| kind == "table");
    if !(is_table("col") && is_table("notes") && is_table("cards")) {
        return Err(invalid(UNKNOWN_SCHEMA));
    }
    let version: i64 = db
        .query_row("SELECT ver FROM col", [], |row| row.get(0))
        .map_err(unreadable)?;
    let notes: i64 = db
        .query_row("SELECT count(*) FROM notes", [], |row| row.get(0))
        .map_err(unreadable)?;
    if notes as u64 > limits.max_questions as u64 {
        return Err(invalid(format!(
            "the package has {notes} notes; the limit is {} questions",
            limits.max_questions
        )));
    }
    let (fields, decks) = if version >= 15 {
        if !(is_table("notetypes") && is_table("fields") && is_table("decks")) {
            return Err(invalid(UNKNOWN_SCHEMA));
        }
        (fields_of_tables(&db)?, decks_of_table(&db)?)
    } else if version >= 11 {
        json_fields_and_decks(&db)?
    } else {
        return Err(invalid(UNKNOWN_SCHEMA));
    };
    let note_decks = note_decks(&db).map_err(unreadable)?;
    let mut statement = db
        .prepare("SELECT id, mid, tags, flds FROM notes ORDER BY id")
        .map_err(unreadable)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .map_err(unreadable)?;
    let mut notes = Vec::new();
    for row in rows {
        let (id, note_type, tags, values) = row.map_err(unreadable)?;
        let values: Vec<&str> = values.split('\x1f').collect();
        let names = fields.get(&note_type).map_or(&[][..], Vec::as_slice);
        let (front, back) = front_and_back(names);
        let value = |index: Option<usize>| {
            index
                .and_then(|index| values.get(index))
                .map_or_else(String::new, |value| without_sounds(value))
        };
        let other = names
            .iter()
            .enumerate()
            .filter(|&(index, _)| index != front && Some(index) != back)
            .map(|(index, name)| (name.clone(), value(Some(index))))
            .collect();
        notes.push(NoteRow {
            front: value(Some(front)),
            back: value(back),
            other,
            deck: note_decks
                .get(&id)
                .and_then(|deck| decks.get(deck))
                .cloned(),
            tags,
        });
    }
    Ok(notes)
}

/// The collection as a read-only in-memory database, opened as SQLite advises for files
/// from elsewhere.
fn open(collection: &[u8], limits: &Limits) -> rusqlite::Result<Connection> {
    let mut db = Connection::open_in_memory()?;
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    let longest = i32::try_from(limits.max_unpacked_bytes).unwrap_or(i32::MAX);
    db.set_limit(Limit::SQLITE_LIMIT_LENGTH, longest)?;
    // Anki's own case-insensitive collation, which its tables name.
    db.create_collation("unicase", |a, b| a.to_lowercase().cmp(&b.to_lowercase()))?;
    db.deserialize_read_exact("main", collection, collection.len(), true)?;
    db.pragma_update(None, "cell_size_check", true)?;
    db.pragma_update(None, "query_only", true)?;
    Ok(db)
}

/// The kind (`table`, `view`, …) of each named thing in the schema.
fn tables(db: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut statement = db.prepare("SELECT name, type FROM sqlite_master")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// The field names of each note type, in order, by note type id.
type FieldNames = HashMap<i64, Vec<String>>;
/// The name of each deck (`Parent::Child`), by deck id.
type DeckNames = HashMap<i64, String>;

/// The field names of each note type, in order, from the `fields` table (schema 15 on).
fn fields_of_tables(db: &Connection) -> Result<FieldNames, ParseError> {
    let mut statement = db
        .prepare("SELECT ntid, name FROM fields ORDER BY ntid, ord")
        .map_err(unreadable)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))
        .map_err(unreadable)?;
    let mut fields = FieldNames::new();
    for row in rows {
        let (note_type, name) = row.map_err(unreadable)?;
        fields.entry(note_type).or_default().push(name);
    }
    Ok(fields)
}

/// Deck names from the `decks` table (schema 15 on), which separates the levels with
/// U+001F where Anki shows `::`.
fn decks_of_table(db: &Connection) -> Result<DeckNames, ParseError> {
    let mut statement = db
        .prepare("SELECT id, name FROM decks")
        .map_err(unreadable)?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(unreadable)?;
    rows.map(|row| {
        row.map(|(id, name)| (id, name.replace('\x1f', "::")))
            .map_err(unreadable)
    })
    .collect()
}

#[derive(serde::Deserialize)]
struct JsonNoteType {
    #[serde(default)]
    flds: Vec<JsonField>,
}

#[derive(serde::Deserialize)]
struct JsonField {
    name: String,
    #[serde(default)]
    ord: Option<i64>,
}

#[derive(serde::Deserialize)]
struct JsonDeck {
    name: String,
}

/// Field names and deck names from the JSON of the `col` row (schema 11 to 14).
fn json_fields_and_decks(db: &Connection) -> Result<(FieldNames, DeckNames), ParseError> {
    let (models, decks): (String, String) = db
        .query_row("SELECT models, decks FROM col", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(unreadable)?;
    let unreadable_json = |what: &str, error: serde_json::Error| {
        invalid(format!(
            "the package's collection has {what} Starling cannot read ({error}); export the deck from Anki again"
        ))
    };
    let models: HashMap<String, JsonNoteType> =
        serde_json::from_str(&models).map_err(|error| unreadable_json("note types", error))?;
    let decks: HashMap<String, JsonDeck> =
        serde_json::from_str(&decks).map_err(|error| unreadable_json("decks", error))?;
    let fields = models
        .into_iter()
        .filter_map(|(id, model)| {
            let mut fields = model.flds;
            fields.sort_by_key(|field| field.ord);
            let names = fields.into_iter().map(|field| field.name).collect();
            Some((id.parse().ok()?, names))
        })
        .collect();
    let decks = decks
        .into_iter()
        .filter_map(|(id, deck)| Some((id.parse().ok()?, deck.name)))
        .collect();
    Ok((fields, decks))
}

/// The deck of each note: that of its first card (a card in a filtered deck counts in
/// the deck it came from).
fn note_decks(db: &Connection) -> rusqlite::Result<HashMap<i64, i64>> {
    let mut statement = db.prepare(
        "SELECT nid, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards ORDER BY nid, ord, id",
    )?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let mut decks = HashMap::new();
    for row in rows {
        let (note, deck) = row?;
        decks.entry(note).or_insert(deck);
    }
    Ok(decks)
}

/// Which fields are the front and the back: those named so (Front, Question or Prompt;
/// Back, Answer or Rubric, in any case), else the first and the next other one.
fn front_and_back(names: &[String]) -> (usize, Option<usize>) {
    let named = |wanted: [&str; 3]| {
        names
            .iter()
            .position(|name| wanted.iter().any(|w| name.trim().eq_ignore_ascii_case(w)))
    };
    let front = named(["front", "question", "prompt"]).unwrap_or(0);
    let back = named(["back", "answer", "rubric"])
        .filter(|&back| back != front)
        .or_else(|| (0..names.len().max(2)).find(|&index| index != front));
    (front, back)
}

/// A field without Anki's `[sound:file.mp3]` references to media files.
fn without_sounds(field: &str) -> String {
    let mut text = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(start) = rest.find("[sound:") {
        let Some(end) = rest[start..].find(']') else {
            break;
        };
        text.push_str(&rest[..start]);
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::{parse, parse_bytes, parse_file, Competency, Format};
    use super::testing::*;
    use super::*;

    fn options() -> ParseOptions {
        ParseOptions {
            bank_id: Some("leaders".into()),
            ..ParseOptions::default()
        }
    }

    fn read(package: &[u8]) -> Result<Parsed, ParseError> {
        parse_file(package, Format::Apkg, &options())
    }

    /// The one problem of a refused package, at line 1, column 1.
    fn refusal(package: &[u8]) -> String {
        match read(package) {
            Err(ParseError::Invalid(errors)) => {
                assert_eq!(errors.0.len(), 1, "{errors:#?}");
                let error = &errors.0[0];
                assert_eq!((error.line, error.column), (1, 1));
                assert_eq!(error.excerpt, None);
                error.message.clone()
            }
            other => panic!("expected one problem, got {other:?}"),
        }
    }

    fn assert_sample_bank(parsed: &Parsed) {
        let bank = &parsed.bank;
        assert_eq!(
            (bank.id.as_str(), bank.title.as_str()),
            ("leaders", "leaders")
        );
        assert_eq!(
            bank.competencies,
            [
                Competency {
                    id: "leadership-feedback".into(),
                    name: "Leadership::Feedback".into(),
                    description: String::new(),
                },
                Competency {
                    id: "hiring-firing".into(),
                    name: "Hiring & firing".into(),
                    description: String::new(),
                },
            ]
        );
        let questions: Vec<_> = bank
            .questions
            .iter()
            .map(|q| {
                (
                    q.competency.as_str(),
                    q.prompt.as_str(),
                    q.rubric.clone(),
                    q.tags.clone(),
                )
            })
            .collect();
        assert_eq!(
            questions,
            [
                (
                    "leadership-feedback",
                    "Tell me about a time you gave hard feedback.",
                    vec![
                        "Names the behaviour".to_owned(),
                        "Says the effect on the team".to_owned(),
                        "Agrees a next step".to_owned()
                    ],
                    vec!["feedback".to_owned(), "core".to_owned()],
                ),
                (
                    "leadership-feedback",
                    "When did feedback you gave not land?",
                    vec!["Owns their part".to_owned(), "Tries again".to_owned()],
                    vec![],
                ),
                (
                    "hiring-firing",
                    "Describe a hire that did not work out.",
                    vec!["Acts within weeks".to_owned()],
                    vec!["hiring".to_owned()],
                ),
            ]
        );
        assert_eq!(
            parsed.notes,
            ["2 media files (images, sounds) were ignored: Starling keeps the notes' text only"]
        );
    }

    #[test]
    fn an_old_style_package_is_read() {
        let package = old_package(&["Front", "Back"], &sample_notes(), &sample_media());
        assert_sample_bank(&read(&package).unwrap());
    }

    #[test]
    fn a_new_style_package_is_read_from_its_newest_collection() {
        let package = new_package(&["Front", "Back"], &sample_notes(), &sample_media());
        let parsed = read(&package).unwrap();
        // Not the stand-in collection.anki2 asking to update Anki.
        assert_sample_bank(&parsed);
    }

    #[test]
    fn fields_are_found_by_name() {
        let notes = sample_notes_for_sample_fields();
        for package in [
            old_package(&SAMPLE_FIELDS, &notes, &sample_media()),
            new_package(&SAMPLE_FIELDS, &notes, &sample_media()),
        ] {
            assert_sample_bank(&read(&package).unwrap());
        }
        let questions = [("Question", "Answer"), ("PROMPT", "rubric")];
        for (front, back) in questions {
            let notes = vec![Note::new("D", &["the back", "the front"], &[])];
            let package = old_package(&[back, front], &notes, &[]);
            let bank = read(&package).unwrap().bank;
            assert_eq!(bank.questions[0].prompt, "the front", "{front}");
            assert_eq!(bank.questions[0].rubric, ["the back"], "{back}");
        }
    }

    #[test]
    fn fields_named_as_bank_columns_fill_them() {
        let fields = [
            "Front",
            "Back",
            "Red flags",
            "Follow-ups",
            "Level",
            "Source",
        ];
        let notes = vec![Note::new(
            "Leadership",
            &[
                "Tell me about a hard call.",
                "Names the options",
                "Blames the team | <b>Hypothetical</b> answer",
                "What did you say?",
                "experienced",
                "Copied from a book",
            ],
            &[],
        )];
        for package in [
            old_package(&fields, &notes, &[]),
            new_package(&fields, &notes, &[]),
        ] {
            let question = read(&package).unwrap().bank.questions.remove(0);
            assert_eq!(question.rubric, ["Names the options"]);
            assert_eq!(
                question.red_flags,
                ["Blames the team", "Hypothetical answer"]
            );
            assert_eq!(question.follow_ups, ["What did you say?"]);
            assert_eq!(question.level, ["experienced"]);
            assert!(question.variants.is_empty() && question.tags.is_empty());
        }
    }

    #[test]
    fn a_note_without_a_back_or_cards_is_a_question_of_general() {
        let notes = vec![Note::new("Cloze", &["{{c1::Paris}} is the capital"], &[])];
        let package = new_package(&["Text"], &notes, &[]);
        let parsed = read(&package).unwrap();
        assert_eq!(
            parsed.bank.questions[0].prompt,
            "{{c1::Paris}} is the capital"
        );
        assert!(parsed.bank.questions[0].rubric.is_empty());
        assert!(parsed.notes.is_empty());
    }

    #[test]
    fn parse_and_parse_bytes_read_packages_too() {
        let package = old_package(&["Front", "Back"], &sample_notes(), &[]);
        let bank = parse_bytes(&package, Format::Apkg, &options()).unwrap();
        assert_eq!(bank.questions.len(), 3);
        // A zip archive is rarely UTF-8, but one that is reads as the same bytes.
        let errors = parse("PK", Format::Apkg, &options()).unwrap_err();
        assert!(errors.0[0].message.contains("not an Anki package"));
    }

    #[test]
    fn a_package_names_its_bank_only_through_the_options() {
        let package = old_package(&["Front", "Back"], &sample_notes(), &[]);
        let errors = parse_file(&package, Format::Apkg, &ParseOptions::default())
            .unwrap_err()
            .into_errors();
        assert_eq!(errors.0.len(), 1, "{errors:#?}");
        assert_eq!(errors.0[0].field.as_deref(), Some("bank.id"));
        assert!(errors.0[0]
            .message
            .starts_with("this Anki package file does not name its bank"));
        assert_eq!(errors.0[0].excerpt, None);
    }

    #[test]
    fn problems_of_a_note_name_its_number_and_show_its_front() {
        let mut notes = sample_notes();
        notes[1].fields[0] = "<img src=\"only-a-picture.png\">".to_owned();
        notes.push(Note::new(
            "Leadership::Feedback",
            &["Tell me about a time you gave <i>hard</i> feedback!", ""],
            &[],
        ));
        let package = new_package(&["Front", "Back"], &notes, &[]);
        let errors = read(&package).unwrap_err().into_errors().0;
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str(), e.excerpt.as_deref()))
            .collect();
        assert_eq!(found.len(), 2, "{errors:#?}");
        assert_eq!(found[0], (2, "the prompt is empty", None));
        assert_eq!(found[1].0, 4);
        assert!(found[1].1.starts_with("duplicate question id"), "{found:?}");
        assert_eq!(
            found[1].2,
            Some("Tell me about a time you gave hard feedback!")
        );
    }

    #[test]
    fn the_question_limit_counts_notes_before_reading_them() {
        let package = old_package(&["Front", "Back"], &sample_notes(), &[]);
        let options = ParseOptions {
            limits: Limits {
                max_questions: 2,
                ..Limits::default()
            },
            ..options()
        };
        let errors = parse_file(&package, Format::Apkg, &options)
            .unwrap_err()
            .into_errors();
        assert_eq!(
            errors.0[0].message,
            "the package has 3 notes; the limit is 2 questions"
        );
    }

    #[test]
    fn a_zip_bomb_is_too_large_and_never_unpacked_whole() {
        let bomb = zip_bomb();
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        match read(&bomb) {
            Err(ParseError::TooLarge(message)) => assert_eq!(
                message,
                "The package's unpacked collection is 100 MB; the limit is 64 MB"
            ),
            other => panic!("{other:?}"),
        }
        // A zstd bomb says nothing of its size: unpacking stops at the limit.
        let options = ParseOptions {
            limits: Limits {
                max_unpacked_bytes: 1024 * 1024,
                ..Limits::default()
            },
            ..options()
        };
        match parse_file(&zstd_bomb(8), Format::Apkg, &options) {
            Err(ParseError::TooLarge(message)) => assert_eq!(
                message,
                "The package's unpacked collection is larger than the limit of 1 MB"
            ),
            other => panic!("{other:?}"),
        }
        // Reported at the file's start by parse_bytes.
        let errors = parse_bytes(&bomb, Format::Apkg, &ParseOptions::default()).unwrap_err();
        assert_eq!((errors.0[0].line, errors.0[0].column), (1, 1));
    }

    #[test]
    fn entries_outside_the_package_are_refused() {
        for name in [
            "../evil",
            "media/../../evil",
            "/etc/passwd",
            "..\\evil",
            "C:evil",
            "a\\b",
        ] {
            let message = refusal(&with_entry(name));
            assert!(
                message.contains("points outside the package"),
                "{name}: {message}"
            );
        }
        assert_eq!(
            refusal(&with_entry("../evil")),
            "the package has an entry named `../evil`, which points outside the package; such a package is refused"
        );
        // A name with dots that stays inside is fine.
        assert!(read(&with_entry("notes..txt")).is_ok());
    }

    #[test]
    fn too_many_entries_are_refused() {
        assert_eq!(
            refusal(&many_entries(10_000)),
            "the package has 10000 entries; the limit is 1000 (its collection, a few small files and the media files)"
        );
        let parsed = read(&many_entries(MAX_ENTRIES)).unwrap();
        assert!(
            parsed.notes[0].starts_with("999 media files"),
            "{:?}",
            parsed.notes
        );
    }

    #[test]
    fn encrypted_packages_are_refused() {
        assert_eq!(refusal(&encrypted()), ENCRYPTED);
    }

    #[test]
    fn what_is_not_a_package_says_so() {
        for bytes in [&b""[..], b"PK\x03\x04 truncated", b"[bank]\nid = \"x\"\n"] {
            assert_eq!(refusal(bytes), NOT_A_PACKAGE);
        }
        let empty = zip_of(&[], zip::CompressionMethod::Stored);
        assert_eq!(refusal(&empty), NO_COLLECTION);
        let text = zip_of(
            &[("collection.anki2".to_owned(), b"not a database".to_vec())],
            zip::CompressionMethod::Deflated,
        );
        assert_eq!(refusal(&text), UNKNOWN_SCHEMA);
        let other = {
            let db = Connection::open_in_memory().unwrap();
            db.execute_batch("create table notes (id integer);")
                .unwrap();
            db.serialize("main").unwrap().to_vec()
        };
        let other = zip_of(
            &[("collection.anki21".to_owned(), other)],
            zip::CompressionMethod::Deflated,
        );
        assert_eq!(refusal(&other), UNKNOWN_SCHEMA);
        let not_zstd = zip_of(
            &[("collection.anki21b".to_owned(), b"plain".to_vec())],
            zip::CompressionMethod::Stored,
        );
        assert!(refusal(&not_zstd).starts_with("the package's collection cannot be unpacked"));
    }

    #[test]
    fn packages_of_a_newer_anki_are_refused() {
        let package = old_package(&["Front", "Back"], &sample_notes(), &[]);
        let mut entries = vec![("meta".to_owned(), vec![0x08, 0x04])];
        entries.push((
            "collection.anki2".to_owned(),
            old_collection(&["Front", "Back"], &sample_notes()),
        ));
        let newer = zip_of(&entries, zip::CompressionMethod::Stored);
        assert_eq!(refusal(&newer), TOO_NEW);
        assert!(read(&package).is_ok());
        assert_eq!(meta_version(&[0x08, 0x03]), Some(3));
        assert_eq!(meta_version(&[0x08, 0x96, 0x01]), Some(150));
        assert_eq!(meta_version(&[]), Some(0));
        assert_eq!(meta_version(&[0x12]), None);
        assert_eq!(meta_version(&[0x08, 0x80]), None);
    }

    #[test]
    fn sounds_are_left_out_of_fields() {
        assert_eq!(without_sounds("a [sound:x.mp3]b[sound:y.ogg]"), "a b");
        assert_eq!(without_sounds("[sound:unclosed"), "[sound:unclosed");
    }

    #[test]
    fn the_front_and_back_fields() {
        let names = |list: &[&str]| list.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
        assert_eq!(front_and_back(&names(&["Front", "Back"])), (0, Some(1)));
        assert_eq!(
            front_and_back(&names(&["x", " back ", "FRONT"])),
            (2, Some(1))
        );
        assert_eq!(front_and_back(&names(&["x", "Question"])), (1, Some(0)));
        assert_eq!(front_and_back(&names(&["Text"])), (0, Some(1)));
        assert_eq!(front_and_back(&[]), (0, Some(1)));
    }

    proptest::proptest! {
        #[test]
        fn packages_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read(&bytes);
            // A real package with bytes changed in it.
            let mut package = old_package(&["Front", "Back"], &sample_notes()[..1], &[]);
            for (at, byte) in bytes.iter().enumerate().take(20) {
                let index = (usize::from(*byte) * 7919 + at * 104_729) % package.len();
                package[index] ^= byte | 1;
            }
            if let Err(error) = read(&package) {
                proptest::prop_assert!(!error.into_errors().0.is_empty());
            }
        }
    }
}
