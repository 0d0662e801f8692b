//! What the pages carry from one visit to the next: where unread coach
//! feedback leads, the time zone taken at registration, the draft revision
//! the question page embeds.

use super::*;
use crate::coaching::{invite_code, join};

/// `GET path` without following the redirect; where it sends the browser.
async fn redirect_of(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    location(browser.get(app.url(path)).send().await.unwrap())
}

async fn coach_comments(coach: &ApiUser, answer_id: i64, comment: &str) {
    let res = coach
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [], "comment": comment}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

on_both_databases!(
    unread_feedback_leads_to_the_feedback,
    |app: TestApp| async move {
        let coach = app.coach_user("fbcoach").await;
        let learner = app.api_user("fblearner").await;
        assert_eq!(
            join(&learner, &invite_code(&coach).await).await.status(),
            201
        );
        let card = learner.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let mut attempts = Vec::new();
        for _ in 0..3 {
            attempts.push(learner.answer(question_id).await["id"].as_i64().unwrap());
        }
        let [first, second, third] = attempts[..] else {
            unreachable!()
        };
        let browser = app.browser_as("fblearner").await;

        // Nothing unread: the notice's address leads to History.
        assert_eq!(
            redirect_of(&app, &browser, "/feedback/new").await,
            "/history"
        );
        let history = app.page(&browser, "/history").await;
        assert!(!history.contains("new feedback</span>"), "{history}");

        // One unread review: the navigation and Today lead straight to it.
        coach_comments(&coach, second, "Open with the stakes").await;
        let today = app.page(&browser, "/today").await;
        assert!(
            today.contains("href=\"/feedback/new\" class=\"nav-unread\"><span class=\"badge\" id=\"nav-unread\""),
            "the navigation's count leads to the feedback: {today}"
        );
        assert!(
            today.contains("id=\"unread-feedback\"><a href=\"/feedback/new\">"),
            "Today's notice leads to the feedback: {today}"
        );
        assert_eq!(
            redirect_of(&app, &browser, "/feedback/new").await,
            format!("/answers/{second}")
        );
        // History marks that attempt, and only that one.
        let history = app.page(&browser, "/history").await;
        assert_eq!(
            history
                .matches("<span class=\"badge new-feedback\">new feedback</span>")
                .count(),
            1,
            "{history}"
        );
        let marked_row = history
            .split("<tr>")
            .find(|row| row.contains("new feedback</span>"))
            .unwrap();
        assert!(
            marked_row.contains(&format!("href=\"/answers/{second}\"")),
            "the badge is on attempt {second}: {marked_row}"
        );

        // Two unread: a list of just those attempts.
        coach_comments(&coach, third, "Shorter action part").await;
        assert_eq!(
            redirect_of(&app, &browser, "/feedback/new").await,
            "/history?feedback=new"
        );
        let listed = app.page(&browser, "/history?feedback=new").await;
        assert!(listed.contains("id=\"feedback-filter\""), "{listed}");
        for (answer_id, shown) in [(first, false), (second, true), (third, true)] {
            assert_eq!(
                listed.contains(&format!("href=\"/answers/{answer_id}\"")),
                shown,
                "attempt {answer_id} listed: {listed}"
            );
        }

        // Reading one leaves the other as the way in; reading both clears it.
        let attempt = app.page(&browser, &format!("/answers/{third}")).await;
        assert!(attempt.contains("Shorter action part"));
        assert_eq!(
            redirect_of(&app, &browser, "/feedback/new").await,
            format!("/answers/{second}")
        );
        app.page(&browser, &format!("/answers/{second}")).await;
        assert_eq!(
            redirect_of(&app, &browser, "/feedback/new").await,
            "/history"
        );
        let history = app.page(&browser, "/history").await;
        assert!(!history.contains("new feedback</span>"), "{history}");
        assert!(!history.contains("id=\"nav-unread\""));
    }
);

/// Registers `username` through the form with `time_zone` as the page's
/// script would fill it in (`None`: scripts off, the field stays empty).
async fn register_in_form(app: &TestApp, username: &str, time_zone: &str) -> reqwest::Client {
    let browser = app.client();
    let page = app.page(&browser, "/register").await;
    assert!(
        page.contains("name=\"time_zone\""),
        "the register form has a time_zone field"
    );
    let res = browser
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("username", username),
            ("password", "correct horse battery"),
            ("password_confirm", "correct horse battery"),
            ("time_zone", time_zone),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(res), "/today");
    browser
}

on_both_databases!(
    registration_takes_the_browsers_time_zone,
    |app: TestApp| async move {
        // The form: the zone the script detected.
        let tokyo = register_in_form(&app, "tzform", "Asia/Tokyo").await;
        let settings = app.page(&tokyo, "/settings").await;
        assert!(
            settings.contains("<option value=\"Asia&#x2f;Tokyo\" selected>"),
            "{settings}"
        );
        assert!(!settings.contains("id=\"time-zone-note\""), "{settings}");
        // Scripts off (empty) or a name chrono-tz does not know: UTC, and
        // Settings says why.
        for (username, sent) in [("tznoscript", ""), ("tzunknown", "Mars/Olympus_Mons")] {
            let browser = register_in_form(&app, username, sent).await;
            let settings = app.page(&browser, "/settings").await;
            assert!(
                settings.contains("<option value=\"UTC\" selected>"),
                "{settings}"
            );
            assert!(
                settings.contains(
                    "id=\"time-zone-note\">Your time zone is UTC because it could not be detected"
                ),
                "{settings}"
            );
        }

        // The API: optional, checked.
        let client = app.client();
        let register = |body: Value| {
            client
                .post(app.url("/api/v1/auth/register"))
                .json(&body)
                .send()
        };
        let res = register(json!({"username": "tzapi", "password": "correct horse battery", "time_zone": "America/New_York"})).await.unwrap();
        assert_eq!(res.status(), 201);
        let res = register(json!({"username": "tzbad", "password": "correct horse battery", "time_zone": "Nowhere/Else"})).await.unwrap();
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["field"], "time_zone", "{body}");
        let api = app.api_user("tzdefault").await;
        let me: Value = api.get_json("/api/v1/me").await;
        assert_eq!(me["time_zone"], "UTC");
        let browser = app.browser_as("tzapi").await;
        let settings = app.page(&browser, "/settings").await;
        assert!(
            settings.contains("value=\"America&#x2f;New_York\""),
            "{settings}"
        );
    }
);

/// An element with a one-byte size.
fn ebml(id: &[u8], content: &[u8]) -> Vec<u8> {
    assert!(content.len() < 127);
    let mut out = id.to_vec();
    out.push(0x80 | content.len() as u8);
    out.extend_from_slice(content);
    out
}

/// A WebM file laid out as MediaRecorder writes it: Segment and Cluster of
/// unknown size, no Duration in the Info, a 20 ms Opus frame every 20 ms
/// for 1.5 s.
fn recorder_webm() -> Vec<u8> {
    const UNKNOWN: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    let mut out = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"webm"));
    out.extend_from_slice(&[0x18, 0x53, 0x80, 0x67]);
    out.extend_from_slice(&UNKNOWN);
    let mut info = ebml(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]);
    info.extend(ebml(&[0x4D, 0x80], b"Chrome"));
    out.extend(ebml(&[0x15, 0x49, 0xA9, 0x66], &info));
    out.extend(ebml(
        &[0x16, 0x54, 0xAE, 0x6B],
        &ebml(&[0xAE], &[0xD7, 0x81, 0x01]),
    ));
    out.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75]);
    out.extend_from_slice(&UNKNOWN);
    out.extend(ebml(&[0xE7], &[0x00]));
    for t in (0..1500i16).step_by(20) {
        let mut block = vec![0x81];
        block.extend_from_slice(&t.to_be_bytes());
        block.extend_from_slice(&[0x80, 0xFC, 0xFF, 0xFE]);
        out.extend(ebml(&[0xA3], &block));
    }
    out
}

on_both_databases!(
    a_recorded_webm_gets_its_real_length,
    |app: TestApp| async move {
        let user = app.api_user("lengthy").await;
        let question_id = user.next().await.unwrap()["question"]["id"]
            .as_i64()
            .unwrap();
        let clip = recorder_webm();
        // The recorder's clock said 9 s; the file's own timestamps say 1.5 s.
        let res = user
            .put(&format!(
                "/api/v1/drafts/{question_id}/recording?duration_ms=9000"
            ))
            .header("content-type", "audio/webm;codecs=opus")
            .body(clip.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["duration_ms"], 1500, "{saved}");
        assert_eq!(saved["bytes"], clip.len() + 11, "{saved}");

        // Played back, the header carries the length (Duration = 1500 ticks of 1 ms).
        let res = user
            .get(&format!("/api/v1/drafts/{question_id}/recording"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-duration-ms"], "1500");
        let audio = res.bytes().await.unwrap();
        let mut duration = vec![0x44, 0x89, 0x88];
        duration.extend_from_slice(&1500f64.to_be_bytes());
        assert!(
            audio
                .windows(duration.len())
                .any(|w| w == duration.as_slice()),
            "no Duration element in the served file"
        );
        assert!(
            audio.ends_with(&clip[clip.len() - 100..]),
            "the blocks changed"
        );

        // Sent with the attempt, the API shows the same length.
        let answer = user.answer(question_id).await;
        let shown: Value = user
            .get_json(&format!("/api/v1/answers/{}", answer["id"]))
            .await;
        assert_eq!(shown["recording"]["duration_ms"], 1500, "{shown}");
    }
);
