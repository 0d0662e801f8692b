//! The collection inside a package, an SQLite database: opened read-only in memory, and
//! its notes read with their fields, deck and tags, whichever schema Anki wrote.

use std::collections::HashMap;

use rusqlite::{config::DbConfig, limits::Limit, Connection};

use super::{invalid, UNKNOWN_SCHEMA};
use crate::bank::csv::NoteRow;
use crate::bank::{Limits, ParseError};

fn unreadable(error: rusqlite::Error) -> ParseError {
    invalid(format!(
        "the package's collection cannot be read ({error}); export the deck from Anki again"
    ))
}

/// The notes of a collection, oldest first, with their deck and their front and back
/// fields.
pub(super) fn read_collection(
    mut collection: Vec<u8>,
    limits: &Limits,
) -> Result<Vec<NoteRow>, ParseError> {
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
pub(super) fn front_and_back(names: &[String]) -> (usize, Option<usize>) {
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
pub(super) fn without_sounds(field: &str) -> String {
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
