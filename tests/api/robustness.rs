//! What people type and send comes back whole, and no request can make the
//! server fail or work without bound: comparisons whose coverage went down,
//! one streak for learner and coach, forms as large as the API takes, NUL
//! characters, far-away interview dates, long comparisons.

use std::time::{Duration, Instant};

use super::*;
use sea_orm::ConnectionTrait;

/// Writes an attempt at `question_id` with `text` in every field.
async fn attempt(user: &ApiUser, question_id: i64, text: &str) -> i64 {
    let res = user
        .post("/api/v1/answers")
        .json(&json!({
            "question_id": question_id,
            "situation": text, "task": text, "action": text, "result": text, "reflection": text,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn self_review(user: &ApiUser, answer: i64, ticks: &[i64]) {
    user.post(&format!("/api/v1/answers/{answer}/reviews"))
        .json(&json!({"checked": ticks, "comment": ""}))
        .expect_status(201)
        .await;
}

on_both_databases!(
    a_comparison_whose_coverage_went_down_is_shown,
    |app: TestApp| async move {
        let user = app.api_user("dora").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let items: Vec<i64> = card["question"]["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let first = attempt(&user, question_id, "We shipped it.").await;
        let second = attempt(&user, question_id, "I shipped it.").await;
        self_review(&user, first, &items[..3]).await;
        self_review(&user, second, &items[..1]).await;
        let browser = app.browser_as("dora").await;
        let res = browser
            .get(app.url(&format!("/answers/compare?a={first}&b={second}")))
            .expect_status(200)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("Coverage down by 2 items."), "{html}");
    }
);

on_both_databases!(
    error_pages_have_the_navigation_and_the_request_id,
    |app: TestApp| async move {
        app.api_user("erin").await;
        let browser = app.browser_as("erin").await;
        let res = browser
            .get(app.url("/answers/999999"))
            .header("x-request-id", "report-me-42")
            .expect_status(404)
            .await;
        assert_eq!(res.headers()["x-request-id"], "report-me-42");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("<nav aria-label=\"Main\" class=\"nav-wide\">"),
            "{html}"
        );
        assert!(html.contains("href=\"/today\""));
        assert!(html.contains("report-me-42"), "{html}");
        // An unknown page too, and for visitors without the navigation.
        let html = app.page(&browser, "/no-such-page").await;
        assert!(html.contains("<nav aria-label=\"Main\" class=\"nav-wide\">"));
        assert!(html.contains("id=\"request-id\""));
        let html = app.page(&app.client(), "/no-such-page").await;
        assert!(!html.contains("<nav aria-label=\"Main\" class=\"nav-wide\">"));
        assert!(html.contains("id=\"request-id\""));
        assert!(html.contains("href=\"/login\""));
    }
);

on_both_databases!(
    the_coach_sees_the_streak_the_learner_sees,
    |app: TestApp| async move {
        let coach = app.coach_user("coachsam").await;
        let learner = app.api_user("lou").await;
        let code = super::coaching::invite_code(&coach).await;
        assert_eq!(super::coaching::join(&learner, &code).await.status(), 201);
        // Today: an answer, no grade yet. Yesterday: a grade that was undone.
        let card = learner.next().await.unwrap();
        learner
            .answer(card["question"]["id"].as_i64().unwrap())
            .await;
        let other = learner.next().await.unwrap();
        let graded = learner
            .grade(other["card_id"].as_i64().unwrap(), "good", None)
            .await;
        assert_eq!(graded.status(), 200);
        assert_eq!(
            learner.post("/api/v1/undo").send().await.unwrap().status(),
            200
        );
        let id = learner.id().await;
        app.time_travel(id, 24 * 60).await;
        learner
            .answer(card["question"]["id"].as_i64().unwrap())
            .await;
        let stats: Value = learner.get_json("/api/v1/stats").await;
        assert_eq!(stats["streak"], json!({"current": 2, "longest": 2}));
        let browser = app.browser_as("coachsam").await;
        let html = app.page(&browser, "/coaching").await;
        assert!(html.contains("<td>2 days</td>"), "{html}");
    }
);

on_both_databases!(
    a_form_takes_what_the_api_takes_and_keeps_what_it_refuses,
    |app: TestApp| async move {
        let user = app.api_user("noor").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        // 20,000 characters of four-byte UTF-8 in every field: 1.2 MB as a form.
        let long = "😀".repeat(20_000);
        attempt(&user, question_id, &long).await;

        let browser = app.browser_as("noor").await;
        let app = &app;
        let page = app.page(&browser, &format!("/practice/{card_id}")).await;
        let csrf = csrf_from(&page);
        let send = |fields: Vec<(&'static str, String)>| {
            let browser = &browser;
            let csrf = csrf.clone();
            async move {
                let mut form = vec![("csrf_token", csrf)];
                form.extend(fields);
                browser
                    .post(app.url(&format!("/practice/{card_id}")))
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let all = |text: &str| {
            ["situation", "task", "action", "result", "reflection"]
                .into_iter()
                .map(|f| (f, text.to_owned()))
                .collect::<Vec<_>>()
        };
        let res = send(all(&long)).await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());

        // One character over the limit: the page comes back with the text and the reason.
        let over = format!("{long}!");
        let mut fields = all("kept words");
        fields[2].1 = over.clone();
        let res = send(fields.clone()).await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("action is longer than 20000 characters"));
        assert!(html.contains(&over));
        assert!(html.contains("kept words"));
        // Saving it as a draft keeps it on the page too.
        fields.push(("intent", "draft".to_owned()));
        let res = send(fields).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains(&over));
    }
);

on_both_databases!(
    nul_characters_are_refused_everywhere,
    |app: TestApp| async move {
        let user = app.api_user("nell").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let expect_422 = |res: reqwest::Response| async move {
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, 422, "{body}");
            assert!(body.contains("NUL"), "{body}");
        };
        expect_422(
            user.post("/api/v1/answers")
                .json(&json!({"question_id": question_id, "situation": "a\u{0}b", "task": "t"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        expect_422(
            user.put(&format!("/api/v1/drafts/{question_id}"))
                .json(&json!({"action": "\u{0}"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        expect_422(
            user.get("/api/v1/questions?competency=fe%00edback")
                .send()
                .await
                .unwrap(),
        )
        .await;
        expect_422(
            app.client()
                .post(app.url("/api/v1/auth/token"))
                .json(&json!({"username": "nell\u{0}", "password": "correct horse battery"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        expect_422(
            app.client()
                .post(app.url("/api/v1/auth/register"))
                .json(&json!({"username": "x\u{0}y", "password": "correct horse battery"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        // The login form, with its CSRF token.
        let browser = app.client();
        let page = app.page(&browser, "/login").await;
        browser
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", csrf_from(&page).as_str()),
                ("username", "nell\u{0}"),
                ("password", "correct horse battery"),
            ])
            .expect_status(422)
            .await;
        // An escaped backslash followed by "u0000" is ordinary text.
        let res = user
            .post("/api/v1/answers")
            .json(&json!({"question_id": question_id, "situation": "C:\\u0000 path", "task": "t"}))
            .expect_status(201)
            .await;
        let saved: Value = res.json().await.unwrap();
        let stored: Value = user
            .get_json(&format!("/api/v1/answers/{}", saved["id"]))
            .await;
        assert_eq!(stored["situation"], "C:\\u0000 path");
    }
);

on_both_databases!(
    interview_dates_are_bounded_and_old_far_ones_stay_cheap,
    |app: TestApp| async move {
        let user = app.api_user("ivan").await;
        for date in ["9999-12-31", "2000-01-01"] {
            let res = user
                .put("/api/v1/settings")
                .json(&json!({"interview_date": date}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{date}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["field"], "interview_date");
        }
        let soon = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        user.put("/api/v1/settings")
            .json(&json!({"interview_date": soon}))
            .expect_status(200)
            .await;

        // A date stored before the bound existed: the plan stops at two
        // years and grading still works.
        let id = user.id().await;
        app.db
            .execute_unprepared(&format!(
                "UPDATE users SET interview_date = '9999-12-31' WHERE id = {id}"
            ))
            .await
            .unwrap();
        let plan: Value = user.get_json("/api/v1/plan").await;
        assert!(plan["days_left"].as_i64().unwrap() > 2_900_000);
        assert!(plan["days"].as_array().unwrap().len() <= 731);
        let card = user.next().await.unwrap();
        let res = user
            .grade(card["card_id"].as_i64().unwrap(), "good", None)
            .await;
        assert_eq!(res.status(), 200);
        // Saving other settings keeps the stored date rather than refusing it.
        user.put("/api/v1/settings")
            .json(&json!({"new_per_day": 7, "interview_date": "9999-12-31"}))
            .expect_status(200)
            .await;
    }
);

on_both_databases!(
    comparing_two_long_unrelated_attempts_is_bounded,
    |app: TestApp| async move {
        let user = app.api_user("lena").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let words = |seed: u64| {
            let vocabulary = ["team", "we", "shipped", "the", "plan", "I", "cut", "costs"];
            let mut state = seed;
            let mut text = String::new();
            while text.len() < 19_990 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                text.push_str(vocabulary[(state >> 61) as usize]);
                text.push(' ');
            }
            text
        };
        let first = attempt(&user, question_id, &words(1)).await;
        let second = attempt(&user, question_id, &words(2)).await;
        let health = app.client();
        let compare = async {
            let started = Instant::now();
            let res = user
                .get(&format!("/api/v1/answers/compare?a={first}&b={second}"))
                .expect_status(200)
                .await;
            let body: Value = res.json().await.unwrap();
            (started.elapsed(), body)
        };
        let (elapsed, body) = compare.await;
        // Unbounded, this pair took seconds of CPU on an async worker.
        assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
        let old_side: String = body["fields"][0]["segments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["op"] != "insert")
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        let stored: Value = user.get_json(&format!("/api/v1/answers/{first}")).await;
        assert_eq!(old_side, stored["situation"].as_str().unwrap());
        health.get(app.url("/healthz")).expect_status(200).await;
    }
);
