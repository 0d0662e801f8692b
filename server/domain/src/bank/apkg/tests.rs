//! Tests of reading Anki packages: old- and new-style collections, fields found by name,
//! and the packages refused (zip bombs, unsafe names, encryption, a newer Anki).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rusqlite::Connection;

use super::super::{parse, parse_bytes, parse_file, Competency, Format};
use super::collection::{front_and_back, without_sounds};
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
