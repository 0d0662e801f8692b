//! Anki packages (`.apkg`) as Anki exports them, old-style and new-style, through the
//! API, the import page and the command line: a preview first, then the import; and
//! malicious packages (a zip bomb, an entry named `../evil`, 10,000 entries, an
//! encrypted or broken archive) refused with 413 or 422 while nothing is imported.

use starling_domain::bank::apkg::testing::{
    encrypted, many_entries, new_package, old_package, sample_media,
    sample_notes_for_sample_fields, with_entry, zip_bomb, SAMPLE_FIELDS,
};

use super::*;

fn old_style() -> Vec<u8> {
    old_package(
        &SAMPLE_FIELDS,
        &sample_notes_for_sample_fields(),
        &sample_media(),
    )
}

fn new_style() -> Vec<u8> {
    new_package(
        &SAMPLE_FIELDS,
        &sample_notes_for_sample_fields(),
        &sample_media(),
    )
}

const MEDIA_NOTE: &str =
    "2 media files (images, sounds) were ignored: Starling keeps the notes' text only";

async fn post_package(user: &ApiUser, query: &str, package: Vec<u8>) -> reqwest::Response {
    user.post(&format!("/api/v1/banks?{query}"))
        .header("content-type", "application/zip")
        .body(package)
        .send()
        .await
        .unwrap()
}

async fn bank_ids(user: &ApiUser) -> Vec<String> {
    let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
    banks
        .iter()
        .map(|bank| bank["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The questions of a bank as (competency name, prompt, rubric, tags).
async fn questions(user: &ApiUser, bank: &str) -> Vec<(String, String, Vec<String>, Value)> {
    let list: Vec<Value> = user
        .get_json(&format!("/api/v1/questions?bank={bank}"))
        .await;
    list.iter()
        .map(|q| {
            (
                q["competency_name"].as_str().unwrap().to_owned(),
                q["prompt"].as_str().unwrap().to_owned(),
                q["rubric"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| item["text"].as_str().unwrap().to_owned())
                    .collect(),
                q["tags"].clone(),
            )
        })
        .collect()
}

fn expected_questions() -> Vec<(String, String, Vec<String>, Value)> {
    let owned = |items: &[&str]| items.iter().map(|&i| i.to_owned()).collect::<Vec<_>>();
    vec![
        (
            "Leadership::Feedback".to_owned(),
            "Tell me about a time you gave hard feedback.".to_owned(),
            owned(&[
                "Names the behaviour",
                "Says the effect on the team",
                "Agrees a next step",
            ]),
            json!(["feedback", "core"]),
        ),
        (
            "Leadership::Feedback".to_owned(),
            "When did feedback you gave not land?".to_owned(),
            owned(&["Owns their part", "Tries again"]),
            json!([]),
        ),
        (
            "Hiring & firing".to_owned(),
            "Describe a hire that did not work out.".to_owned(),
            owned(&["Acts within weeks"]),
            json!(["hiring"]),
        ),
    ]
}

on_both_databases!(
    old_and_new_packages_import_through_the_api,
    |app: TestApp| async move {
        let user = app.api_user("anki").await;
        // Named by ?format=, and by the Content-Type alone.
        for (bank, query, package) in [
            ("anki-old", "format=apkg&bank_id=anki-old", old_style()),
            (
                "anki-new",
                "bank_id=anki-new&title=From%20Anki",
                new_style(),
            ),
        ] {
            let before = bank_ids(&user).await;
            let res = post_package(&user, &format!("{query}&dry_run=true"), package.clone()).await;
            assert_eq!(res.status(), 200, "{bank}");
            let preview: Value = res.json().await.unwrap();
            assert_eq!(preview["dry_run"], true);
            assert_eq!(preview["added"], 3, "{preview}");
            assert_eq!(preview["notes"], json!([MEDIA_NOTE]));
            assert_eq!(
                preview["questions"][0]["prompt"],
                "Tell me about a time you gave hard feedback."
            );
            assert_eq!(bank_ids(&user).await, before, "a preview saves nothing");

            let res = post_package(&user, query, package.clone()).await;
            assert_eq!(res.status(), 201, "{bank}");
            let done: Value = res.json().await.unwrap();
            assert_eq!(
                (done["bank_id"].as_str(), done["added"].as_i64()),
                (Some(bank), Some(3))
            );
            assert_eq!(done["notes"], json!([MEDIA_NOTE]));
            assert_eq!(questions(&user, bank).await, expected_questions(), "{bank}");

            // Importing it again changes nothing.
            let again: Value = post_package(&user, query, package)
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(again["unchanged"], 3, "{again}");
        }
        let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
        let new = banks.iter().find(|b| b["id"] == "anki-new").unwrap();
        assert_eq!(new["title"], "From Anki");
        let names: Vec<&str> = new["competencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Leadership::Feedback", "Hiring & firing"]);

        // Without a bank id, as for CSV: the problem named, nothing imported.
        let res = post_package(&user, "format=apkg", old_style()).await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], "bank.id", "{body}");

        // Read only: no export as a package.
        let res = user
            .get("/api/v1/banks/anki-new/export?format=apkg")
            .expect_status(422)
            .await;
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], "format");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("imported only"));
    }
);

/// The malicious packages, each with the status and part of the message it gets.
fn malicious() -> Vec<(&'static str, Vec<u8>, u16, &'static str)> {
    vec![
        (
            "zip bomb",
            zip_bomb(),
            413,
            "unpacked collection is 100 MB; the limit is 64 MB",
        ),
        (
            "../ entry",
            with_entry("../evil"),
            422,
            "named `../evil`, which points outside the package",
        ),
        (
            "10,000 entries",
            many_entries(10_000),
            422,
            "the package has 10000 entries; the limit is 1000",
        ),
        ("encrypted", encrypted(), 422, "the package is encrypted"),
        (
            "not a zip",
            b"PK\x03\x04 but nothing more".to_vec(),
            422,
            "the file is not an Anki package",
        ),
    ]
}

on_both_databases!(
    malicious_packages_are_refused_and_import_nothing,
    |app: TestApp| async move {
        let user = app.api_user("mallory").await;
        let before = bank_ids(&user).await;
        for (what, package, status, message) in malicious() {
            for dry_run in [true, false] {
                let res = post_package(
                    &user,
                    &format!("format=apkg&bank_id=evil&dry_run={dry_run}"),
                    package.clone(),
                )
                .await;
                assert_eq!(res.status().as_u16(), status, "{what}");
                let body: Value = res.json().await.unwrap();
                let error = &body["error"];
                let code = if status == 413 {
                    "too_large"
                } else {
                    "invalid_bank"
                };
                assert_eq!(error["code"], code, "{what}: {body}");
                assert!(
                    error["message"].as_str().unwrap().contains(message),
                    "{what}: {body}"
                );
                if status == 422 {
                    assert_eq!(
                        (error["line"].as_i64(), error["column"].as_i64()),
                        (Some(1), Some(1))
                    );
                }
            }
        }
        assert_eq!(bank_ids(&user).await, before, "nothing was imported");
    }
);

fn package_form(token: &str, file_name: &str, package: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .text("intent", "preview")
        .text("text", "")
        .text("format", "")
        .text("bank_id", "")
        .text("title", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(package).file_name(file_name.to_owned()),
        )
}

/// Posts the import page's form.
async fn post_form(
    app: &TestApp,
    browser: &reqwest::Client,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    browser
        .post(app.url("/banks/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

on_both_databases!(
    packages_import_through_the_import_page,
    |app: TestApp| async move {
        let browser = app.registered_browser("penny").await;
        let page = app.page(&browser, "/banks/import").await;
        assert!(
            page.contains(".apkg,.colpkg"),
            "the file picker offers packages"
        );
        assert!(page.contains("<option value=\"apkg\""));
        let token = csrf_from(&page);

        for (file_name, bank, package) in [
            ("Old deck.apkg", "old-deck", old_style()),
            ("New deck.colpkg", "new-deck", new_style()),
        ] {
            let res = post_form(&app, &browser, package_form(&token, file_name, package)).await;
            assert_eq!(res.status(), 200, "{file_name}");
            let preview = res.text().await.unwrap();
            assert!(
                preview.contains(&format!("<code>{bank}</code>")),
                "{preview}"
            );
            assert!(preview.contains("id=\"added\">3<"), "{preview}");
            assert!(preview.contains("When did feedback you gave not land?"));
            assert!(preview.contains("2 media files (images, sounds) were ignored"));
            assert!(!preview.contains("PK\u{3}\u{4}"), "no zip shown as text");
            let banks = app.page(&browser, "/banks").await;
            assert!(
                !banks.contains(&format!("bank-{bank}")),
                "a preview saves nothing"
            );

            // The preview carries the package on to the confirmation.
            let confirm = reqwest::multipart::Form::new()
                .text("csrf_token", csrf_from(&preview))
                .text("intent", "confirm")
                .text("text", "")
                .text("package", hidden(&preview, "package"))
                .text("format", hidden(&preview, "format"))
                .text("bank_id", hidden(&preview, "bank_id"))
                .text("title", "");
            let res = post_form(&app, &browser, confirm).await;
            assert_eq!(res.status(), 200);
            let done = res.text().await.unwrap();
            assert!(done.contains("id=\"imported\""), "{done}");
            assert!(done.contains("2 media files (images, sounds) were ignored"));
            let banks = app.page(&browser, "/banks").await;
            assert!(banks.contains(&format!("id=\"bank-{bank}\"")), "{bank}");
        }

        // A package that did not arrive whole.
        let broken = reqwest::multipart::Form::new()
            .text("csrf_token", token.clone())
            .text("intent", "confirm")
            .text("package", "not base64!")
            .text("format", "apkg")
            .text("bank_id", "broken");
        let res = post_form(&app, &browser, broken).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("did not arrive whole"));

        // The malicious ones: the form again with the problem, nothing imported.
        for (what, package, status, message) in malicious() {
            let res = post_form(&app, &browser, package_form(&token, "evil.apkg", package)).await;
            let code = res.status().as_u16();
            let body = res.text().await.unwrap();
            assert_eq!(code, status, "{what}: {body}");
            // As the page shows `code`.
            let shown = message.replace("`../evil`", "<code>../evil</code>");
            assert!(body.contains(&shown), "{what}: {body}");
            assert!(body.contains("id=\"import-form\""));
            assert!(!body.contains("name=\"package\" value"), "{what}");
        }
        let banks = app.page(&browser, "/banks").await;
        assert!(!banks.contains("bank-evil"), "nothing was imported");
    }
);

on_both_databases!(
    the_command_line_checks_and_imports_packages,
    |app: TestApp| async move {
        let dir = std::env::temp_dir().join(format!("starling-apkg-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let deck = dir.join("Team leads.apkg");
        std::fs::write(&deck, new_style()).unwrap();
        let evil = dir.join("evil.apkg");
        std::fs::write(&evil, with_entry("../evil")).unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new(super::banks::starling_binary())
                .args(args)
                .env("STARLING_DATABASE_URL", &app.database_url)
                .env("STARLING_LOG", "warn")
                .output()
                .unwrap()
        };
        let deck = deck.to_str().unwrap();
        let out = run(&["bank", "check", deck]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("ok: bank team-leads"), "{stdout}");
        assert!(stdout.contains("3 questions"), "{stdout}");
        assert!(
            stdout.contains(&format!("{deck}: note: {MEDIA_NOTE}")),
            "{stdout}"
        );

        let out = run(&["bank", "import", "--dry-run", deck]);
        assert!(String::from_utf8_lossy(&out.stdout).contains("dry run: bank team-leads: 3 added"));
        let out = run(&["bank", "import", deck]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("bank team-leads: 3 added, 0 updated"),
            "{stdout}"
        );
        assert!(stdout.contains(MEDIA_NOTE), "{stdout}");

        let out = run(&["bank", "import", evil.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{}:1:1: the package has an entry named `../evil`",
                evil.display()
            )),
            "{stderr}"
        );
        let out = run(&["bank", "export", "team-leads", "--format", "apkg"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("imported only"));
        let _ = std::fs::remove_dir_all(&dir);
    }
);
