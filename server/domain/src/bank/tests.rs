//! Tests of what every format shares: errors and excerpts, derived ids, format detection,
//! byte order marks, NUL characters, size limits and the sample files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::ids::{fnv1a64, id_problem};
use super::parse::{EXCERPT_LEAD_CHARS, MAX_EXCERPT_CHARS};
use super::validate::{describe_entry, describe_key};
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
            parse(source, *format, &options).unwrap_or_else(|errors| panic!("{format:?}: {errors}"))
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
