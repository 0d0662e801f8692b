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

use std::io::{Cursor, Read};

use super::{
    csv::{self, html_to_text},
    file_error, finish, BankErrors, Limits, ParseError, ParseOptions, Parsed,
};
use crate::words::{human_size, over_limit, Rounding};

mod collection;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

use collection::read_collection;

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

#[cfg(test)]
mod tests;
