//! The pages as a browser without JavaScript uses them: forms with CSRF
//! tokens, redirects, drafts, self-review and grading.

use super::*;

async fn form_post(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(fields).send().await.unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

on_both_databases!(
    register_practise_review_and_grade_in_pages,
    |app: TestApp| async move {
        let browser = app.client();
        // Visitors are sent to the login page.
        let res = browser.get(app.url("/today")).expect_status(303).await;
        assert_eq!(location(&res), "/login?next=/today");

        let page = app.page(&browser, "/register").await;
        let token = csrf_from(&page);
        let res = form_post(
            &browser,
            app.url("/register"),
            &[
                ("csrf_token", &token),
                ("username", "pia"),
                ("password", "long password"),
                ("password_confirm", "long password"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/today");
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("starling_session="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );

        let today = app.page(&browser, "/today").await;
        assert!(today.contains("id=\"start\""));
        assert!(today.contains("id=\"new-count\">5<"));

        let res = browser.get(app.url("/practice")).expect_status(303).await;
        let question_url = location(&res);
        assert!(question_url.starts_with("/practice/"));
        let question = app.page(&browser, &question_url).await;
        assert!(question.contains("id=\"timer\""));
        for field in ["situation", "task", "action", "result", "reflection"] {
            assert!(
                question.contains(&format!("name=\"{field}\"")),
                "{field} field"
            );
        }
        assert!(
            !question.contains("follow-ups"),
            "follow-ups stay hidden until the answer is in"
        );
        let token = csrf_from(&question);

        // Without JavaScript, "Save draft" keeps the text; the page shows it again.
        let res = form_post(
            &browser,
            app.url(&question_url),
            &[
                ("csrf_token", &token),
                ("situation", "Draft <b>situation</b>"),
                ("task", ""),
                ("action", ""),
                ("result", ""),
                ("reflection", ""),
                ("intent", "draft"),
                ("seconds_spent", "33"),
            ],
        )
        .await;
        assert_eq!(res.status(), 200);
        let again = app.page(&browser, &question_url).await;
        assert!(
            again.contains("Draft &lt;b&gt;situation"),
            "draft restored, escaped"
        );
        assert!(!again.contains("<b>situation"), "user text is never markup");

        // An empty answer is refused with the form shown again.
        let res = form_post(
            &browser,
            app.url(&question_url),
            &[
                ("csrf_token", &token),
                ("situation", ""),
                ("task", ""),
                ("action", ""),
                ("result", ""),
                ("reflection", ""),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("the answer is empty"));

        // Missing or wrong CSRF token: refused, nothing saved.
        let res = form_post(
            &browser,
            app.url(&question_url),
            &[("situation", "x"), ("action", "I acted")],
        )
        .await;
        assert_eq!(res.status(), 403);
        let res = form_post(
            &browser,
            app.url(&question_url),
            &[("csrf_token", "00ff"), ("situation", "x")],
        )
        .await;
        assert_eq!(res.status(), 403);

        let res = form_post(
            &browser,
            app.url(&question_url),
            &[
                ("csrf_token", &token),
                ("situation", "A vendor outage hit payroll."),
                ("task", "I owned the fix."),
                ("action", "I split the team into two shifts."),
                ("result", "Payroll ran 2 hours late, not 2 days."),
                ("reflection", "I keep a runbook now."),
                ("seconds_spent", "95"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let review_url = location(&res);
        assert!(review_url.ends_with("/review"));
        let review = app.page(&browser, &review_url).await;
        assert!(
            review.contains("id=\"follow-ups\""),
            "follow-ups shown after the answer"
        );
        assert!(review.contains("id=\"grade-good\""));
        let item_ids: Vec<String> = review
            .match_indices("name=\"checked\" value=\"")
            .map(|(i, m)| review[i + m.len()..].split('"').next().unwrap().to_owned())
            .collect();
        assert!(item_ids.len() >= 9);
        let token = csrf_from(&review);
        let res = form_post(
            &browser,
            app.url(&review_url),
            &[
                ("csrf_token", &token),
                ("checked", &item_ids[0]),
                ("checked", &item_ids[3]),
                ("comment", "Needs a number"),
                ("rating", "good"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let answer_id = review_url
            .trim_start_matches("/answers/")
            .trim_end_matches("/review");
        assert_eq!(
            location(&res),
            format!("/practice?graded={answer_id}"),
            "on to the next card, which says what the grade did"
        );

        let res = browser.get(app.url("/practice")).send().await.unwrap();
        let next_url = location(&res);
        assert!(next_url.starts_with("/practice/") && next_url != question_url);

        let history = app.page(&browser, "/history").await;
        assert!(
            history.contains(&format!("2 / {}", item_ids.len())),
            "coverage shown"
        );
        assert!(history.contains("Good"));
        let answer_path = review_url.trim_end_matches("/review").to_owned();
        let attempt = app.page(&browser, &answer_path).await;
        assert!(attempt.contains("Payroll ran 2 hours late"));
        assert!(attempt.contains("Needs a number"));

        // Logging out ends the session; logging in again restores the draft of the next card.
        let today = app.page(&browser, "/today").await;
        let next_question = app.page(&browser, &next_url).await;
        let res = form_post(
            &browser,
            app.url(&next_url),
            &[
                ("csrf_token", &csrf_from(&next_question)),
                ("situation", "unsent words"),
                ("task", ""),
                ("action", ""),
                ("result", ""),
                ("reflection", ""),
                ("intent", "draft"),
            ],
        )
        .await;
        assert_eq!(res.status(), 200);
        let res = form_post(
            &browser,
            app.url("/logout"),
            &[("csrf_token", &csrf_from(&today))],
        )
        .await;
        assert_eq!(res.status(), 303);
        let res = browser.get(app.url("/today")).send().await.unwrap();
        assert_eq!(res.status(), 303, "logged out");
        let page = app.page(&browser, "/login").await;
        let res = form_post(
            &browser,
            app.url("/login"),
            &[
                ("csrf_token", &csrf_from(&page)),
                ("username", "pia"),
                ("password", "wrong password"),
            ],
        )
        .await;
        assert_eq!(res.status(), 401);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("wrong username or password"));
        let res = form_post(
            &browser,
            app.url("/login"),
            &[
                ("csrf_token", &csrf_from(&page)),
                ("username", "pia"),
                ("password", "long password"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let restored = app.page(&browser, &next_url).await;
        assert!(restored.contains("unsent words"));
    }
);

on_both_databases!(login_without_csrf_is_refused, |app: TestApp| async move {
    app.api_user("vic").await;
    let browser = app.client();
    let res = form_post(
        &browser,
        app.url("/login"),
        &[("username", "vic"), ("password", "correct horse battery")],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert!(res
        .headers()
        .get("set-cookie")
        .map(|c| !c.to_str().unwrap().contains("starling_session"))
        .unwrap_or(true));

    // Session-cookie calls to the JSON API need the CSRF header too.
    let page = app.page(&browser, "/login").await;
    form_post(
        &browser,
        app.url("/login"),
        &[
            ("csrf_token", &csrf_from(&page)),
            ("username", "vic"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    let next: Value = browser
        .get(app.url("/api/v1/practice/next"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let question_id = next["question"]["id"].as_i64().unwrap();
    let res = browser
        .put(app.url(&format!("/api/v1/drafts/{question_id}")))
        .json(&json!({"situation": "forged"}))
        .expect_status(403)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    let res = browser
        .get(app.url(&format!("/api/v1/drafts/{question_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "the forged draft was not saved");

    let today = app.page(&browser, "/today").await;
    browser
        .put(app.url(&format!("/api/v1/drafts/{question_id}")))
        .header("x-csrf-token", csrf_from(&today))
        .json(&json!({"situation": "typed in the page"}))
        .expect_status(204)
        .await;
});

on_both_databases!(
    without_javascript_the_server_times_the_answer,
    |app: TestApp| async move {
        let user = app.api_user("walt").await;
        let browser = app.browser_as("walt").await;
        let res = browser.get(app.url("/practice")).send().await.unwrap();
        let question_url = location(&res);
        let page = app.page(&browser, &question_url).await;
        let started = (chrono::Utc::now().timestamp() - 75).to_string();
        // The page's script would fill seconds_spent; here it stays empty.
        let res = form_post(
            &browser,
            app.url(&question_url),
            &[
                ("csrf_token", &csrf_from(&page)),
                ("situation", "s"),
                ("task", "t"),
                ("action", "I did a"),
                ("result", "r"),
                ("reflection", "l"),
                ("seconds_spent", ""),
                ("started_at", &started),
            ],
        )
        .await;
        assert_eq!(res.status(), 303);
        let answer_id = location(&res)
            .trim_start_matches("/answers/")
            .trim_end_matches("/review")
            .to_owned();
        let stored: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        let seconds = stored["seconds_spent"].as_i64().unwrap();
        assert!(
            (75..=80).contains(&seconds),
            "timed from started_at: {seconds}"
        );
    }
);
