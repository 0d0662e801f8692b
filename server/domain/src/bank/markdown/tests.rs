//! Tests of the Markdown bank format: files written by hand, front matter, misplaced
//! lines, escapes and heading ids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::{
    derive_question_id, parse, parse_bytes, Bank, BankError, Competency, Format, ParseOptions,
    Question,
};

fn parse_md(source: &str) -> Result<Bank, Vec<BankError>> {
    parse(source, Format::Markdown, &ParseOptions::default()).map_err(|errors| errors.0)
}

fn found(source: &str) -> Vec<(usize, usize, String)> {
    parse_md(source)
        .expect_err("the bank should be rejected")
        .into_iter()
        .map(|e| (e.line, e.column, e.message))
        .collect()
}

const NOTES: &str = "\
---
id: travel
title: \"Reisen: Zürich & 日本\"
# a comment in the front matter
---

# Ignored, the front matter has the title

Questions I keep getting asked.
Second line.

## Planning ahead ##

How you get ready.

### Tell me about a trip to Zürich, with commas | and pipes.

- [ ] Budget
- [x] Dates
* Hotel
> What went wrong?
>What went right?
Tags: travel, 日本 city
Level: junior senior
Variant: Describe a trip you planned.
Red flag: Forgets the \\*budget\\*
red flags:Books nothing

<!-- a note
over lines -->

---

## Talking {#talk}

### How do you explain delays? {#delays}
  - Honest
";

#[test]
fn a_file_written_by_hand_is_read() {
    let bank = parse_md(NOTES).unwrap();
    let prompt = "Tell me about a trip to Zürich, with commas | and pipes.";
    assert_eq!(
        bank,
        Bank {
            id: "travel".into(),
            title: "Reisen: Zürich & 日本".into(),
            description: "Questions I keep getting asked.\nSecond line.".into(),
            competencies: vec![
                Competency {
                    id: "planning-ahead".into(),
                    name: "Planning ahead".into(),
                    description: "How you get ready.".into(),
                },
                Competency {
                    id: "talk".into(),
                    name: "Talking".into(),
                    description: String::new(),
                },
            ],
            questions: vec![
                Question {
                    id: derive_question_id(prompt),
                    competency: "planning-ahead".into(),
                    prompt: prompt.into(),
                    variants: vec!["Describe a trip you planned.".into()],
                    follow_ups: vec!["What went wrong?".into(), "What went right?".into()],
                    rubric: vec!["Budget".into(), "Dates".into(), "Hotel".into()],
                    red_flags: vec!["Forgets the *budget*".into(), "Books nothing".into()],
                    tags: vec!["travel".into(), "日本 city".into()],
                    level: vec!["junior".into(), "senior".into()],
                },
                Question {
                    id: "delays".into(),
                    competency: "talk".into(),
                    prompt: "How do you explain delays?".into(),
                    variants: vec![],
                    follow_ups: vec![],
                    rubric: vec!["Honest".into()],
                    red_flags: vec![],
                    tags: vec![],
                    level: vec![],
                },
            ],
        }
    );
    let crlf = format!("\u{feff}{}", NOTES.replace('\n', "\r\n"));
    let same = parse_bytes(crlf.as_bytes(), Format::Markdown, &ParseOptions::default());
    assert_eq!(same, Ok(bank));
}

#[test]
fn without_front_matter_the_title_heading_and_options_name_the_bank() {
    let source = "# Leadership {#lead-bank}\n\n## Delegation\n### Why delegate?\n";
    let bank = parse_md(source).unwrap();
    assert_eq!(
        (bank.id.as_str(), bank.title.as_str()),
        ("lead-bank", "Leadership")
    );

    let options = ParseOptions {
        bank_id: Some("from-options".into()),
        title: Some("From options".into()),
        ..ParseOptions::default()
    };
    let bank = parse(
        "## Delegation\n### Why delegate?\n",
        Format::Markdown,
        &options,
    )
    .unwrap();
    assert_eq!(
        (bank.id.as_str(), bank.title.as_str()),
        ("from-options", "From options")
    );

    let errors = found("## Delegation\n### Why delegate?\n");
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].0, errors[0].1), (1, 1));
    assert!(
        errors[0].2.contains("add `id:` to its front matter"),
        "{errors:?}"
    );
}

#[test]
fn misplaced_lines_are_errors_at_their_line() {
    let source = "\
---
id: b
owner: me
---
- stray item
### Too early
- skipped with its question
## Lead {#Lead}
> stray follow-up
### Why?
Some text.
#### Deeper
# Late title
### Why?
";
    let errors = parse_md(source).unwrap_err();
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (3, 1, "bank.owner".to_owned()),
            (5, 1, String::new()),
            (6, 1, String::new()),
            (8, 11, "competency[0].id".to_owned()),
            (9, 1, String::new()),
            (11, 1, String::new()),
            (12, 1, String::new()),
            (13, 1, String::new()),
            (14, 1, "question[1].id".to_owned()),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        errors[0].message,
        "unknown front matter key `owner`; expected id, title or description"
    );
    assert!(errors[1]
        .message
        .contains("rubric item belongs under a `### `"));
    assert!(errors[2].message.contains("before any `## ` competency"));
    assert!(errors[3].message.contains("id `Lead` must start"));
    assert!(errors[5]
        .message
        .contains("unexpected text under a question"));
    assert!(errors[8]
        .message
        .contains("derived from the prompt; give one of them"));
    assert!(errors[8].message.contains("first used on line 10"));
}

#[test]
fn front_matter_errors() {
    assert_eq!(
        found("---\nid: b\n## Lead\n"),
        [(
            1,
            1,
            "the front matter has no closing `---` line".to_owned()
        )]
    );
    assert_eq!(
        found("---\nid: b\nid: c\njust words\ntitle:   \n---\n"),
        [
            (3, 1, "`id` is given twice in the front matter".to_owned()),
            (
                4,
                1,
                "front matter lines are written `key: value`".to_owned()
            ),
            (5, 10, "the title is empty".to_owned()),
        ]
    );
    let errors = found("---\nid: b\ndescription: here\n---\n# T\nand here\n");
    assert_eq!(
        errors,
        [(
            6,
            1,
            "the bank's description is already given in the front matter".to_owned()
        )]
    );
}

#[test]
fn duplicate_competencies_and_empty_parts_are_reported() {
    let source = "---\nid: b\ntitle: B\n---\n## Lead\n## lead!\n###\n- \n> \nVariant:\nRed flag:\n";
    let errors = parse_md(source).unwrap_err();
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (6, 4, "duplicate competency id `lead`; first used on line 5"),
            (7, 4, "the prompt is empty"),
            (8, 3, "rubric item 1 is empty"),
            (9, 3, "follow-up 1 is empty"),
            (10, 9, "variant 1 is empty"),
            (11, 10, "red flag 1 is empty"),
        ],
        "{errors:#?}"
    );
}

#[test]
fn red_flag_lines_are_told_apart_from_rubric_items_and_follow_ups() {
    use super::{question_line, LineKind};
    assert_eq!(
        question_line("Red flag: Vague"),
        Some((LineKind::RedFlag, 10))
    );
    assert_eq!(
        question_line("RED FLAGS :Vague"),
        Some((LineKind::RedFlag, 11))
    );
    assert_eq!(
        question_line("- Red flag: Vague"),
        Some((LineKind::Rubric, 2))
    );
    assert_eq!(
        question_line("> Red flag: Vague"),
        Some((LineKind::FollowUp, 2))
    );
    assert_eq!(question_line("Redflag: Vague"), None);
}

#[test]
fn escapes_and_ids_in_headings() {
    assert_eq!(super::split_id("Why? {#why}"), ("Why?", Some(("why", 7))));
    assert_eq!(
        super::split_id("Use {#x} tags {#y}"),
        ("Use {#x} tags", Some(("y", 16)))
    );
    assert_eq!(super::split_id("Closed ##"), ("Closed", None));
    assert_eq!(super::split_id("C# ##"), ("C#", None));
    assert_eq!(super::split_id("C#"), ("C#", None));
    assert_eq!(super::split_id("{# spaced}"), ("{# spaced}", None));
    for line in [
        "- item",
        "# head",
        "  > quote",
        "\\x",
        "plain",
        "<!-- c -->",
        "Tags: a",
    ] {
        assert_eq!(super::unescape(&super::escape_text_line(line)), line);
    }
    assert_eq!(super::unescape("\\d stays"), "\\d stays");
}
