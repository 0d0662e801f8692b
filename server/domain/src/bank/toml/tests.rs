//! Tests of the TOML bank format: every field read, and each problem reported at
//! its line, column and field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::{
    derive_question_id, parse_toml, Bank, BankError, BankErrors, Competency, Limits, Question,
};
use proptest::prelude::*;

fn parse(source: &str) -> Result<Bank, BankErrors> {
    parse_toml(source, &Limits::default())
}

fn errors(source: &str) -> Vec<BankError> {
    parse(source).expect_err("the bank should be rejected").0
}

/// The only error of `source`, as (line, column, field).
fn only_error(source: &str) -> (usize, usize, Option<String>, String) {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors.into_iter().next().unwrap();
    (error.line, error.column, error.field, error.message)
}

const HEADER: &str = "[bank]\nid = \"core\"\ntitle = \"Core\"\n\n[[competency]]\nid = \"lead\"\nname = \"Leading\"\n";

#[test]
fn a_valid_bank_keeps_every_field() {
    let source = r#"
[bank]
id = "it-manager.core"
title = "  IT manager: core  "
description = """
Questions for new IT managers.
"""

[[competency]]
id = "delegation"
name = "Delegation"
description = "Handing work over and letting go."

[[competency]]
id = "conflict"
name = "Handling conflict"

[[question]]
id = "delegate-under-pressure"
competency = "delegation"
prompt = "Tell me about a time you delegated a task you would rather have done yourself."
variants = ["When did you last hand over work you were good at?"]
follow_ups = ["What would you do differently?", " How did you check progress? "]
rubric = ["Explains why this person was chosen", "Describes how they stayed out of the way"]
red_flags = [" Takes the task back at the first problem "]
tags = ["delegation", "trust"]
level = ["team-lead", "engineering-manager"]

[[question]]
competency = "conflict"
prompt = "Describe a disagreement between two of your engineers that you resolved."
"#;
    let bank = parse(source).unwrap();
    assert_eq!(
        bank,
        Bank {
            id: "it-manager.core".into(),
            title: "IT manager: core".into(),
            description: "Questions for new IT managers.".into(),
            competencies: vec![
                Competency {
                    id: "delegation".into(),
                    name: "Delegation".into(),
                    description: "Handing work over and letting go.".into(),
                },
                Competency {
                    id: "conflict".into(),
                    name: "Handling conflict".into(),
                    description: String::new(),
                },
            ],
            questions: vec![
                Question {
                    id: "delegate-under-pressure".into(),
                    competency: "delegation".into(),
                    prompt: "Tell me about a time you delegated a task you would rather have done yourself.".into(),
                    variants: vec!["When did you last hand over work you were good at?".into()],
                    follow_ups: vec![
                        "What would you do differently?".into(),
                        "How did you check progress?".into(),
                    ],
                    rubric: vec![
                        "Explains why this person was chosen".into(),
                        "Describes how they stayed out of the way".into(),
                    ],
                    red_flags: vec!["Takes the task back at the first problem".into()],
                    tags: vec!["delegation".into(), "trust".into()],
                    level: vec!["team-lead".into(), "engineering-manager".into()],
                },
                Question {
                    id: derive_question_id(
                        "Describe a disagreement between two of your engineers that you resolved."
                    ),
                    competency: "conflict".into(),
                    prompt: "Describe a disagreement between two of your engineers that you resolved.".into(),
                    variants: vec![],
                    follow_ups: vec![],
                    rubric: vec![],
                    red_flags: vec![],
                    tags: vec![],
                    level: vec![],
                },
            ],
        }
    );
}

#[test]
fn missing_bank_table_is_reported_at_the_start() {
    let (line, column, field, message) =
        only_error("[[competency]]\nid = \"lead\"\nname = \"Leading\"\n");
    assert_eq!((line, column), (1, 1));
    assert_eq!(field.as_deref(), Some("bank"));
    assert!(message.contains("[bank]"), "{message}");
}

#[test]
fn missing_required_keys_point_at_the_table_header() {
    let (line, column, field, _) = only_error("\n[bank]\nid = \"core\"\n");
    assert_eq!((line, column, field.as_deref()), (2, 1, Some("bank.title")));

    let source = format!("{HEADER}\n[[question]]\nprompt = \"Why?\"\n");
    let (line, column, field, message) = only_error(&source);
    assert_eq!(
        (line, column, field.as_deref()),
        (9, 1, Some("question[0].competency"))
    );
    assert_eq!(message, "question 1 has no `competency`");
}

#[test]
fn ids_name_the_rule_they_break() {
    let cases = [
        ("Core", "must start with a lowercase letter or a digit"),
        ("-core", "must start with a lowercase letter or a digit"),
        ("core bank", "contains ' '"),
        ("core/bank", "contains '/'"),
        (
            "a123456789b123456789c123456789d123456789e123456789f123456789g1234",
            "is 65 characters long; the limit is 64",
        ),
        ("  ", "the id is empty"),
    ];
    for (id, expected) in cases {
        let source = format!("[bank]\ntitle = \"Core\"\nid = \"{id}\"\n");
        let (line, column, field, message) = only_error(&source);
        assert_eq!((line, column), (3, 6), "{id}");
        assert_eq!(field.as_deref(), Some("bank.id"));
        assert!(message.contains(expected), "{id}: {message}");
    }
    let longest = "a123456789b123456789c123456789d123456789e123456789f123456789g123";
    assert!(parse(&format!("[bank]\ntitle = \"Core\"\nid = \"{longest}\"\n")).is_ok());
    assert!(parse("[bank]\ntitle = \"Core\"\nid = \"0.core_bank-2\"\n").is_ok());
}

#[test]
fn empty_title_and_name_are_rejected() {
    let (line, column, field, _) = only_error("[bank]\nid = \"core\"\ntitle = \"   \"\n");
    assert_eq!((line, column, field.as_deref()), (3, 9, Some("bank.title")));

    let source =
        "[bank]\nid = \"core\"\ntitle = \"Core\"\n[[competency]]\nid = \"x\"\nname = \"\"\n";
    let (line, column, field, _) = only_error(source);
    assert_eq!(
        (line, column, field.as_deref()),
        (6, 8, Some("competency[0].name"))
    );
}

#[test]
fn duplicate_ids_point_at_the_second() {
    let source = format!("{HEADER}\n[[competency]]\nid = \"lead\"\nname = \"Again\"\n");
    let (line, column, field, message) = only_error(&source);
    assert_eq!(
        (line, column, field.as_deref()),
        (10, 6, Some("competency[1].id"))
    );
    assert_eq!(
        message,
        "duplicate competency id `lead`; first used on line 6"
    );

    let source = format!(
        "{HEADER}\n[[question]]\nid = \"q\"\ncompetency = \"lead\"\nprompt = \"One\"\n\n[[question]]\nid = \"q\"\ncompetency = \"lead\"\nprompt = \"Two\"\n"
    );
    let (line, column, field, message) = only_error(&source);
    assert_eq!(
        (line, column, field.as_deref()),
        (15, 6, Some("question[1].id"))
    );
    assert!(message.contains("first used on line 10"), "{message}");
}

#[test]
fn equal_prompts_without_ids_collide() {
    let source = format!(
        "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"Tell me about a failure.\"\n\n[[question]]\ncompetency = \"lead\"\nprompt = \"tell me about a FAILURE\"\n"
    );
    let (line, column, field, message) = only_error(&source);
    assert_eq!(
        (line, column, field.as_deref()),
        (13, 1, Some("question[1].id"))
    );
    assert!(message.contains("derived from the prompt"), "{message}");
}

#[test]
fn undeclared_competency_points_at_the_value() {
    let source =
        format!("{HEADER}\n[[question]]\ncompetency   = \"lead-ership\"\nprompt = \"Why?\"\n");
    let (line, column, field, message) = only_error(&source);
    assert_eq!(
        (line, column, field.as_deref()),
        (10, 16, Some("question[0].competency"))
    );
    assert!(
        message.contains("`lead-ership` is not declared"),
        "{message}"
    );
}

#[test]
fn competencies_may_be_declared_after_their_questions() {
    let source = "[[question]]\ncompetency = \"lead\"\nprompt = \"Why?\"\n\n[bank]\nid = \"b\"\ntitle = \"B\"\n\n[[competency]]\nid = \"lead\"\nname = \"Leading\"\n";
    assert_eq!(parse(source).unwrap().questions.len(), 1);
}

#[test]
fn prompts_and_rubric_items_are_checked_for_content_and_length() {
    let limits = Limits {
        max_questions: 10,
        max_prompt_chars: 10,
        max_rubric_item_chars: 5,
        ..Limits::default()
    };
    let source = format!(
        "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \" \"\n\n[[question]]\ncompetency = \"lead\"\nprompt = \"ééééééééééé\"\nrubric = [\"fine\", \"\", \"too long\"]\n"
    );
    let errors = parse_toml(&source, &limits).unwrap_err().0;
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.field.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [
            (11, 10, "question[0].prompt"),
            (15, 10, "question[1].prompt"),
            (16, 19, "question[1].rubric[1]"),
            (16, 23, "question[1].rubric[2]"),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        errors[1].message,
        "the prompt is 11 characters long; the limit is 10"
    );
    assert_eq!(
        errors[3].message,
        "rubric item 3 is 8 characters long; the limit is 5"
    );
    // Exactly at the limit is fine, counted in characters rather than bytes.
    let source = format!(
        "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"éééééééééé\"\nrubric = [\"ééééé\"]\n"
    );
    assert!(parse_toml(&source, &limits).is_ok());
}

#[test]
fn red_flags_are_checked_like_rubric_items() {
    let limits = Limits {
        max_rubric_item_chars: 5,
        ..Limits::default()
    };
    let source = format!(
        "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"Why?\"\nred_flags = [\" Vague \", \"  \", \"Blames\", \"Vague\"]\n"
    );
    let errors = parse_toml(&source, &limits).unwrap_err().0;
    let found: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.line,
                e.column,
                e.field.as_deref().unwrap_or(""),
                e.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (12, 25, "question[0].red_flags[1]", "red flag 2 is empty"),
            (
                12,
                31,
                "question[0].red_flags[2]",
                "red flag 3 is 6 characters long; the limit is 5"
            ),
        ],
        "{errors:#?}"
    );
    // Trimmed; a repeated red flag is kept, as a repeated rubric item is.
    let source = source.replace(", \"  \", \"Blames\"", "");
    let bank = parse_toml(&source, &limits).unwrap();
    assert_eq!(bank.questions[0].red_flags, ["Vague", "Vague"]);
    let (line, column, field, message) = only_error(&format!(
        "{HEADER}\n[[question]]\ncompetency = \"lead\"\nprompt = \"Why?\"\nred_flags = \"Vague\"\n"
    ));
    assert_eq!((line, column), (12, 13));
    assert_eq!(field.as_deref(), Some("question[0].red_flags"));
    assert_eq!(
        message,
        "`red_flags` must be an array of strings, found a string"
    );
}

#[test]
fn too_many_questions_is_one_error() {
    let limits = Limits {
        max_questions: 2,
        ..Limits::default()
    };
    let mut source = HEADER.to_owned();
    for n in 0..4 {
        source.push_str(&format!(
            "\n[[question]]\ncompetency = \"lead\"\nprompt = \"Question {n}\"\n"
        ));
    }
    let errors = parse_toml(&source, &limits).unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field.as_deref(), Some("question"));
    assert_eq!((errors[0].line, errors[0].column), (17, 1));
    assert_eq!(
        errors[0].message,
        "the file has 4 questions; the limit is 2"
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_errors() {
    let source = format!(
        "{HEADER}owner = \"me\"\n\n[[question]]\ncompetency = \"lead\"\nprompt = 42\nrubric = \"one item\"\ntags = [\"ok\", 3]\nanswer = \"x\"\n\n[extra]\n"
    );
    let errors = errors(&source);
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.field.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        found,
        [
            (8, 1, "competency[0].owner"),
            (12, 10, "question[0].prompt"),
            (13, 10, "question[0].rubric"),
            (14, 15, "question[0].tags[1]"),
            (15, 1, "question[0].answer"),
            (17, 2, "extra"),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        errors[1].message,
        "`prompt` must be a string, found an integer"
    );
    assert_eq!(
        errors[2].message,
        "`rubric` must be an array of strings, found a string"
    );
    assert!(errors[0]
        .message
        .contains("expected one of: id, name, description"));
}

#[test]
fn sections_of_the_wrong_shape_are_errors() {
    let (line, column, field, message) = only_error("bank = \"core\"\n");
    assert_eq!((line, column, field.as_deref()), (1, 8, Some("bank")));
    assert!(message.contains("found a string"), "{message}");

    let source = "[bank]\nid = \"b\"\ntitle = \"B\"\n[question]\nprompt = \"x\"\n";
    let (line, column, field, message) = only_error(source);
    assert_eq!((line, column, field.as_deref()), (4, 1, Some("question")));
    assert!(message.contains("[[question]]"), "{message}");
}

#[test]
fn all_errors_are_reported_in_file_order() {
    let source = "[bank]\nid = \"Bad Id\"\ntitle = \"\"\n\n[[competency]]\nid = \"lead\"\n\n[[question]]\ncompetency = \"nope\"\nprompt = \"\"\n";
    let errors = errors(source);
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (2, "bank.id".to_owned()),
            (3, "bank.title".to_owned()),
            (5, "competency[0].name".to_owned()),
            (9, "question[0].competency".to_owned()),
            (10, "question[0].prompt".to_owned()),
        ],
        "{errors:#?}"
    );
    let text = BankErrors(errors).to_string();
    assert_eq!(text.lines().count(), 5);
    assert!(
        text.starts_with("2:6: id `Bad Id` must start with"),
        "{text}"
    );
}

#[test]
fn syntax_errors_name_line_and_column() {
    let errors = errors("[bank]\nid = \"core\ntitle = \"Core\"\n");
    assert_eq!((errors[0].line, errors[0].column), (2, 11), "{errors:#?}");
    assert_eq!(errors[0].field, None);

    let (line, column, _, message) = only_error("[bank]\nid = \"core\"\ntitle = Core\n");
    assert_eq!((line, column), (3, 9));
    assert!(message.contains("quoted"), "{message}");

    let (line, column, _, message) =
        only_error("[bank]\nid = \"core\"\ntitle = \"Core\"\ntitle = \"Again\"\n");
    assert_eq!((line, column), (4, 1));
    assert!(message.contains("duplicate key"), "{message}");
}

#[test]
fn columns_count_characters_not_bytes() {
    let (line, column, _, _) = only_error("[bank] # ünïcödé\nid = \"é\"\ntitle = \"T\"\n");
    assert_eq!((line, column), (2, 6));
    let (line, column, _, _) = only_error("[bank]\ntitle = \"ü\"\nid = \"ü\"\n");
    assert_eq!((line, column), (3, 6));
}

#[test]
fn default_bank_is_valid() {
    let source = include_str!("../../../../../question-bank/management-core.toml");
    let bank = parse(source).unwrap_or_else(|errors| panic!("{errors}"));
    assert!(bank.questions.len() >= 60, "{}", bank.questions.len());
    assert!(bank.competencies.len() >= 12, "{}", bank.competencies.len());
}

fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[bank]\n".to_owned()),
        Just("[[competency]]\n".to_owned()),
        Just("[[question]]\n".to_owned()),
        Just("[question]\n".to_owned()),
        Just("id = \"core\"\n".to_owned()),
        Just("id = \"Bad Id\"\n".to_owned()),
        Just("title = \"T\"\n".to_owned()),
        Just("name = \"N\"\n".to_owned()),
        Just("competency = \"core\"\n".to_owned()),
        Just("prompt = \"Why?\"\n".to_owned()),
        Just("prompt = 1\n".to_owned()),
        Just("rubric = [\"a\", \"\", 2, [\"x\"]]\n".to_owned()),
        Just("tags = { a = 1 }\n".to_owned()),
        Just("question = [{ prompt = \"x\" }, 3]\n".to_owned()),
        "[a-z_]{1,8} = \"[^\"\\\\\n]{0,12}\"\n",
        "[\\PC\n]{0,12}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(source in "\\PC*") {
        let _ = parse(&source);
    }

    #[test]
    fn parse_never_panics_on_toml_like_text(source in tomlish()) {
        if let Err(errors) = parse(&source) {
            prop_assert!(!errors.0.is_empty());
            for error in &errors.0 {
                prop_assert!(error.line >= 1 && error.column >= 1);
                // Lines as the parser counts them: CR and CRLF end lines too.
                let lines = source.replace("\r\n", "\n").replace('\r', "\n").lines().count();
                prop_assert!(error.line <= lines.max(1) + 1);
            }
        }
    }
}
