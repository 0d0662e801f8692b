//! Words people understand: import errors that name the line and show it, sizes in
//! MB, a sample file for every bank format that imports as it is, settings that say
//! what a change does, and dates written one way ("Fri 11 Dec") in the learner's zone.

use chrono::{Duration, Utc};

use super::*;

/// The seven bank formats by extension, as the sample files are named.
const FORMATS: [&str; 7] = ["toml", "json", "yaml", "csv", "tsv", "md", "txt"];

fn upload(token: &str, file_name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .text("intent", "preview")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        )
}

async fn post_import(
    app: &TestApp,
    browser: &reqwest::Client,
    form: reqwest::multipart::Form,
) -> (u16, String) {
    let res = browser
        .post(app.url("/banks/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

on_both_databases!(
    import_errors_name_the_line_and_show_the_row,
    |app: TestApp| async move {
        let browser = app.registered_browser("lena").await;
        let page = app.page(&browser, "/banks/import").await;
        // Line 3 has no prompt; its row holds `<b>` and a tab, shown as written.
        let csv =
            "competency,prompt,rubric\nLeading,Why did you hire her?,ok\nLeading,,<b>bold</b>\tx\n";
        let (status, body) = post_import(
            &app,
            &browser,
            upload(&csrf_from(&page), "team.csv", csv.as_bytes().to_vec()),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body.contains("<strong>Line 3:</strong> the prompt is empty"),
            "{body}"
        );
        assert!(
            body.contains("<pre class=\"bank-row\"><code>Leading,,&lt;b&gt;bold&lt;&#x2f;b&gt;\\tx</code></pre>"),
            "the row as written, escaped: {body}"
        );
        assert!(body.contains("The file has a problem; nothing was imported."));
        let banks = app.page(&browser, "/banks").await;
        assert!(!banks.contains("bank-team"), "nothing imported");

        // The API keeps its error shape and says the same, with the row.
        let user = app.api_user("lena-api").await;
        let res = user
            .post("/api/v1/banks?format=csv&bank_id=team")
            .body(csv)
            .expect_status(422)
            .await;
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_bank");
        assert_eq!(err["error"]["line"], 3);
        assert_eq!(err["error"]["column"], 9);
        assert_eq!(err["error"]["field"], "question[1].prompt");
        assert_eq!(
            err["error"]["message"],
            "the bank file is invalid: line 3, column 9: the prompt is empty"
        );
        assert_eq!(err["error"]["errors"][0]["message"], "the prompt is empty");
        assert_eq!(
            err["error"]["errors"][0]["excerpt"],
            "Leading,,<b>bold</b>\\tx"
        );
    }
);

/// Sizes in MB on the page and in the API, with a limit of 1 MB.
async fn sizes_are_in_megabytes(app: TestApp) {
    let browser = app.registered_browser("mags").await;
    let page = app.page(&browser, "/banks/import").await;
    assert!(page.contains("At most 1 MB."), "{page}");
    // 1.5 million bytes: 1.43 MB, shown rounded up so it never reads as the limit.
    let big = format!("#{}\n", "x".repeat(1_500_000 - 2));
    let (status, body) = post_import(
        &app,
        &browser,
        upload(&csrf_from(&page), "big.toml", big.clone().into_bytes()),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body.contains("The bank file is 1.5 MB; the limit is 1 MB"),
        "{body}"
    );

    let user = app.api_user("mags-api").await;
    let res = user
        .post("/api/v1/banks?format=toml")
        .body(big)
        .expect_status(413)
        .await;
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "too_large");
    assert_eq!(
        err["error"]["message"],
        "The bank file is 1.5 MB; the limit is 1 MB"
    );
}

mod sizes_in_megabytes {
    use super::*;

    fn one_megabyte(config: &mut starling::config::Config) {
        config.max_bank_bytes = 1024 * 1024;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, one_megabyte)
            .await
            .expect("sqlite app");
        sizes_are_in_megabytes(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Backend::Postgres, one_megabyte).await {
            sizes_are_in_megabytes(app).await;
        }
    }
}

on_both_databases!(
    every_sample_file_downloads_and_imports,
    |app: TestApp| async move {
        // One user, so the page's import of `sample` updates the API's.
        let user = app.api_user("sam").await;
        let browser = app.browser_as("sam").await;
        let page = app.page(&browser, "/banks/import").await;
        for extension in FORMATS {
            assert!(
                page.contains(&format!("href=\"/banks/sample.{extension}\" download")),
                "the import page links the {extension} sample"
            );
            let res = app
                .client()
                .get(app.url(&format!("/banks/sample.{extension}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{extension}");
            let headers = res.headers().clone();
            assert!(
                headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains(&format!("filename=\"sample.{extension}\"")),
                "{extension}"
            );
            assert!(headers["content-type"]
                .to_str()
                .unwrap()
                .ends_with("charset=utf-8"));
            let sample = res.text().await.unwrap();
            // Through the API, as it is; CSV, TSV and Anki text need the bank id.
            let res = user
                .post(&format!(
                    "/api/v1/banks?format={extension}&bank_id=sample&title=Sample%20bank"
                ))
                .body(sample.clone())
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            assert!(status == 200 || status == 201, "{extension}: {body}");
            let questions = ["added", "updated", "unchanged"]
                .iter()
                .map(|key| body[key].as_i64().unwrap())
                .sum::<i64>();
            assert_eq!(questions, 3, "{extension}: {body}");
            assert_eq!(body["retired"], 0, "{extension}: {body}");
            // Through the page, as downloaded: the file name names the bank.
            let (status, preview) = post_import(
                &app,
                &browser,
                upload(
                    &csrf_from(&page),
                    &format!("sample.{extension}"),
                    sample.into_bytes(),
                ),
            )
            .await;
            assert_eq!(status, 200, "{extension}: {preview}");
            assert!(
                preview.contains("Preview: bank <code>sample</code>"),
                "{extension}"
            );
        }
        for missing in [
            "/banks/sample.yml",
            "/banks/sample.exe",
            "/banks/sample.markdown",
        ] {
            let res = app.client().get(app.url(missing)).send().await.unwrap();
            assert_eq!(res.status(), 404, "{missing}");
        }
    }
);

/// The number of questions a day the settings page estimates at `retention`.
fn estimate_at(settings: &str, retention: &str) -> u32 {
    let marker = format!("at {retention}: ");
    let start = settings
        .find(&marker)
        .expect("an estimate at this retention")
        + marker.len();
    let digits: String = settings[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

on_both_databases!(settings_say_what_a_change_does, |app: TestApp| async move {
    let user = app.api_user("sett").await;
    // Practise a few questions so there are reviewed cards to simulate.
    for _ in 0..4 {
        let card = user.next().await.unwrap();
        let answer = user.answer(card["question"]["id"].as_i64().unwrap()).await;
        let res = user
            .grade(
                card["card_id"].as_i64().unwrap(),
                "good",
                answer["id"].as_i64(),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let browser = app.browser_as("sett").await;
    let settings = app.page(&browser, "/settings").await;
    assert!(settings.contains("id=\"retention-estimate\""), "{settings}");
    for retention in ["0.80", "0.85", "0.90", "0.95"] {
        estimate_at(&settings, retention);
    }
    assert!(settings.contains("a day (your setting)"), "{settings}");
    assert!(
        estimate_at(&settings, "0.95") >= estimate_at(&settings, "0.80"),
        "higher retention, more practice: {settings}"
    );
    // A learner with nothing to practise and no new questions: none a day.
    let idle = app.api_user("idle").await;
    idle.put("/api/v1/settings")
        .json(&json!({"new_per_day": 0}))
        .expect_status(200)
        .await;
    let idle_page = app.page(&app.browser_as("idle").await, "/settings").await;
    assert_eq!(estimate_at(&idle_page, "0.90"), 0, "{idle_page}");

    // The maximum interval in days and years, the time zone from a list.
    assert!(settings.contains("36500 days ≈ 100 years"), "{settings}");
    assert!(settings.contains("<select name=\"time_zone\" id=\"time_zone\""));
    assert!(settings.contains("<optgroup label=\"Europe\">"));
    assert!(settings.contains("<option value=\"Europe&#x2f;Berlin\">Europe&#x2f;Berlin</option>"));
    assert!(
        settings.contains("<option value=\"America&#x2f;New_York\">America&#x2f;New York</option>")
    );
    // The server still refuses a zone that is not on the list.
    user.put("/api/v1/settings")
        .json(&json!({"time_zone": "Mars/Olympus_Mons"}))
        .expect_status(422)
        .await;
});

on_both_databases!(
    dates_and_minutes_read_as_people_write_them,
    |app: TestApp| async move {
        let user = app.api_user("dana").await;
        user.put("/api/v1/settings")
            .json(&json!({"time_zone": "Europe/Berlin"}))
            .expect_status(200)
            .await;
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let settings: Value = user.get_json("/api/v1/settings").await;
        let rollover = settings["rollover_hour"].as_i64().unwrap();
        // The study day: before the rollover hour it is still the day before.
        let today = (Utc::now().with_timezone(&berlin) - Duration::hours(rollover)).date_naive();
        let interview = today + Duration::days(10);
        let res = user
            .put("/api/v1/settings")
            .json(&json!({"interview_date": interview.format("%Y-%m-%d").to_string()}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let written = people_day(interview, today);
        let browser = app.browser_as("dana").await;
        let page = app.page(&browser, "/today").await;
        assert!(
            page.contains(&format!(
                "<time datetime=\"{}\">{written}</time>",
                interview.format("%Y-%m-%d")
            )),
            "the interview day as `Fri 11 Dec`: {page}"
        );

        // A 40-second answer is not 0 minutes.
        let card = user.next().await.unwrap();
        user.post("/api/v1/answers")
            .json(&json!({
                "question_id": card["question"]["id"],
                "situation": "A short one.",
                "task": "Quick.",
                "action": "Wrote it fast.",
                "result": "Done.",
                "reflection": "",
                "seconds_spent": 40
            }))
            .expect_status(201)
            .await;
        let progress = app.page(&browser, "/progress").await;
        assert!(
            progress.contains("id=\"minutes-today\">&lt;1 min</dd>"),
            "{progress}"
        );
        assert!(progress.contains(&format!(
            "Study day <time datetime=\"{}\">{}</time>",
            today.format("%Y-%m-%d"),
            people_day(today, today)
        )));
    }
);
