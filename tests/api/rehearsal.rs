//! Spoken rehearsals (upload, playback, delete, limits, who may listen) and
//! two attempts compared.

use super::*;
use crate::coaching::{invite_code, join};

/// The first bytes of a WebM file (the EBML magic), then filler.
pub fn webm(len: usize) -> Vec<u8> {
    let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3];
    bytes.resize(len.max(4), 0x42);
    bytes
}

async fn upload(
    user: &ApiUser,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    duration_ms: i64,
) -> reqwest::Response {
    user.put(&format!("{path}?duration_ms={duration_ms}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

on_both_databases!(
    record_on_the_draft_keep_with_the_attempt,
    |app: TestApp| async move {
        let user = app.api_user("rhea").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let draft = format!("/api/v1/drafts/{question_id}/recording");

        // Nothing recorded yet.
        assert_eq!(user.get(&draft).send().await.unwrap().status(), 404);

        let clip = webm(2048);
        let res = upload(&user, &draft, "audio/webm;codecs=opus", clip.clone(), 4200).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["mime"], "audio/webm");
        assert_eq!(saved["bytes"], 2048);
        assert_eq!(saved["duration_ms"], 4200);

        // Recording again replaces the draft's clip.
        let second = webm(1000);
        let res = upload(&user, &draft, "audio/webm", second.clone(), 1500).await;
        assert_eq!(res.status(), 201);
        let res = user.get(&draft).expect_status(200).await;
        assert_eq!(res.headers()["content-type"], "audio/webm");
        assert_eq!(res.bytes().await.unwrap().to_vec(), second);

        // Sending the attempt moves the clip onto it.
        let answer = user.answer(question_id).await;
        assert_eq!(answer["recording"]["bytes"], 1000);
        let answer_id = answer["id"].as_i64().unwrap();
        assert_eq!(user.get(&draft).send().await.unwrap().status(), 404);
        let shown: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert_eq!(shown["recording"]["duration_ms"], 1500);
        let audio = user
            .get(&format!("/api/v1/answers/{answer_id}/recording"))
            .expect_status(200)
            .await;
        assert_eq!(audio.headers()["cache-control"], "private, no-store");
        assert_eq!(audio.bytes().await.unwrap().to_vec(), second);

        // The next attempt at the same question starts without a clip.
        let again = user.answer(question_id).await;
        assert!(again["recording"].is_null());

        // Delete on request: gone, and a second delete is 404.
        let path = format!("/api/v1/answers/{answer_id}/recording");
        assert_eq!(user.delete(&path).send().await.unwrap().status(), 204);
        assert_eq!(user.get(&path).send().await.unwrap().status(), 404);
        assert_eq!(user.delete(&path).send().await.unwrap().status(), 404);
        let shown: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert!(shown["recording"].is_null());

        // A clip can also be added to an attempt after the fact.
        let res = upload(&user, &path, "audio/ogg", b"OggS\0\x02rest".to_vec(), 900).await;
        assert_eq!(res.status(), 201);
        let shown: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert_eq!(shown["recording"]["mime"], "audio/ogg");
    }
);

on_both_databases!(recordings_refuse_bad_uploads, |app: TestApp| async move {
    let user = app.api_user("ursula").await;
    let card = user.next().await.unwrap();
    let question_id = card["question"]["id"].as_i64().unwrap();
    let draft = format!("/api/v1/drafts/{question_id}/recording");
    let error_code = |body: Value| body["error"]["code"].as_str().unwrap().to_owned();

    // Over the size limit (10 MiB by default): 413, nothing kept.
    let res = upload(
        &user,
        &draft,
        "audio/webm",
        webm(10 * 1024 * 1024 + 1),
        5000,
    )
    .await;
    assert_eq!(res.status(), 413);
    assert_eq!(error_code(res.json().await.unwrap()), "too_large");
    // Longer than the duration limit (300 s by default): 413.
    let res = upload(&user, &draft, "audio/webm", webm(100), 300_001).await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("300 seconds"));
    // Not audio: 415, whatever the bytes.
    for content_type in ["text/html", "image/png", "application/octet-stream"] {
        let res = upload(&user, &draft, content_type, webm(100), 1000).await;
        assert_eq!(res.status(), 415, "{content_type}");
        assert_eq!(
            error_code(res.json().await.unwrap()),
            "unsupported_media_type"
        );
    }
    // Claims to be audio but is not: 422.
    let res = upload(
        &user,
        &draft,
        "audio/webm",
        b"<script>alert(1)</script>".to_vec(),
        1000,
    )
    .await;
    assert_eq!(res.status(), 422);
    // Empty, missing or silly duration: 422.
    let res = upload(&user, &draft, "audio/webm", Vec::new(), 1000).await;
    assert_eq!(res.status(), 422);
    let res = user
        .put(&draft)
        .header("content-type", "audio/webm")
        .body(webm(100))
        .expect_status(422)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["field"],
        "duration_ms"
    );
    let res = upload(&user, &draft, "audio/webm", webm(100), 0).await;
    assert_eq!(res.status(), 422);
    // An unknown question: 404.
    let res = upload(
        &user,
        "/api/v1/drafts/999999/recording",
        "audio/webm",
        webm(100),
        1000,
    )
    .await;
    assert_eq!(res.status(), 404);
    // None of it was kept.
    assert_eq!(user.get(&draft).send().await.unwrap().status(), 404);
    // Without a token: 401.
    app.client()
        .put(app.url(&draft))
        .header("content-type", "audio/webm")
        .body(webm(100))
        .expect_status(401)
        .await;
});

on_both_databases!(
    a_linked_coach_may_listen_others_may_not,
    |app: TestApp| async move {
        let learner = app.api_user("lola").await;
        let coach = app.coach_user("coachmo").await;
        let stranger = app.api_user("sam").await;
        let card = learner.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let answer = learner.answer(question_id).await;
        let answer_id = answer["id"].as_i64().unwrap();
        let path = format!("/api/v1/answers/{answer_id}/recording");
        let res = upload(
            &learner,
            &path,
            "audio/mp4",
            b"\0\0\0\x20ftypM4A rest".to_vec(),
            2000,
        )
        .await;
        assert_eq!(res.status(), 201);

        // Before any link, the coach and the stranger find nothing.
        for other in [&coach, &stranger] {
            assert_eq!(other.get(&path).send().await.unwrap().status(), 404);
        }
        let code = invite_code(&coach).await;
        assert_eq!(join(&learner, &code).await.status(), 201);
        let res = coach.get(&path).expect_status(200).await;
        assert_eq!(res.headers()["content-type"], "audio/mp4");
        // The coach's review page offers playback, not deletion.
        let page = app.browser_as("coachmo").await;
        let html = app
            .page(&page, &format!("/coaching/review/{answer_id}"))
            .await;
        assert!(html.contains(&format!("src=\"/api/v1/answers/{answer_id}/recording\"")));
        assert!(!html.contains("recording/delete"));
        // Only the author may delete or replace it.
        for other in [&coach, &stranger] {
            assert_eq!(other.delete(&path).send().await.unwrap().status(), 404);
            let res = upload(other, &path, "audio/webm", webm(10), 100).await;
            assert_eq!(res.status(), 404);
        }
        assert_eq!(stranger.get(&path).send().await.unwrap().status(), 404);
        // The learner's own pages: playback and a no-script delete form.
        let browser = app.browser_as("lola").await;
        let html = app.page(&browser, &format!("/answers/{answer_id}")).await;
        assert!(html.contains("id=\"answer-audio\""));
        let csrf = csrf_from(&html);
        let res = browser
            .post(app.url(&format!("/answers/{answer_id}/recording/delete")))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success() || res.status().is_redirection());
        assert_eq!(learner.get(&path).send().await.unwrap().status(), 404);
        // Without the CSRF token the form does nothing.
        let res = upload(&learner, &path, "audio/webm", webm(10), 100).await;
        assert_eq!(res.status(), 201);
        browser
            .post(app.url(&format!("/answers/{answer_id}/recording/delete")))
            .form(&[("csrf_token", "forged")])
            .expect_status(403)
            .await;
        assert_eq!(learner.get(&path).send().await.unwrap().status(), 200);
    }
);

on_both_databases!(
    two_attempts_compared_word_by_word,
    |app: TestApp| async move {
        let user = app.api_user("cora").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let checklist: Vec<i64> = card["question"]["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let write = |result: &'static str| {
            let user = &user;
            async move {
                let res = user
                    .post("/api/v1/answers")
                    .json(&json!({
                        "question_id": question_id,
                        "situation": "Two teams fought over one release slot.",
                        "task": "I had to settle it.",
                        "action": "We talked.",
                        "result": result,
                        "reflection": "",
                    }))
                    .expect_status(201)
                    .await;
                res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
            }
        };
        let first = write("It went fine.").await;
        let second = write("It went fine: both shipped within 3 days.").await;
        let review = |answer: i64, ticks: Vec<i64>| {
            let user = &user;
            async move {
                user.post(&format!("/api/v1/answers/{answer}/reviews"))
                    .json(&json!({"checked": ticks, "comment": ""}))
                    .expect_status(201)
                    .await;
            }
        };
        // Not reviewed yet: no coverage change to report.
        let c: Value = user
            .get_json(&format!("/api/v1/answers/compare?a={second}&b={first}"))
            .await;
        assert!(c["coverage_change"].is_null());
        review(first, vec![checklist[0], checklist[1]]).await;
        review(second, vec![checklist[1], checklist[2], checklist[3]]).await;

        // Asked newest first, shown oldest first.
        let c: Value = user
            .get_json(&format!("/api/v1/answers/compare?a={second}&b={first}"))
            .await;
        assert_eq!(c["before"]["id"], first);
        assert_eq!(c["after"]["id"], second);
        assert_eq!(c["before"]["met"], 2);
        assert_eq!(c["after"]["met"], 3);
        assert_eq!(c["coverage_change"], 1);
        assert_eq!(c["gained"], json!([checklist[2], checklist[3]]));
        assert_eq!(c["lost"], json!([checklist[0]]));
        let result = c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "result")
            .unwrap();
        assert_eq!(result["changed"], true);
        assert_eq!(result["words_before"], 3);
        assert_eq!(result["words_after"], 8);
        assert_eq!(
            result["segments"],
            json!([
                {"op": "equal", "text": "It went "},
                {"op": "delete", "text": "fine."},
                {"op": "insert", "text": "fine: both shipped within 3 days."},
            ])
        );
        let situation = c["fields"].as_array().unwrap()[0].clone();
        assert_eq!(situation["changed"], false);

        // The page shows the same, without scripts.
        let browser = app.browser_as("cora").await;
        let html = app
            .page(&browser, &format!("/answers/compare?a={first}&b={second}"))
            .await;
        assert!(html.contains("<del>fine.</del>"));
        assert!(html.contains("<ins>fine: both shipped within 3 days.</ins>"));
        assert!(html.contains("Coverage up by 1 item."));
        let history = app.page(&browser, "/history").await;
        assert!(history.contains(&format!("/answers/compare?a={first}&amp;b={second}")));

        // Bad pairs: the same attempt, another question, another user's attempt.
        user.get(&format!("/api/v1/answers/compare?a={first}&b={first}"))
            .expect_status(422)
            .await;
        let other_card = loop {
            let next = user.next().await.unwrap();
            if next["question"]["id"] != question_id {
                break next;
            }
            let _ = user
                .grade(next["card_id"].as_i64().unwrap(), "good", None)
                .await;
        };
        let other = user
            .answer(other_card["question"]["id"].as_i64().unwrap())
            .await["id"]
            .as_i64()
            .unwrap();
        user.get(&format!("/api/v1/answers/compare?a={first}&b={other}"))
            .expect_status(422)
            .await;
        let stranger = app.api_user("nosy").await;
        stranger
            .get(&format!("/api/v1/answers/compare?a={first}&b={second}"))
            .expect_status(404)
            .await;
        user.get("/api/v1/answers/compare?a=1")
            .expect_status(400)
            .await;
    }
);
