//! Mock interview rounds through the API and the pages: a 30-minute round end
//! to end feeds the scheduler; bad input is refused.

use super::*;

fn star(n: usize) -> Value {
    json!({
        "situation": format!("Round answer {n}: two teams wanted one release slot."),
        "task": "I had to settle it within the week.",
        "action": "I met both leads, compared the risk of each change and split the slot.",
        "result": "Both shipped within 3 days and incidents fell by 40%.",
        "reflection": "I now ask for risk estimates before slots are booked.",
        "seconds_spent": 100 + n,
    })
}

on_both_databases!(
    a_thirty_minute_round_feeds_the_scheduler,
    |app: TestApp| async move {
        let user = app.api_user("mona").await;
        let res = user
            .post("/api/v1/mock-interviews")
            .json(&json!({"minutes": 30, "competencies": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let round: Value = res.json().await.unwrap();
        let id = round["id"].as_i64().unwrap();
        let questions = round["questions"].as_array().unwrap().clone();
        assert_eq!(questions.len(), 6);
        for pair in questions.windows(2) {
            assert_ne!(pair[0]["competency"], pair[1]["competency"], "two in a row");
        }
        let ids: std::collections::HashSet<i64> = questions
            .iter()
            .map(|q| q["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 6);
        assert!(questions.iter().all(|q| q["prompt"].is_string()
            && q["follow_ups"].is_array()
            && q["red_flags"].is_array()));

        // Out of order, and someone else's round: refused.
        user.post(&format!("/api/v1/mock-interviews/{id}/questions/2/answer"))
            .json(&star(2))
            .expect_status(409)
            .await;
        let other = app.api_user("nosy").await;
        other
            .post(&format!("/api/v1/mock-interviews/{id}/questions/1/answer"))
            .json(&star(1))
            .expect_status(404)
            .await;
        assert_eq!(
            other
                .get(&format!("/api/v1/mock-interviews/{id}"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        // Grading before answering: refused.
        user.post(&format!("/api/v1/mock-interviews/{id}/questions/1/grade"))
            .json(&json!({"rating": "good"}))
            .expect_status(422)
            .await;

        let mut cards = Vec::new();
        for (n, q) in questions.iter().enumerate() {
            let position = q["position"].as_i64().unwrap();
            let res = user
                .post(&format!(
                    "/api/v1/mock-interviews/{id}/questions/{position}/answer"
                ))
                .json(&star(n))
                .expect_status(201)
                .await;
            let answered: Value = res.json().await.unwrap();
            assert_eq!(answered["follow_ups"], q["follow_ups"]);
            assert_eq!(answered["red_flags"], q["red_flags"]);
            assert!(answered["analysis"]["words"]["total"].as_u64().unwrap() > 30);
            assert_eq!(answered["next_position"].is_null(), n == 5);
            cards.push(answered["card_id"].as_i64().unwrap());
        }
        // Twice: refused.
        user.post(&format!("/api/v1/mock-interviews/{id}/questions/1/answer"))
            .json(&star(1))
            .expect_status(409)
            .await;

        let summary: Value = user
            .get_json(&format!("/api/v1/mock-interviews/{id}"))
            .await;
        assert!(summary["round"]["finished_at"].is_string());
        assert_eq!(summary["answered"], 6);
        assert_eq!(summary["seconds_total"], (100..106).sum::<i64>());
        assert_eq!(summary["items"][0]["seconds_spent"], 100);
        assert!(summary["items"][0]["hints"].is_array());

        // Grading in the summary schedules each card.
        for position in 1..=6 {
            user.post(&format!(
                "/api/v1/mock-interviews/{id}/questions/{position}/grade"
            ))
            .json(&json!({"rating": "good"}))
            .expect_status(200)
            .await;
        }
        // Grading again does not advance a card twice.
        user.post(&format!("/api/v1/mock-interviews/{id}/questions/1/grade"))
            .json(&json!({"rating": "easy"}))
            .send()
            .await
            .unwrap();
        let now = chrono::Utc::now();
        for card_id in &cards {
            let card: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
            assert_eq!(card["reps"], 1);
            assert_eq!(card["state"], "review");
            let due = chrono::DateTime::parse_from_rfc3339(card["due"].as_str().unwrap()).unwrap();
            assert!(due > now);
        }
        let summary: Value = user
            .get_json(&format!("/api/v1/mock-interviews/{id}"))
            .await;
        assert_eq!(summary["graded"], 6);
        // The grades count as today's practice, and the queue does not offer
        // those questions again (today's new-card limit is used up by them).
        let today: Value = user.get_json("/api/v1/practice/today").await;
        assert_eq!(today["done_today"], 6);
        if let Some(next) = user.next().await {
            assert!(!ids.contains(&next["question"]["id"].as_i64().unwrap()));
        }
        let rounds: Vec<Value> = user.get_json("/api/v1/mock-interviews").await;
        assert_eq!(rounds.len(), 1);
    }
);

on_both_databases!(mock_rounds_refuse_bad_input, |app: TestApp| async move {
    let user = app.api_user("bea").await;
    for (body, status) in [
        (json!({"minutes": 5}), 422),
        (json!({"minutes": 500}), 422),
        (json!({"minutes": 30, "competencies": ["juggling"]}), 422),
        (json!({"minutes": "thirty"}), 400),
        (json!({"minutes": 30, "colour": "red"}), 400),
    ] {
        let res = user
            .post("/api/v1/mock-interviews")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{body}");
    }
    // One competency only: every question from it.
    let res = user
        .post("/api/v1/mock-interviews")
        .json(&json!({"minutes": 15, "competencies": ["conflict"]}))
        .expect_status(201)
        .await;
    let round: Value = res.json().await.unwrap();
    let questions = round["questions"].as_array().unwrap();
    assert!(!questions.is_empty() && questions.len() <= 3);
    assert!(questions.iter().all(|q| q["competency"] == "conflict"));
    // Ending early.
    let id = round["id"].as_i64().unwrap();
    let res = user
        .post(&format!("/api/v1/mock-interviews/{id}/finish"))
        .expect_status(200)
        .await;
    assert!(res.json::<Value>().await.unwrap()["finished_at"].is_string());
});

on_both_databases!(mock_pages_work_without_scripts, |app: TestApp| async move {
    let browser = app.registered_browser("milo").await;
    let html = app.page(&browser, "/mock").await;
    let csrf = csrf_from(&html);
    let res = browser
        .post(app.url("/mock"))
        .form(&[("csrf_token", csrf.as_str()), ("minutes", "15")])
        .send()
        .await
        .unwrap();
    let round_path = location(res);
    for position in 1..=3 {
        let html = app.page(&browser, &round_path).await;
        assert!(
            html.contains(&format!("<span id=\"position\">{position}</span>")),
            "{html}"
        );
        let res = browser
            .post(app.url(&format!("{round_path}/answer/{position}")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("action", "I <b>settled</b> it."),
                ("started_at", "0"),
            ])
            .send()
            .await
            .unwrap();
        let after = location(res);
        assert!(after.ends_with(&format!("?after={position}")));
        let html = app.page(&browser, &after).await;
        assert!(html.contains("The interviewer follows up"));
        assert!(html.contains(if position < 3 {
            "id=\"next-question\""
        } else {
            "id=\"see-summary\""
        }));
    }
    let summary_path = location(browser.get(app.url(&round_path)).send().await.unwrap());
    assert!(summary_path.ends_with("/summary"));
    let html = app.page(&browser, &summary_path).await;
    assert!(html.contains("3 of 3 answered"));
    assert!(html.contains("id=\"grade-1\""));
    let res = browser
        .post(app.url(&format!("{round_path}/grade/1")))
        .form(&[("csrf_token", csrf.as_str()), ("rating", "hard")])
        .send()
        .await
        .unwrap();
    location(res);
    let html = app.page(&browser, &summary_path).await;
    assert!(html.contains("id=\"graded-1\""));
    assert!(html.contains("Graded <strong>Hard</strong>"));
    browser
        .post(app.url(&format!("{round_path}/grade/2")))
        .form(&[("csrf_token", "forged"), ("rating", "hard")])
        .expect_status(403)
        .await;
    // A bad length on the start form: the page says so.
    let res = browser
        .post(app.url("/mock"))
        .form(&[("csrf_token", csrf.as_str()), ("minutes", "3")])
        .expect_status(422)
        .await;
    assert!(res.text().await.unwrap().contains("10 to 120 minutes"));
});
