//! Anki packages for tests, written the way Anki writes them: an old-style package (a
//! schema 11 `collection.anki2`, note types and decks as JSON, media listed as JSON) and
//! a new-style one (a zstd-compressed schema 18 `collection.anki21b` with note types,
//! fields and decks in tables, `meta`, a stand-in `collection.anki2`, zstd-compressed
//! media). Also the malicious packages the reader refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use rusqlite::{params, Connection};
use zip::write::SimpleFileOptions;

/// One note: its fields in the note type's order (HTML), tags and deck (`Parent::Child`).
#[derive(Clone, Debug)]
pub struct Note {
    pub fields: Vec<String>,
    pub tags: Vec<String>,
    pub deck: String,
}

impl Note {
    pub fn new(deck: &str, fields: &[&str], tags: &[&str]) -> Self {
        Note {
            fields: fields.iter().map(|&field| field.to_owned()).collect(),
            tags: tags.iter().map(|&tag| tag.to_owned()).collect(),
            deck: deck.to_owned(),
        }
    }
}

/// A deck as Anki users make them: a nested deck, HTML in the fields (line breaks as
/// `<br>` and `<div>`, an entity, an image and a sound), tags, and a second card type.
pub fn sample_notes() -> Vec<Note> {
    vec![
        Note::new(
            "Leadership::Feedback",
            &[
                "Tell me about a time you gave <b>hard</b> feedback.",
                "Names the behaviour<br>Says the effect on the team<div>Agrees a next step</div>",
            ],
            &["feedback", "core"],
        ),
        Note::new(
            "Leadership::Feedback",
            &[
                "When did feedback you gave <i>not</i> land?&nbsp;<img src=\"face.png\">",
                "Owns their part<br><br>Tries again [sound:tip.mp3]",
            ],
            &[],
        ),
        Note::new(
            "Hiring & firing",
            &[
                "Describe a hire that did not work out.",
                "Acts within weeks",
            ],
            &["hiring"],
        ),
    ]
}

/// The field names of the sample note type: the names the reader looks for come second
/// and third, so it must find them by name.
pub const SAMPLE_FIELDS: [&str; 3] = ["Notes", "Front", "Back"];

/// The sample notes with their fields in [`SAMPLE_FIELDS`] order.
pub fn sample_notes_for_sample_fields() -> Vec<Note> {
    sample_notes()
        .into_iter()
        .map(|mut note| {
            note.fields
                .insert(0, "a field the import leaves out".to_owned());
            note
        })
        .collect()
}

/// Media files as packages carry them: (name, contents).
pub fn sample_media() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("face.png", b"\x89PNG not really".to_vec()),
        ("tip.mp3", b"ID3 not really".to_vec()),
    ]
}

/// An old-style package: `collection.anki2` (schema 11) and media listed in a JSON
/// `media` entry, as Anki 2.0 and genanki write them.
pub fn old_package(fields: &[&str], notes: &[Note], media: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let collection = old_collection(fields, notes);
    let mut entries = vec![("collection.anki2".to_owned(), collection)];
    let map: serde_json::Map<String, serde_json::Value> = media
        .iter()
        .enumerate()
        .map(|(index, (name, _))| (index.to_string(), (*name).into()))
        .collect();
    entries.push((
        "media".to_owned(),
        serde_json::to_vec(&map).expect("a map is JSON"),
    ));
    for (index, (_, contents)) in media.iter().enumerate() {
        entries.push((index.to_string(), contents.clone()));
    }
    zip_of(&entries, zip::CompressionMethod::Deflated)
}

/// A new-style package as Anki 2.1.50 and later export it: `meta` (version 3), the
/// zstd-compressed `collection.anki21b` (schema 18), the stand-in `collection.anki2`
/// asking to update Anki, the media list and the media files, zstd-compressed, all
/// stored without zip compression.
pub fn new_package(fields: &[&str], notes: &[Note], media: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let collection = zstd::encode_all(new_collection(fields, notes).as_slice(), 0).unwrap();
    let stand_in = old_collection(
        &["Front", "Back"],
        &[Note::new(
            "Default",
            &["Please update to the latest Anki version, then import the .colpkg/.apkg file again."],
            &[],
        )],
    );
    let mut entries = vec![
        ("meta".to_owned(), vec![0x08, 0x03]),
        ("collection.anki21b".to_owned(), collection),
        ("collection.anki2".to_owned(), stand_in),
    ];
    // MediaEntries { repeated MediaEntry entries = 1 }, MediaEntry { name = 1, size = 2 }.
    let mut list = Vec::new();
    for (name, contents) in media {
        let mut entry = vec![0x0a, name.len() as u8];
        entry.extend_from_slice(name.as_bytes());
        entry.extend([0x10, contents.len() as u8]);
        list.extend([0x0a, entry.len() as u8]);
        list.extend(entry);
    }
    entries.push((
        "media".to_owned(),
        zstd::encode_all(list.as_slice(), 0).unwrap(),
    ));
    for (index, (_, contents)) in media.iter().enumerate() {
        entries.push((
            index.to_string(),
            zstd::encode_all(contents.as_slice(), 0).unwrap(),
        ));
    }
    zip_of(&entries, zip::CompressionMethod::Stored)
}

/// A zip archive of `entries` (name, contents), in order.
pub fn zip_of(entries: &[(String, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, contents) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(contents).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A package whose `collection.anki2` unpacks to 100 MB of zeros (about 100 KB packed).
pub fn zip_bomb() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    zip.start_file("collection.anki2", options).unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..100 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A new-style package whose zstd-compressed collection unpacks to `megabytes` MB of
/// zeros, though the zip entry says only how big the compressed collection is.
pub fn zstd_bomb(megabytes: usize) -> Vec<u8> {
    let zeros = vec![0u8; megabytes * 1024 * 1024];
    let collection = zstd::encode_all(zeros.as_slice(), 19).unwrap();
    zip_of(
        &[
            ("meta".to_owned(), vec![0x08, 0x03]),
            ("collection.anki21b".to_owned(), collection),
        ],
        zip::CompressionMethod::Stored,
    )
}

/// The sample package with one more entry named `name` (such as `../evil`).
pub fn with_entry(name: &str) -> Vec<u8> {
    let collection = old_collection(&["Front", "Back"], &sample_notes());
    zip_of(
        &[
            ("collection.anki2".to_owned(), collection),
            (name.to_owned(), b"evil".to_vec()),
        ],
        zip::CompressionMethod::Deflated,
    )
}

/// A package of `count` entries: the sample collection and empty media files.
pub fn many_entries(count: usize) -> Vec<u8> {
    let mut entries = vec![(
        "collection.anki2".to_owned(),
        old_collection(&["Front", "Back"], &sample_notes()),
    )];
    entries.extend((1..count).map(|index| (index.to_string(), Vec::new())));
    zip_of(&entries, zip::CompressionMethod::Stored)
}

/// The sample package with its collection encrypted (ZipCrypto, as `zip -e` does).
pub fn encrypted() -> Vec<u8> {
    use zip::unstable::write::FileOptionsExt;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .with_deprecated_encryption(b"secret")
        .unwrap();
    zip.start_file("collection.anki2", options).unwrap();
    zip.write_all(&old_collection(&["Front", "Back"], &sample_notes()))
        .unwrap();
    zip.finish().unwrap().into_inner()
}

const NOTE_TYPE_ID: i64 = 1_342_697_561_419;
const FIRST_NOTE_ID: i64 = 1_700_000_000_000;
/// A filtered deck (not listed among the decks): its cards name their own deck in `odid`.
const FILTERED_DECK_ID: i64 = 1_650_000_000_000;

/// The decks the notes use, each with an id, in order of first use (after Default).
fn deck_ids(notes: &[Note]) -> Vec<(i64, String)> {
    let mut decks = vec![(1, "Default".to_owned())];
    for note in notes {
        if !decks.iter().any(|(_, name)| *name == note.deck) {
            decks.push((1_600_000_000_000 + decks.len() as i64, note.deck.clone()));
        }
    }
    decks
}

fn deck_id(decks: &[(i64, String)], name: &str) -> i64 {
    decks.iter().find(|(_, deck)| deck == name).unwrap().0
}

/// An in-memory database with Anki's case-insensitive collation, which its tables name.
fn database() -> Connection {
    let db = Connection::open_in_memory().unwrap();
    db.create_collation("unicase", |a, b| a.to_lowercase().cmp(&b.to_lowercase()))
        .unwrap();
    db
}

fn bytes_of(db: &Connection) -> Vec<u8> {
    db.serialize("main").unwrap().to_vec()
}

/// Anki's schema 11 (rslib/src/storage/schema11.sql), without the graves table, which
/// changed in schema 18.
const SCHEMA_11: &str = "
create table col (id integer primary key, crt integer not null, mod integer not null,
  scm integer not null, ver integer not null, dty integer not null, usn integer not null,
  ls integer not null, conf text not null, models text not null, decks text not null,
  dconf text not null, tags text not null);
create table notes (id integer primary key, guid text not null, mid integer not null,
  mod integer not null, usn integer not null, tags text not null, flds text not null,
  sfld integer not null, csum integer not null, flags integer not null, data text not null);
create table cards (id integer primary key, nid integer not null, did integer not null,
  ord integer not null, mod integer not null, usn integer not null, type integer not null,
  queue integer not null, due integer not null, ivl integer not null, factor integer not null,
  reps integer not null, lapses integer not null, left integer not null, odue integer not null,
  odid integer not null, flags integer not null, data text not null);
create table revlog (id integer primary key, cid integer not null, usn integer not null,
  ease integer not null, ivl integer not null, lastIvl integer not null,
  factor integer not null, time integer not null, type integer not null);
create index ix_notes_usn on notes (usn);
create index ix_cards_usn on cards (usn);
create index ix_revlog_usn on revlog (usn);
create index ix_cards_nid on cards (nid);
create index ix_cards_sched on cards (did, queue, due);
create index ix_revlog_cid on revlog (cid);
create index ix_notes_csum on notes (csum);
";

/// The tables schema 14, 15 and 18 add (rslib/src/storage/upgrades).
const SCHEMA_18: &str = "
create table graves (oid integer not null, type integer not null, usn integer not null,
  primary key (oid, type)) without rowid;
create index idx_graves_pending on graves (usn);
create table deck_config (id integer primary key not null, name text not null collate unicase,
  mtime_secs integer not null, usn integer not null, config blob not null);
create table config (key text not null primary key, usn integer not null,
  mtime_secs integer not null, val blob not null) without rowid;
create table tags (tag text not null primary key collate unicase, usn integer not null)
  without rowid;
create table fields (ntid integer not null, ord integer not null,
  name text not null collate unicase, config blob not null, primary key (ntid, ord))
  without rowid;
create unique index idx_fields_name_ntid on fields (name, ntid);
create table templates (ntid integer not null, ord integer not null,
  name text not null collate unicase, mtime_secs integer not null, usn integer not null,
  config blob not null, primary key (ntid, ord)) without rowid;
create unique index idx_templates_name_ntid on templates (name, ntid);
create table notetypes (id integer not null primary key, name text not null collate unicase,
  mtime_secs integer not null, usn integer not null, config blob not null);
create unique index idx_notetypes_name on notetypes (name);
create table decks (name text not null primary key collate unicase, id integer not null,
  mtime_secs integer not null, usn integer not null, common blob not null,
  kind blob not null);
create unique index idx_decks_id on decks (id);
";

/// The notes and their cards: two cards a note (forward and reverse, in the note's deck),
/// the second written first so that the reader has to order them.
fn insert_notes(db: &Connection, notes: &[Note], decks: &[(i64, String)]) {
    for (index, note) in notes.iter().enumerate() {
        let id = FIRST_NOTE_ID + index as i64;
        let tags = if note.tags.is_empty() {
            String::new()
        } else {
            format!(" {} ", note.tags.join(" "))
        };
        db.execute(
            "insert into notes values (?1, ?2, ?3, 0, -1, ?4, ?5, ?6, 0, 0, '')",
            params![
                id,
                format!("guid{index}"),
                NOTE_TYPE_ID,
                tags,
                note.fields.join("\x1f"),
                note.fields.first().cloned().unwrap_or_default(),
            ],
        )
        .unwrap();
        let deck = deck_id(decks, &note.deck);
        for ord in [1, 0] {
            // The reverse card sits in Default: only the first card names the deck. The
            // last note's first card is in a filtered deck, which keeps its own deck.
            let (did, odid) = match ord {
                1 => (1, 0),
                _ if index + 1 == notes.len() && index > 0 => (FILTERED_DECK_ID, deck),
                _ => (deck, 0),
            };
            db.execute(
                "insert into cards values (?1, ?2, ?3, ?4, 0, -1, 0, 0, ?5, 0, 0, 0, 0, 0, 0, ?6, 0, '')",
                params![id * 10 + ord, id, did, ord, index as i64, odid],
            )
            .unwrap();
        }
    }
}

/// A schema 11 collection: note types and decks as JSON in `col`.
pub fn old_collection(fields: &[&str], notes: &[Note]) -> Vec<u8> {
    let db = database();
    db.execute_batch(SCHEMA_11).unwrap();
    db.execute_batch(
        "create table graves (usn integer not null, oid integer not null, type integer not null);",
    )
    .unwrap();
    let decks = deck_ids(notes);
    let flds: Vec<serde_json::Value> = fields
        .iter()
        .enumerate()
        .map(|(ord, name)| serde_json::json!({ "name": name, "ord": ord, "sticky": false, "rtl": false, "font": "Arial", "size": 20 }))
        .collect();
    let models = serde_json::json!({
        NOTE_TYPE_ID.to_string(): {
            "id": NOTE_TYPE_ID, "name": "Basic (and reversed card)", "type": 0, "mod": 0,
            "usn": -1, "sortf": 0, "did": 1, "flds": flds,
            "tmpls": [{ "name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}" },
                      { "name": "Card 2", "ord": 1, "qfmt": "{{Back}}", "afmt": "{{Front}}" }],
            "css": ".card {}", "latexPre": "", "latexPost": "", "req": [],
        }
    });
    let decks_json: serde_json::Map<String, serde_json::Value> = decks
        .iter()
        .map(|(id, name)| {
            (
                id.to_string(),
                serde_json::json!({ "id": id, "name": name, "desc": "", "dyn": 0, "conf": 1, "collapsed": false }),
            )
        })
        .collect();
    db.execute(
        "insert into col values (1, 1700000000, 0, 0, 11, 0, 0, 0, '{}', ?1, ?2, '{}', '{}')",
        params![
            models.to_string(),
            serde_json::Value::from(decks_json).to_string()
        ],
    )
    .unwrap();
    insert_notes(&db, notes, &decks);
    bytes_of(&db)
}

/// A schema 18 collection: note types, fields and decks in tables; deck names with
/// U+001F between their levels.
pub fn new_collection(fields: &[&str], notes: &[Note]) -> Vec<u8> {
    let db = database();
    db.execute_batch(SCHEMA_11).unwrap();
    db.execute_batch(SCHEMA_18).unwrap();
    db.execute(
        "insert into col values (1, 1700000000, 0, 0, 18, 0, 0, 0, '', '', '', '', '')",
        [],
    )
    .unwrap();
    db.execute(
        "insert into notetypes values (?1, 'Basic (and reversed card)', 0, -1, x'')",
        params![NOTE_TYPE_ID],
    )
    .unwrap();
    for (ord, name) in fields.iter().enumerate() {
        db.execute(
            "insert into fields values (?1, ?2, ?3, x'')",
            params![NOTE_TYPE_ID, ord as i64, name],
        )
        .unwrap();
    }
    let decks = deck_ids(notes);
    for (id, name) in &decks {
        db.execute(
            "insert into decks values (?1, ?2, 0, -1, x'', x'')",
            params![name.replace("::", "\x1f"), id],
        )
        .unwrap();
    }
    insert_notes(&db, notes, &decks);
    bytes_of(&db)
}
