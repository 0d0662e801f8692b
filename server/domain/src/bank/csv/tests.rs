//! Tests of CSV, TSV and Anki text: spreadsheet and Anki exports read, header and row
//! errors named where they are, list cells, HTML fields and quoting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::{
    derive_question_id, parse, parse_bytes, Bank, BankError, Competency, Format, ParseOptions,
};
use super::cells::split_list;
use super::records::field_starts;
use super::*;

fn options() -> ParseOptions {
    ParseOptions {
        bank_id: Some("travel".into()),
        ..ParseOptions::default()
    }
}

fn parse_as(source: &str, format: Format) -> Result<Bank, Vec<BankError>> {
    parse(source, format, &options()).map_err(|errors| errors.0)
}

fn found(source: &str, format: Format) -> Vec<(usize, usize, String)> {
    parse_as(source, format)
        .expect_err("the bank should be rejected")
        .into_iter()
        .map(|e| (e.line, e.column, e.message))
        .collect()
}

const SPREADSHEET: &str = "\
 Question ,Category,Back,TAGS,Follow-ups,id

\"Tell me about Zürich, \"\"the\"\" city.\",Planning ahead,Budget | Dates|  | Hotel \\| hostel,日本 | city,\"What went wrong?
What went right?\",
How do you plan a trip to 日本?,Planning ahead,,,,plan-japan
Why travel?,Talking: to people,Curiosity,,,
";

#[test]
fn a_spreadsheet_export_is_read() {
    let bank = parse_as(SPREADSHEET, Format::Csv).unwrap();
    assert_eq!(
        (bank.id.as_str(), bank.title.as_str()),
        ("travel", "travel")
    );
    assert_eq!(bank.description, "");
    assert_eq!(
        bank.competencies,
        [
            Competency {
                id: "planning-ahead".into(),
                name: "Planning ahead".into(),
                description: String::new(),
            },
            Competency {
                id: "talking-to-people".into(),
                name: "Talking: to people".into(),
                description: String::new(),
            },
        ]
    );
    let first = &bank.questions[0];
    assert_eq!(first.prompt, "Tell me about Zürich, \"the\" city.");
    assert_eq!(first.id, derive_question_id(&first.prompt));
    assert_eq!(first.competency, "planning-ahead");
    assert_eq!(first.rubric, ["Budget", "Dates", "Hotel | hostel"]);
    assert_eq!(first.tags, ["日本", "city"]);
    assert_eq!(first.follow_ups, ["What went wrong?\nWhat went right?"]);
    assert_eq!(bank.questions[1].id, "plan-japan");
    assert!(bank.questions[1].rubric.is_empty());
    assert_eq!(bank.questions[2].competency, "talking-to-people");

    // CRLF, a byte order mark and a title from the options read the same.
    let crlf = format!("\u{feff}{}", SPREADSHEET.replace('\n', "\r\n"));
    let options = ParseOptions {
        title: Some("Travel".into()),
        ..options()
    };
    let same = parse_bytes(crlf.as_bytes(), Format::Csv, &options).unwrap();
    assert_eq!(
        same,
        Bank {
            title: "Travel".into(),
            ..bank
        }
    );
}

#[test]
fn a_tsv_file_is_read_and_competency_defaults_to_general() {
    let source = "prompt\trubric\tlevel\nWhy, really?\tHonest | \"short\"\tjunior|senior\n\n\"Two\tcells?\"\t\t\n";
    let bank = parse_as(source, Format::Tsv).unwrap();
    assert_eq!(bank.competencies.len(), 1);
    assert_eq!(
        (
            bank.competencies[0].id.as_str(),
            bank.competencies[0].name.as_str()
        ),
        ("general", "General")
    );
    assert_eq!(bank.questions[0].prompt, "Why, really?");
    assert_eq!(bank.questions[0].rubric, ["Honest", "\"short\""]);
    assert_eq!(bank.questions[0].level, ["junior", "senior"]);
    assert_eq!(bank.questions[1].prompt, "Two\tcells?");
}

#[test]
fn header_errors_name_the_column() {
    assert_eq!(
        found("id,prompt,Ünïcode,answer\n", Format::Csv),
        [
            (1, 11, format!("unknown column `Ünïcode`; {COLUMNS_HELP}")),
            (1, 19, format!("unknown column `answer`; {COLUMNS_HELP}")),
        ]
    );
    assert_eq!(
        found("id,category,rubric\nx,y,z\n", Format::Csv),
        [(
            1,
            1,
            "the header row has no prompt column (also called question, front or text)".to_owned()
        )]
    );
    assert_eq!(
        found("prompt,Question,,tags\n", Format::Csv),
        [
            (
                1,
                8,
                "column `Question` repeats `prompt`: both are the prompt column".to_owned()
            ),
            (1, 17, "column 3 of the header row has no name".to_owned()),
        ]
    );
    assert_eq!(
        found("", Format::Tsv),
        [(
            1,
            1,
            "the file is empty; a TSV file starts with a header row such as id,competency,prompt,rubric"
                .to_owned()
        )]
    );
}

#[test]
fn row_errors_name_line_and_cell() {
    let source = "\
id,competency,prompt,rubric
q1,Lead,Why?,ok
\"Bad Id\",Lead,\"Multi
line\",
q1,Lead,,
q2,Lead,\"Zürich, 日本\",fine,extra
q3,\"Lead\",Again?
";
    let errors = parse_as(source, Format::Csv).unwrap_err();
    let found: Vec<_> = errors
        .iter()
        .map(|e| (e.line, e.column, e.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (3, 1, "question[1].id".to_owned()),
            (5, 1, "question[2].id".to_owned()),
            (5, 9, "question[2].prompt".to_owned()),
            (6, 27, "question[3]".to_owned()),
        ],
        "{errors:#?}"
    );
    assert_eq!(
        errors[1].message,
        "duplicate question id `q1`; first used on line 2"
    );
    assert_eq!(errors[2].message, "the prompt is empty");
    assert_eq!(
        errors[3].message,
        "this row has 5 cells but the header names 4 columns"
    );
}

#[test]
fn an_unclosed_quote_is_an_error() {
    let errors = found(
        "prompt,rubric\nWhy?,ok\nHow?,\"unclosed\nWhat?,x\n",
        Format::Csv,
    );
    assert_eq!(
        errors,
        [(
            3,
            6,
            "this quoted cell is never closed; a `\"` inside a quoted cell is written `\"\"`"
                .to_owned()
        )]
    );
}

#[test]
fn line_breaks_do_not_move_errors() {
    // An empty prompt on line 3 and an extra cell on line 4, in a spreadsheet export.
    let source = "id,competency,prompt,rubric\nq1,Lead,Why?,ok\nq2,Lead,,\nq3,Lead,How?,x,extra\n";
    let expected = vec![
        (3, 9, "the prompt is empty".to_owned()),
        (
            4,
            16,
            "this row has 5 cells but the header names 4 columns".to_owned(),
        ),
    ];
    for ending in ["\n", "\r\n", "\r"] {
        let file = source.replace('\n', ending);
        assert_eq!(found(&file, Format::Csv), expected, "{file:?}");
        let tsv = file.replace(',', "\t");
        assert_eq!(found(&tsv, Format::Tsv), expected, "{tsv:?}");
    }
}

#[test]
fn an_unclosed_quote_is_an_error_whatever_the_line_breaks() {
    let message = "this quoted cell is never closed; a `\"` inside a quoted cell is written `\"\"`";
    for ending in ["\n", "\r\n", "\r"] {
        let csv =
            "prompt,rubric\nWhy?,ok\nHow?,\"unclosed\nWhat?,x\nWho?,y\n".replace('\n', ending);
        assert_eq!(
            found(&csv, Format::Csv),
            [(3, 6, message.to_owned())],
            "{csv:?}"
        );
        let tsv = csv.replace(',', "\t");
        assert_eq!(
            found(&tsv, Format::Tsv),
            [(3, 6, message.to_owned())],
            "{tsv:?}"
        );
        let anki = format!("#separator:tab{ending}{tsv}");
        assert_eq!(
            found(&anki, Format::AnkiText),
            [(4, 6, message.to_owned())],
            "{anki:?}"
        );
    }
}

#[test]
fn a_competency_id_column_keeps_ids_apart_from_names() {
    let source = "\
prompt,competency,competency_id,competency_description
Why?,Building Leadership Teams,leadership-bench,Hiring leads
How?,,conflict,
Who?,Building Leadership Teams,leadership-bench,Ignored: the first row describes it
When?,Old Style,,
";
    let bank = parse_as(source, Format::Csv).unwrap();
    assert_eq!(
        bank.competencies,
        [
            Competency {
                id: "leadership-bench".into(),
                name: "Building Leadership Teams".into(),
                description: "Hiring leads".into(),
            },
            Competency {
                id: "conflict".into(),
                name: "conflict".into(),
                description: String::new(),
            },
            Competency {
                id: "old-style".into(),
                name: "Old Style".into(),
                description: String::new(),
            },
        ]
    );
    let competencies: Vec<_> = bank
        .questions
        .iter()
        .map(|q| q.competency.as_str())
        .collect();
    assert_eq!(
        competencies,
        [
            "leadership-bench",
            "conflict",
            "leadership-bench",
            "old-style"
        ]
    );
    let errors = found("prompt,competency_id\nWhy?,Bad Id\n", Format::Csv);
    assert_eq!((errors[0].0, errors[0].1), (2, 6), "{errors:?}");
}

#[test]
fn the_bank_id_must_be_given() {
    let errors = parse(
        "prompt\nWhy?\n",
        Format::Csv,
        &ParseOptions {
            title: Some("Travel".into()),
            ..ParseOptions::default()
        },
    )
    .unwrap_err()
    .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 1));
    assert_eq!(errors[0].field.as_deref(), Some("bank.id"));
    assert!(errors[0].message.contains("--bank-id"), "{errors:#?}");
    assert!(errors[0].message.contains("?bank_id="), "{errors:#?}");

    let bad = ParseOptions {
        bank_id: Some("Travel Bank".into()),
        ..ParseOptions::default()
    };
    let errors = parse("prompt\nWhy?\n", Format::Tsv, &bad).unwrap_err().0;
    assert_eq!(errors[0].field.as_deref(), Some("bank.id"));
    assert!(errors[0]
        .message
        .contains("must start with a lowercase letter"));
}

#[test]
fn anki_exports_are_read() {
    // The layout Anki writes for "Notes in Plain Text" with every option on.
    let source = "\
#separator:tab
#html:true
#guid column:1
#notetype column:2
#deck column:3
#tags column:6
a1B2c3\tBasic\tInterviews::Leading\tTell me about a <b>hard</b> call &amp; what you did.\tStakes<br>Options considered<div>Outcome</div>\tlead hard-calls
d4E5f6\tBasic\tInterviews::Leading\t\"Quoted \"\"front\"\"\tback\"\tOne | two\t
x7Y8z9\tBasic\tZürich\t日本 &lt;3&gt;&nbsp;ok\t\t
";
    let bank = parse_as(source, Format::AnkiText).unwrap();
    assert_eq!(
        bank.competencies
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("interviews-leading", "Interviews::Leading"),
            ("z-rich", "Zürich")
        ]
    );
    let first = &bank.questions[0];
    assert_eq!(first.prompt, "Tell me about a hard call & what you did.");
    assert_eq!(first.rubric, ["Stakes", "Options considered", "Outcome"]);
    assert_eq!(first.tags, ["lead", "hard-calls"]);
    assert_eq!(bank.questions[1].prompt, "Quoted \"front\"\tback");
    assert_eq!(bank.questions[1].rubric, ["One", "two"]);
    assert_eq!(bank.questions[2].prompt, "日本 <3> ok");
}

#[test]
fn anki_text_without_headers_is_front_and_back() {
    let source = "Why?\tBecause\nline two\r\nHow?\t\"Carefully\nand slowly\"\textra ignored\n";
    let bank = parse_as(source, Format::AnkiText).unwrap();
    assert_eq!(bank.competencies[0].id, "general");
    assert_eq!(bank.questions[0].rubric, ["Because"]);
    assert_eq!(bank.questions[1].prompt, "line two");
    assert_eq!(bank.questions[2].rubric, ["Carefully", "and slowly"]);
    assert!(bank.questions.iter().all(|q| q.red_flags.is_empty()));

    let source = "#separator:Semicolon\n#html:false\n#columns:Front;Back;Tags;Deck\n#tags:imported\n<b>Why?</b>;A|B;t1 t2;Leading\n";
    let bank = parse_as(source, Format::AnkiText).unwrap();
    assert_eq!(bank.questions[0].prompt, "<b>Why?</b>");
    assert_eq!(bank.questions[0].rubric, ["A", "B"]);
    assert_eq!(bank.questions[0].tags, ["t1", "t2", "imported"]);
    assert_eq!(bank.competencies[0].name, "Leading");

    let source = "#separator:pipe\n#deck:Default deck\nWhy?|Because\n";
    let bank = parse_as(source, Format::AnkiText).unwrap();
    assert_eq!(bank.competencies[0].id, "default-deck");
    assert_eq!(bank.questions[0].rubric, ["Because"]);
}

#[test]
fn red_flags_columns_are_read_by_any_of_their_names() {
    let bank = parse_as(
        "prompt,rubric,Red flags\nWhy?,Honest,Blames others | Vague \\| woolly\nHow?,,\n",
        Format::Csv,
    )
    .unwrap();
    assert_eq!(
        bank.questions[0].red_flags,
        ["Blames others", "Vague | woolly"]
    );
    assert!(bank.questions[1].red_flags.is_empty());
    let bank = parse_as("redflags\tprompt\nBlames others\tWhy?\n", Format::Tsv).unwrap();
    assert_eq!(bank.questions[0].red_flags, ["Blames others"]);
    let errors = found("prompt,red_flags,red-flags\n", Format::Csv);
    assert_eq!(
        errors,
        [(
            1,
            18,
            "column `red-flags` repeats `red_flags`: both are the red_flags column".to_owned()
        )]
    );
    // Anki text names the column in `#columns:`; with HTML on, a line break stays
    // inside its red flag, which only `|` separates.
    let source = "#separator:tab\n#html:true\n#columns:Front\tBack\tRed flags\nWhy?\tA<br>B\tBlames<br>others | Vague\n";
    let bank = parse_as(source, Format::AnkiText).unwrap();
    assert_eq!(bank.questions[0].rubric, ["A", "B"]);
    assert_eq!(bank.questions[0].red_flags, ["Blames\nothers", "Vague"]);
}

#[test]
fn anki_header_errors_name_their_line() {
    let source = "#separator:tabs\n#html:yes\n#seperator:tab\n#tags column:0\n#columns:Front\tBack\tExtra\nWhy?\tBecause\n";
    assert_eq!(
        found(source, Format::AnkiText)
            .into_iter()
            .map(|(line, column, _)| (line, column))
            .collect::<Vec<_>>(),
        [(1, 12), (2, 7), (3, 1), (4, 14), (5, 21)]
    );
    let errors = parse_as(source, Format::AnkiText).unwrap_err();
    assert!(errors[0].message.contains("unknown separator `tabs`"));
    assert!(errors[2].message.contains("unknown header `#seperator:`"));
    assert!(errors[4].message.contains("unknown column `Extra`"));

    let errors = found(
        "#columns:Back\tTags\n#tags column:3\nx\ty\n",
        Format::AnkiText,
    );
    assert_eq!(
        errors,
        [(2, 14, "column 3 is not among the 2 of #columns:".to_owned())]
    );
    let errors = found("#columns:Back\tTags\nx\ty\n", Format::AnkiText);
    assert_eq!((errors[0].0, errors[0].1), (1, 10));
}

#[test]
fn list_cells_split_on_pipes_with_escapes() {
    assert_eq!(
        split_list(" a | b\\|c || \\\\|d ", false),
        ["a", "b|c", "\\", "d"]
    );
    assert_eq!(split_list("C:\\temp | x\\", false), ["C:\\temp", "x\\"]);
    assert_eq!(split_list("a\nb|c", true), ["a", "b", "c"]);
    assert_eq!(split_list("a\nb|c", false), ["a\nb", "c"]);
    for item in ["a|b", "\\", "x\\|y", "\\\\|", "end\\"] {
        let cell = [item, item].map(escape_item).join(" | ");
        assert_eq!(split_list(&cell, false), [item, item], "{cell}");
    }
}

#[test]
fn html_fields_become_text() {
    assert_eq!(
        html_to_text("a<br>b<br/>c<BR />d<div>e</div>&quot;&#39;&#x263A;&#9731;"),
        "a\nb\nc\nd\ne\"'☺☃"
    );
    assert_eq!(
        html_to_text("1 < 2 > 0 & x &bogus; &amp"),
        "1 < 2 > 0 & x &bogus; &amp"
    );
    assert_eq!(
        html_to_text("<!-- note --><span style=\"x\">ok</span>"),
        "ok"
    );
}

#[test]
fn field_starts_follow_quoting() {
    let text = "a,\"b,\"\"c\"\"\",d\n";
    assert_eq!(field_starts(text, 0, b',', 3), (vec![0, 2, 12], None));
    assert_eq!(field_starts("x\ty", 0, b'\t', 2), (vec![0, 2], None));
    assert_eq!(field_starts("x", 0, b',', 3), (vec![0], None));
    assert_eq!(field_starts("a,\"b\nc", 0, b',', 2), (vec![0, 2], Some(2)));
}
