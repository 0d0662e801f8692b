//! Bank import, re-import, export and ownership through the API and the
//! command line: one engine, every format, history kept.

use super::*;

pub const TEAM_BANK: &str = r#"
[bank]
id = "team-leads"
title = "Team leads"
description = "Questions our team leads get asked"

[[competency]]
id = "feedback"
name = "Feedback"

[[competency]]
id = "hiring"
name = "Hiring"

[[question]]
id = "late-reviews"
competency = "feedback"
prompt = "Tell me about a time a colleague's code reviews were always late."
follow_ups = ["What did you say first?"]
rubric = ["Names the effect on the team", "Agrees a concrete next step"]
tags = ["feedback"]
level = ["first-time"]

[[question]]
id = "bad-hire"
competency = "hiring"
prompt = "Describe a hire that did not work out."
rubric = ["Owns their part in the decision", "Acts within weeks, not months"]

[[question]]
id = "first-hire"
competency = "hiring"
prompt = "Walk me through the first person you hired."
rubric = ["Defines the role before interviewing"]
"#;

async fn import(user: &ApiUser, query: &str, body: &str) -> reqwest::Response {
    user.post(&format!("/api/v1/banks?{query}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

on_both_databases!(
    import_reimport_and_keep_history,
    |app: TestApp| async move {
        let user = app.api_user("ines").await;
        let res = import(&user, "format=toml", TEAM_BANK).await;
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["bank_id"], "team-leads");
        assert_eq!(
            (
                body["added"].as_i64(),
                body["updated"].as_i64(),
                body["unchanged"].as_i64(),
                body["retired"].as_i64()
            ),
            (Some(3), Some(0), Some(0), Some(0))
        );

        let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
        let mine = banks.iter().find(|b| b["id"] == "team-leads").unwrap();
        assert_eq!(mine["ownership"], "mine");
        assert_eq!(mine["questions"], 3);

        // Answer one of the bank's questions, then edit the bank.
        let questions: Vec<Value> = user.get_json("/api/v1/questions?bank=team-leads").await;
        let late = questions
            .iter()
            .find(|q| q["key"] == "late-reviews")
            .unwrap();
        let answer = user.answer(late["id"].as_i64().unwrap()).await;

        let edited = TEAM_BANK
        .replace("were always late", "kept arriving late")
        .replace(
            "[[question]]\nid = \"first-hire\"\ncompetency = \"hiring\"\nprompt = \"Walk me through the first person you hired.\"\nrubric = [\"Defines the role before interviewing\"]\n",
            "[[question]]\nid = \"reference-check\"\ncompetency = \"hiring\"\nprompt = \"When did a reference check change your mind?\"\nrubric = [\"Says what they asked\"]\n",
        );
        let res = import(&user, "format=toml&dry_run=true", &edited).await;
        assert_eq!(res.status(), 200);
        let dry: Value = res.json().await.unwrap();
        assert_eq!(dry["dry_run"], true);
        assert_eq!(
            (
                dry["added"].as_i64(),
                dry["updated"].as_i64(),
                dry["unchanged"].as_i64(),
                dry["retired"].as_i64()
            ),
            (Some(1), Some(1), Some(1), Some(1))
        );
        let still: Vec<Value> = user.get_json("/api/v1/questions?bank=team-leads").await;
        assert_eq!(still.len(), 3, "a dry run changes nothing");
        assert!(still.iter().any(|q| q["key"] == "first-hire"));

        let res = import(&user, "format=toml", &edited).await;
        assert_eq!(res.status(), 200, "an update is 200, not 201");
        let done: Value = res.json().await.unwrap();
        assert_eq!(
            (
                done["added"].as_i64(),
                done["updated"].as_i64(),
                done["unchanged"].as_i64(),
                done["retired"].as_i64()
            ),
            (Some(1), Some(1), Some(1), Some(1))
        );

        let after: Vec<Value> = user.get_json("/api/v1/questions?bank=team-leads").await;
        let keys: Vec<&str> = after.iter().map(|q| q["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["late-reviews", "bad-hire", "reference-check"]);
        let late_after = after.iter().find(|q| q["key"] == "late-reviews").unwrap();
        assert_eq!(late_after["id"], late["id"], "updated in place");
        assert!(late_after["prompt"]
            .as_str()
            .unwrap()
            .contains("kept arriving late"));
        let kept: Value = user
            .get_json(&format!("/api/v1/answers/{}", answer["id"]))
            .await;
        assert_eq!(
            kept["question_id"], late["id"],
            "the answer survives the re-import"
        );

        // Importing the same file again changes nothing.
        let again: Value = import(&user, "format=toml", &edited)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                again["added"].as_i64(),
                again["updated"].as_i64(),
                again["unchanged"].as_i64(),
                again["retired"].as_i64()
            ),
            (Some(0), Some(0), Some(3), Some(0))
        );
    }
);

on_both_databases!(
    bad_files_name_line_and_column_and_import_nothing,
    |app: TestApp| async move {
        let user = app.api_user("jon").await;
        let broken = TEAM_BANK.replace(
            "competency = \"hiring\"\nprompt = \"Describe",
            "competency = \"sales\"\nprompt = \"Describe",
        );
        let res = import(&user, "format=toml", &broken).await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_bank");
        let line = broken
            .lines()
            .position(|l| l.contains("\"sales\""))
            .unwrap()
            + 1;
        assert_eq!(err["error"]["line"], line);
        assert!(err["error"]["column"].as_i64().unwrap() >= 1);
        assert!(err["error"]["message"].as_str().unwrap().contains("sales"));
        let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
        assert!(
            banks.iter().all(|b| b["id"] != "team-leads"),
            "nothing imported"
        );

        let res = import(&user, "format=toml", "[bank]\nid = \"x\"\ntitle = \n").await;
        assert_eq!(res.status(), 422);
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["line"], 3);

        let res = import(&user, "format=docx", TEAM_BANK).await;
        assert_eq!(res.status(), 422);
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"]["field"],
            "format"
        );

        // Over the size limit: 413, whatever the body holds.
        let huge = "#".repeat(5 * 1024 * 1024 + 1);
        let res = import(&user, "format=toml", &huge).await;
        assert_eq!(res.status(), 413);
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"]["code"],
            "too_large"
        );
    }
);

on_both_databases!(private_banks_stay_private, |app: TestApp| async move {
    let owner = app.api_user("kara").await;
    let other = app.api_user("liam").await;
    assert_eq!(import(&owner, "format=toml", TEAM_BANK).await.status(), 201);

    let banks: Vec<Value> = other.get_json("/api/v1/banks").await;
    assert!(banks.iter().all(|b| b["id"] != "team-leads"));
    let questions: Vec<Value> = other.get_json("/api/v1/questions?bank=team-leads").await;
    assert!(questions.is_empty());
    other
        .get("/api/v1/banks/team-leads/export?format=toml")
        .expect_status(404)
        .await;
    // Nor can they overwrite it by importing the same id.
    let res = import(
        &other,
        "format=toml",
        &TEAM_BANK.replace("Team leads", "Mine now"),
    )
    .await;
    assert_eq!(res.status(), 409);
    let res = owner
        .get("/api/v1/banks/team-leads/export?format=toml")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("Team leads"));
    // Their practice never draws from it.
    while let Some(card) = other.next().await {
        assert_eq!(card["question"]["bank"], "management-core");
        other
            .grade(card["card_id"].as_i64().unwrap(), "good", None)
            .await;
    }
});

on_both_databases!(
    export_then_import_gives_the_same_bank,
    |app: TestApp| async move {
        let user = app.api_user("mona").await;
        assert_eq!(import(&user, "format=toml", TEAM_BANK).await.status(), 201);
        for format in ["toml", "json", "yaml", "csv", "tsv", "md", "txt"] {
            let res = user
                .get(&format!("/api/v1/banks/team-leads/export?format={format}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{format}");
            let disposition = res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                disposition.contains(&format!("team-leads.{format}")),
                "{disposition}"
            );
            let file = res.text().await.unwrap();
            let query =
                format!("format={format}&dry_run=true&bank_id=team-leads&title=Team%20leads");
            let res = import(&user, &query, &file).await;
            assert_eq!(res.status(), 200, "{format}: {file}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(
                (
                    body["added"].as_i64(),
                    body["updated"].as_i64(),
                    body["unchanged"].as_i64(),
                    body["retired"].as_i64()
                ),
                (Some(0), Some(0), Some(3), Some(0)),
                "{format} round trip: {file}"
            );
        }
        // The global default bank exports too.
        user.get("/api/v1/banks/management-core/export?format=md")
            .expect_status(200)
            .await;
        user.get("/api/v1/banks/team-leads/export?format=pdf")
            .expect_status(422)
            .await;
        user.get("/api/v1/banks/nope/export?format=toml")
            .expect_status(404)
            .await;
    }
);

on_both_databases!(practice_only_the_chosen_banks, |app: TestApp| async move {
    let user = app.api_user("nico").await;
    assert_eq!(import(&user, "format=toml", TEAM_BANK).await.status(), 201);
    let res = user
        .put("/api/v1/banks/management-core/selection")
        .json(&json!({"practise": false}))
        .expect_status(200)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["practise"], false);
    user.put("/api/v1/banks/team-leads/selection")
        .json(&json!({"practise": true, "competencies": ["hiring"]}))
        .expect_status(200)
        .await;
    let mut seen = Vec::new();
    while let Some(card) = user.next().await {
        assert_eq!(card["question"]["bank"], "team-leads");
        assert_eq!(card["question"]["competency"], "hiring");
        seen.push(card["question"]["key"].as_str().unwrap().to_owned());
        user.grade(card["card_id"].as_i64().unwrap(), "good", None)
            .await;
    }
    seen.sort();
    assert_eq!(seen, ["bad-hire", "first-hire"]);
    user.put("/api/v1/banks/team-leads/selection")
        .json(&json!({"practise": true, "competencies": ["astrology"]}))
        .expect_status(422)
        .await;
});

on_both_databases!(csv_and_content_type_imports, |app: TestApp| async move {
    let user = app.api_user("otto").await;
    let csv = "question,category,checklist,tags\n\"Tell me about a time you said no to your CEO.\",Managing up,\"Gives the reason|Offers an alternative\",exec|pushback\nDescribe a budget cut you had to make.,Budget,Explains what was protected,budget\n";
    let res = import(&user, "format=csv", csv).await;
    assert_eq!(res.status(), 422, "CSV carries no bank id");
    assert!(res.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("bank_id"));
    let res = import(
        &user,
        "format=csv&bank_id=house-rules&title=House%20rules",
        csv,
    )
    .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["added"], 2);
    let questions: Vec<Value> = user.get_json("/api/v1/questions?bank=house-rules").await;
    assert_eq!(questions[0]["rubric"].as_array().unwrap().len(), 2);
    assert_eq!(questions[0]["tags"], json!(["exec", "pushback"]));

    let json_bank = json!({
        "bank": {"id": "json-bank", "title": "JSON bank"},
        "competencies": [{"id": "c", "name": "C"}],
        "questions": [{"competency": "c", "prompt": "Tell me about a launch.", "rubric": ["Names the date"]}]
    });
    let res = user
        .post("/api/v1/banks")
        .header("content-type", "application/json")
        .body(json_bank.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "the format comes from Content-Type");
});

/// The `starling` binary beside this test binary; built first when only the
/// tests package was asked for (`cargo test -p starling-tests`).
pub fn starling_binary() -> std::path::PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let binary = dir.join(format!("starling{}", std::env::consts::EXE_SUFFIX));
    BUILT.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = std::process::Command::new(cargo)
            .args(["build", "-p", "starling", "--bin", "starling"])
            .status()
            .expect("run cargo build for the starling binary");
        assert!(status.success(), "cargo build -p starling failed");
    });
    binary
}

on_both_databases!(
    command_line_check_import_export,
    |app: TestApp| async move {
        let dir = std::env::temp_dir().join(format!("starling-cli-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("team.toml");
        std::fs::write(&good, TEAM_BANK).unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(
            &bad,
            TEAM_BANK.replace("id = \"bad-hire\"", "id = \"Bad Hire!\""),
        )
        .unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new(starling_binary())
                .args(args)
                .env("STARLING_DATABASE_URL", &app.database_url)
                .env("STARLING_LOG", "warn")
                .output()
                .unwrap()
        };

        let out = run(&["bank", "check", good.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 questions"));

        let out = run(&[
            "bank",
            "check",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = TEAM_BANK
            .replace("id = \"bad-hire\"", "id = \"Bad Hire!\"")
            .lines()
            .position(|l| l.contains("Bad Hire!"))
            .unwrap()
            + 1;
        assert!(
            stderr.contains(&format!("{}:{line}:", bad.display())),
            "{stderr}"
        );

        let out = run(&["bank", "import", "--dry-run", good.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("3 added"));
        let out = run(&["bank", "import", good.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stdout)
            .contains("3 added, 0 updated, 0 unchanged, 0 retired"));
        let out = run(&["bank", "import", good.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stdout)
            .contains("0 added, 0 updated, 3 unchanged, 0 retired"));
        let out = run(&["bank", "import", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));

        let out = run(&["bank", "export", "team-leads", "--format", "json"]);
        assert!(out.status.success());
        let exported: Value =
            serde_json::from_slice(&out.stdout).expect("export writes only the file to stdout");
        assert_eq!(exported["bank"]["id"], "team-leads");
        let _ = std::fs::remove_dir_all(&dir);
    }
);

fn rand_suffix() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen()
}

fn import_form(token: &str, text: &str, intent: &str, format: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .text("intent", intent.to_owned())
        .text("text", text.to_owned())
        .text("format", format.to_owned())
        .text("bank_id", "")
        .text("title", "")
}

on_both_databases!(
    import_page_previews_then_imports,
    |app: TestApp| async move {
        let browser = app.registered_browser("pat").await;
        let page = app.page(&browser, "/banks/import").await;
        let token = csrf_from(&page);

        // Pasted text needs a format; a file upload takes it from the file name.
        let res = browser
            .post(app.url("/banks/import"))
            .multipart(import_form(&token, TEAM_BANK, "preview", ""))
            .expect_status(422)
            .await;
        assert!(res.text().await.unwrap().contains("format"));

        let upload = reqwest::multipart::Form::new()
            .text("csrf_token", token.clone())
            .text("intent", "preview")
            .part(
                "file",
                reqwest::multipart::Part::bytes(TEAM_BANK.as_bytes().to_vec())
                    .file_name("team.toml"),
            );
        let res = browser
            .post(app.url("/banks/import"))
            .multipart(upload)
            .expect_status(200)
            .await;
        let preview = res.text().await.unwrap();
        assert!(preview.contains("id=\"added\">3<"), "{preview}");
        assert!(preview.contains("id=\"confirm\""));
        assert!(preview.contains("Describe a hire that did not work out."));
        let banks = app.page(&browser, "/banks").await;
        assert!(
            !banks.contains("bank-team-leads"),
            "a preview saves nothing"
        );

        let confirm = reqwest::multipart::Form::new()
            .text("csrf_token", csrf_from(&preview))
            .text("intent", "confirm")
            .text("text", TEAM_BANK)
            .text("format", "toml");
        let res = browser
            .post(app.url("/banks/import"))
            .multipart(confirm)
            .expect_status(200)
            .await;
        assert!(res.text().await.unwrap().contains("id=\"imported\""));
        let banks = app.page(&browser, "/banks").await;
        assert!(banks.contains("id=\"bank-team-leads\""));

        // A bad file: every problem with its line and column, nothing saved.
        let broken = TEAM_BANK
            .replace(
                "competency = \"hiring\"\nprompt = \"Describe",
                "competency = \"sales\"\nprompt = \"Describe",
            )
            .replace("team-leads", "other-bank");
        let form = import_form(&token, &broken, "confirm", "toml");
        let res = browser
            .post(app.url("/banks/import"))
            .multipart(form)
            .expect_status(422)
            .await;
        let body = res.text().await.unwrap();
        let line = broken
            .lines()
            .position(|l| l.contains("\"sales\""))
            .unwrap()
            + 1;
        assert!(
            body.contains(&format!(
                "<strong>Line {line}:</strong> competency <code>sales</code> is not declared"
            )),
            "{body}"
        );
        let banks = app.page(&browser, "/banks").await;
        assert!(!banks.contains("bank-other-bank"));

        // Missing CSRF token: refused.
        browser
            .post(app.url("/banks/import"))
            .multipart(import_form("00", TEAM_BANK, "confirm", "toml"))
            .expect_status(403)
            .await;
    }
);

on_both_databases!(browse_searches_and_filters, |app: TestApp| async move {
    let browser = app.registered_browser("quin").await;
    let all = app.page(&browser, "/questions").await;
    let count = all.matches("class=\"card question-row\"").count();
    assert!(count >= 20, "{count}");
    let found = app.page(&browser, "/questions?q=EXPECTATIONS").await;
    let hits = found.matches("class=\"card question-row\"").count();
    assert!(hits >= 1 && hits < count, "{hits}");
    assert!(found.to_lowercase().contains("expectations"));
    let none = app.page(&browser, "/questions?q=zzzz-nothing").await;
    assert!(none.contains("No questions match."));
    let level = app.page(&browser, "/questions?level=experienced").await;
    let experienced = level.matches("class=\"card question-row\"").count();
    assert!(experienced >= 1 && experienced < count);
    let competency = app.page(&browser, "/questions?competency=feedback").await;
    assert!(competency.contains("Giving difficult feedback"));
});
