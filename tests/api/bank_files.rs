//! Bank files as people really hand them over: every export imports back into the
//! same bank as a no-op (competency ids included), CRLF files (Excel, a pasted
//! textarea) report errors where LF files do, and exports neither run as spreadsheet
//! formulas nor render as HTML, links or images.

use super::*;

/// Competency ids that are not the slugs of their names, questions that alternate
/// between competencies, and text that spreadsheets and Markdown renderers would run.
const LEADERS: &str = r#"
[bank]
id = "leaders"
title = "Leaders"

[[competency]]
id = "leadership-bench"
name = "Building Leadership Teams"
description = "Hiring and growing leads."

[[competency]]
id = "conflict"
name = "Handling Conflict"

[[question]]
id = "bench-hire"
competency = "leadership-bench"
prompt = "Tell me about the first lead you hired."
rubric = ["=HYPERLINK(\"http://evil.example\",\"Click\")", "Defines the role first"]
tags = ["hiring"]

[[question]]
id = "conflict-peers"
competency = "conflict"
prompt = "<img src=x onerror=alert(1)> Two peers [disagree](javascript:alert(1))."
follow_ups = ["What did you say first?"]
level = ["team-lead"]

[[question]]
id = "bench-grow"
competency = "leadership-bench"
prompt = "+cmd|' /C calc'!A0 and how you grew a lead"
variants = ["'=1+1 already quoted"]
"#;

async fn import(user: &ApiUser, query: &str, body: &str) -> reqwest::Response {
    user.post(&format!("/api/v1/banks?{query}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

/// The competencies of a bank as (id, name, questions) in order.
async fn competencies(user: &ApiUser, bank: &str) -> Vec<(String, String, i64)> {
    let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
    let found = banks.iter().find(|b| b["id"] == bank).unwrap();
    found["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
                c["questions"].as_i64().unwrap(),
            )
        })
        .collect()
}

on_both_databases!(
    every_export_imports_back_unchanged,
    |app: TestApp| async move {
        let user = app.api_user("bianca").await;
        let res = import(&user, "format=toml", LEADERS).await;
        assert_eq!(res.status(), 201);
        let before = competencies(&user, "leaders").await;
        assert_eq!(
            before,
            [
                (
                    "leadership-bench".to_owned(),
                    "Building Leadership Teams".to_owned(),
                    2
                ),
                ("conflict".to_owned(), "Handling Conflict".to_owned(), 1),
            ]
        );
        for format in ["toml", "json", "yaml", "csv", "tsv", "md", "txt"] {
            let res = user
                .get(&format!("/api/v1/banks/leaders/export?format={format}"))
                .expect_status(200)
                .await;
            let file = res.text().await.unwrap();
            let res = import(
                &user,
                &format!("format={format}&bank_id=leaders&title=Leaders"),
                &file,
            )
            .await;
            assert_eq!(res.status(), 200, "{format}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                (
                    body["added"].as_i64(),
                    body["updated"].as_i64(),
                    body["unchanged"].as_i64(),
                    body["retired"].as_i64()
                ),
                (Some(0), Some(0), Some(3), Some(0)),
                "{format}: {body}\n{file}"
            );
            assert_eq!(competencies(&user, "leaders").await, before, "{format}");
        }
    }
);

on_both_databases!(
    crlf_files_report_the_lines_of_lf_files,
    |app: TestApp| async move {
        let user = app.api_user("carla").await;
        let csv = "id,competency,prompt,rubric\nq1,Lead,Why?,ok\nq2,Lead,,\nq3,Lead,How?,x\n";
        for ending in ["\n", "\r\n", "\r"] {
            let file = csv.replace('\n', ending);
            let res = import(&user, "format=csv&bank_id=crlf&dry_run=true", &file).await;
            assert_eq!(res.status(), 422, "{file:?}");
            let err: Value = res.json().await.unwrap();
            assert_eq!(
                (&err["error"]["line"], &err["error"]["column"]),
                (&json!(3), &json!(9)),
                "{file:?}: {err}"
            );
            assert_eq!(err["error"]["field"], "question[1].prompt");

            // An unterminated quote is an error where it opens, not a swallowed file.
            let file =
                "prompt,rubric\nWhy?,ok\nHow?,\"unclosed\nWhat?,x\nWho?,y\n".replace('\n', ending);
            let res = import(&user, "format=csv&bank_id=crlf&dry_run=true", &file).await;
            assert_eq!(res.status(), 422, "{file:?}");
            let err: Value = res.json().await.unwrap();
            assert_eq!(
                (&err["error"]["line"], &err["error"]["column"]),
                (&json!(3), &json!(6)),
                "{file:?}: {err}"
            );
        }
        // Excel's UTF-8 CSV: a byte order mark and CRLF.
        let file = format!("\u{feff}{}", "prompt,competency\r\nWhy?,Lead\r\n");
        let res = import(&user, "format=csv&bank_id=excel", &file).await;
        assert_eq!(res.status(), 201);
        assert_eq!(
            competencies(&user, "excel").await,
            [("lead".to_owned(), "Lead".to_owned(), 1)]
        );
    }
);

on_both_databases!(
    exports_run_no_formulas_and_render_no_html,
    |app: TestApp| async move {
        let user = app.api_user("dora").await;
        assert_eq!(import(&user, "format=toml", LEADERS).await.status(), 201);
        for format in ["csv", "tsv"] {
            let file = user
                .get(&format!("/api/v1/banks/leaders/export?format={format}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let separator = if format == "csv" { ',' } else { '\t' };
            for line in file.lines() {
                for cell in line.split(separator) {
                    let cell = cell.trim_start_matches('"');
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@']),
                        "{format}: a cell starts a formula: {cell}\n{file}"
                    );
                }
            }
            assert!(file.contains("'=HYPERLINK"), "{file}");
            assert!(file.contains("'+cmd"), "{file}");
            assert!(file.contains("''=1+1"), "{file}");
        }
        let md = user
            .get("/api/v1/banks/leaders/export?format=md")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // Every `<` and `[` is escaped: no tag, link or image.
        assert!(!md.replace("\\<", "").contains('<'), "{md}");
        assert!(!md.replace("\\[", "").contains("[disagree"), "{md}");
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");

        // The learner's own answers: no link, image or HTML comes out of them.
        let questions: Vec<Value> = user.get_json("/api/v1/questions?bank=leaders").await;
        let question = questions.iter().find(|q| q["key"] == "bench-hire").unwrap();
        user.post("/api/v1/answers")
            .json(&json!({
                "question_id": question["id"],
                "situation": "[click me](javascript:alert(1)) and ![](http://evil.example/x.png)",
                "task": "<img src=x onerror=alert(1)> *loud* <!-- hidden -->",
                "action": "Mailed boss@evil.example, see www.evil.example or http://evil.example/a",
                "result": "[ref]: javascript:alert(1)\n[ref]",
            }))
            .expect_status(201)
            .await;
        let doc = user
            .get("/api/v1/answers/export")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for raw in [
            "[click me](",
            "![](",
            "<img",
            "<!--",
            "*loud*",
            "javascript:",
            "http://",
            "www.evil",
            "boss@",
            "\n[ref]:",
        ] {
            assert!(!doc.contains(raw), "`{raw}` is left as markup:\n{doc}");
        }
        assert!(
            doc.contains(
                "\\[click me\\](javascript\\:alert(1)) and \\!\\[\\](http\\://evil.example/x.png)"
            ),
            "{doc}"
        );
    }
);
