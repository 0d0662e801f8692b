//! Tests of the export: every format read back as the bank it was written from, formulas
//! and markup neutralized, and damaged or re-broken exports read as errors, not crashes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::super::{parse, parse_bytes, Competency, Question};
use super::*;

mod strategies;

use strategies::{any_text_bank, bank_and_format, damage, damaged, options_for, with_line_breaks};

/// A bank whose competency ids are not the slugs of their names, with questions
/// that alternate between competencies.
fn leadership_bank() -> Bank {
    let question = |id: &str, competency: &str, prompt: &str| Question {
        id: id.into(),
        competency: competency.into(),
        prompt: prompt.into(),
        variants: vec!["Say it another way?".into()],
        follow_ups: vec!["What then?".into()],
        rubric: vec!["Names the stakes".into(), "Says what they did".into()],
        red_flags: vec!["Blames the team and describes no action of their own".into()],
        tags: vec!["leadership".into()],
        level: vec!["team-lead".into()],
    };
    Bank {
        id: "leaders".into(),
        title: "Leaders".into(),
        description: String::new(),
        competencies: vec![
            Competency {
                id: "leadership-bench".into(),
                name: "Building Leadership Teams".into(),
                description: "Hiring and growing leads.\nTwo lines.".into(),
            },
            Competency {
                id: "conflict".into(),
                name: "Handling Conflict".into(),
                description: String::new(),
            },
        ],
        questions: vec![
            question(
                "bench-1",
                "leadership-bench",
                "Tell me about a lead you hired.",
            ),
            question("conflict-1", "conflict", "Tell me about a disagreement."),
            question(
                "bench-2",
                "leadership-bench",
                "Tell me about a lead you grew.",
            ),
        ],
    }
}

#[test]
fn competency_ids_names_and_question_order_survive_every_format() {
    let bank = leadership_bank();
    for format in Format::ALL {
        let text = export(&bank, format);
        let parsed = parse(&text, format, &options_for(&bank));
        assert_eq!(parsed, Ok(bank.clone()), "{format:?}:\n{text}");
    }
}

#[test]
fn spreadsheet_formulas_are_neutralized_and_read_back() {
    let mut bank = leadership_bank();
    bank.competencies[1].name = "=Evil()".into();
    bank.questions[0].prompt = "=HYPERLINK(\"http://evil.example\",\"Click\")".into();
    bank.questions[0].rubric = vec!["+cmd|' /C calc'!A0".into(), "fine".into()];
    bank.questions[0].tags = vec!["@SUM(1+1)".into()];
    bank.questions[0].level = vec!["-2+3".into()];
    bank.questions[1].prompt = "'=1+1 is already quoted".into();
    bank.questions[1].variants = vec!["''@twice".into()];
    bank.questions[2].prompt = "'plain quote stays".into();
    bank.questions[2].follow_ups = vec!["- a dash".into()];
    for format in [Format::Csv, Format::Tsv] {
        let text = export(&bank, format);
        let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut cells = Vec::new();
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{format:?} cell `{cell}`:\n{text}"
                );
                cells.push(cell.to_owned());
            }
        }
        for written in [
            "'=HYPERLINK(\"http://evil.example\",\"Click\")",
            "'+cmd\\|' /C calc'!A0 | fine",
            "'=Evil()",
            "''=1+1 is already quoted",
            "'''@twice",
            "'plain quote stays",
            "'- a dash",
        ] {
            assert!(
                cells.iter().any(|cell| cell == written),
                "{written}:\n{text}"
            );
        }
        let parsed = parse(&text, format, &options_for(&bank));
        assert_eq!(parsed, Ok(bank.clone()), "{format:?}:\n{text}");
    }
    // A hand-written `'` before a formula is what spreadsheets show as the text.
    let parsed = parse(
        "prompt,rubric\n'=1+1,'@x | '-y\n",
        Format::Csv,
        &options_for(&bank),
    )
    .unwrap();
    assert_eq!(parsed.questions[0].prompt, "=1+1");
    assert_eq!(parsed.questions[0].rubric, ["@x", "'-y"]);
}

#[test]
fn a_lone_carriage_return_is_a_line_break_in_error_positions() {
    // The last line of a TOML export broken after a lone '\r': the parser reads
    // the '\r' as a line break, so the error is on a line the '\n's do not count.
    let bank = leadership_bank();
    let text = format!("{}\r=", export(&bank, Format::Toml).trim_end());
    let errors = parse(&text, Format::Toml, &options_for(&bank)).unwrap_err();
    let last = with_line_breaks(&text, "\n").split('\n').count();
    assert!(
        errors.0.iter().any(|error| error.line == last),
        "{errors:?}"
    );
    assert!(last > text.split('\n').count());
}

#[test]
fn markdown_export_escapes_html_links_and_images() {
    let mut bank = leadership_bank();
    bank.title = "<b>Leaders</b>".into();
    bank.competencies[0].name = "<script>alert(1)</script>".into();
    bank.competencies[0].description =
        "<img src=x onerror=alert(1)>\n- [x](javascript:alert(1))\n&lt;b&gt; *em* `code`".into();
    bank.questions[0].prompt = "Why <iframe src=\"http://evil.example\"></iframe>?".into();
    bank.questions[0].rubric = vec!["[click](javascript:alert(1))".into()];
    bank.questions[0].follow_ups = vec!["![](http://evil.example/x.png)".into()];
    bank.questions[0].red_flags = vec!["<script>alert(1)</script> & *all* `of` it".into()];
    bank.questions[0].variants = vec!["<http://evil.example> &amp; {#fake}".into()];
    bank.questions[1].tags = vec!["<b>".into(), "a\\b".into()];
    bank.questions[2].prompt = "Ends with a backslash \\".into();
    let text = export(&bank, Format::Markdown);
    let body = text.split("\n---\n").nth(1).unwrap();
    for (at, _) in body.match_indices(['<', '[', '&', '`', '*', '!']) {
        let escaped = body[..at].chars().rev().take_while(|&c| c == '\\').count() % 2 == 1;
        let checkbox = body[at..].starts_with("[ ] ") && body[..at].ends_with("\n- ");
        assert!(escaped || checkbox, "unescaped markup at {at}:\n{body}");
    }
    let parsed = parse(&text, Format::Markdown, &options_for(&bank));
    assert_eq!(parsed, Ok(bank), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_in_any_field_survives_csv_tsv_and_markdown(
        (format, bank) in prop::sample::select(vec![Format::Csv, Format::Tsv, Format::Markdown])
            .prop_flat_map(|format| (Just(format), any_text_bank(format)))
    ) {
        let text = export(&bank, format);
        let parsed = parse(&text, format, &options_for(&bank));
        prop_assert_eq!(parsed, Ok(bank), "{:?}:\n{}", format, text);
    }

    #[test]
    fn line_breaks_and_a_byte_order_mark_never_change_the_result(
        (format, bank) in bank_and_format(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0..4_usize, damage()),
            0..4,
        ),
    ) {
        let lf = with_line_breaks(&damaged(export(&bank, format), edits), "\n");
        let options = options_for(&bank);
        let expected = parse(&lf, format, &options);
        for variant in [
            with_line_breaks(&lf, "\r\n"),
            with_line_breaks(&lf, "\r"),
            format!("\u{feff}{}", with_line_breaks(&lf, "\r\n")),
        ] {
            let found = parse_bytes(variant.as_bytes(), format, &options);
            prop_assert_eq!(&found, &expected, "{:?}: {:?}", format, variant);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn export_then_parse_gives_the_same_bank((format, bank) in bank_and_format()) {
        let text = export(&bank, format);
        let parsed = parse(&text, format, &options_for(&bank));
        prop_assert_eq!(parsed, Ok(bank), "{:?}:\n{}", format, text);
    }

    #[test]
    fn damaged_exports_are_errors_not_crashes(
        (format, bank) in bank_and_format(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0..4_usize, damage()),
            1..5,
        ),
    ) {
        let text = damaged(export(&bank, format), edits);
        if let Err(errors) = parse(&text, format, &options_for(&bank)) {
            prop_assert!(!errors.0.is_empty());
            for error in &errors.0 {
                prop_assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                // Line numbers count every break the parser reads as one: an edit
                // can leave a lone '\r' (a "\r\n" inserted, its '\n' removed).
                let lines = with_line_breaks(&text, "\n").split('\n').count();
                prop_assert!(error.line <= lines, "{error:?}\n{text:?}");
            }
        }
    }
}
