//! The practice loop through the API: next card, answer, self-review, grade,
//! FSRS scheduling across days, daily limits, drafts, bad input.

use super::*;

async fn rubric_ids(card: &Value) -> Vec<i64> {
    card["question"]["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

on_both_databases!(
    questions_come_with_their_rubric,
    |app: TestApp| async move {
        let user = app.api_user("quinn").await;
        let all: Vec<Value> = user.get_json("/api/v1/questions").await;
        assert!(
            all.len() >= 20,
            "starter bank has at least 20 questions, got {}",
            all.len()
        );
        let competencies: std::collections::HashSet<&str> = all
            .iter()
            .map(|q| q["competency"].as_str().unwrap())
            .collect();
        assert!(competencies.len() >= 6);
        assert!(all
            .iter()
            .all(|q| !q["rubric"].as_array().unwrap().is_empty()));

        let one = *competencies.iter().next().unwrap();
        let filtered: Vec<Value> = user
            .get_json(&format!(
                "/api/v1/questions?competency={one}&bank=management-core"
            ))
            .await;
        assert!(!filtered.is_empty());
        assert!(filtered.iter().all(|q| q["competency"] == one));
        let none: Vec<Value> = user.get_json("/api/v1/questions?bank=no-such-bank").await;
        assert!(none.is_empty());
    }
);

on_both_databases!(
    the_daily_loop_schedules_with_fsrs,
    |app: TestApp| async move {
        let user = app.api_user("lena").await;
        let card = user.next().await.expect("a new card is due");
        assert_eq!(card["state"], "new");
        let checklist = rubric_ids(&card).await;
        assert!(
            checklist.len() >= 6 + 3,
            "STAR items plus the question's own"
        );
        for rating in ["again", "hard", "good", "easy"] {
            assert!(
                card["intervals"][rating].is_string(),
                "interval preview for {rating}"
            );
        }
        let card_id = card["card_id"].as_i64().unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();

        let answer = user.answer(question_id).await;
        assert_eq!(answer["attempt"], 1);
        assert!(answer["analysis"].is_object());
        let answer_id = answer["id"].as_i64().unwrap();

        let res = user
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [checklist[0], checklist[1], checklist[checklist.len() - 1]], "comment": "Result lacked a number"}))
        .expect_status(201)
        .await;
        let review: Value = res.json().await.unwrap();
        assert_eq!(review["kind"], "self");
        assert_eq!(review["checked"].as_array().unwrap().len(), 3);

        let res = user.grade(card_id, "good", Some(answer_id)).await;
        assert_eq!(res.status(), 200);
        let graded: Value = res.json().await.unwrap();
        assert_eq!(graded["state"], "review");
        let days = graded["scheduled_days"].as_i64().unwrap();
        assert!(days >= 1);
        assert_eq!(
            card["intervals"]["good"],
            format!("{days}d"),
            "the button showed the real interval"
        );
        let due = chrono::DateTime::parse_from_rfc3339(graded["due"].as_str().unwrap()).unwrap();
        assert!(due > chrono::Utc::now());
        assert_eq!(
            due.format("%H:%M").to_string(),
            "04:00",
            "due at the 04:00 rollover (UTC user)"
        );
        assert!(graded["stability"].as_f64().unwrap() > 0.0);

        // A retried grade for the same answer does not advance the card again.
        let again: Value = user
            .grade(card_id, "easy", Some(answer_id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["due"], graded["due"]);
        assert_eq!(again["reps"], 1);

        // The answer now carries its review and grade.
        let stored: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert_eq!(stored["reviews"].as_array().unwrap().len(), 1);
        assert_eq!(stored["grade"]["rating"], "good");
        assert_eq!(
            stored["action"].as_str().unwrap().split_whitespace().next(),
            Some("I")
        );

        // The next card is another question.
        let next = user.next().await.expect("more new cards today");
        assert_ne!(next["card_id"], card["card_id"]);

        // One day short of the interval the card is not due; on its day it is.
        let user_id = user.id().await;
        user.patch("/api/v1/me")
            .json(&json!({"new_per_day": 0}))
            .send()
            .await
            .unwrap();
        app.time_travel(user_id, (days - 1) * 24 * 60).await;
        let early = user.next().await;
        assert!(early
            .map(|c| c["card_id"] != card["card_id"])
            .unwrap_or(true));
        app.time_travel(user_id, 24 * 60).await;
        let due_now = user.next().await.expect("the card is due on its day");
        assert_eq!(due_now["card_id"], card["card_id"]);
        assert_eq!(due_now["state"], "review");
    }
);

on_both_databases!(
    again_brings_the_card_back_the_same_day,
    |app: TestApp| async move {
        let user = app.api_user("omar").await;
        user.patch("/api/v1/me")
            .json(&json!({"new_per_day": 1}))
            .send()
            .await
            .unwrap();
        let card = user.next().await.unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        let graded: Value = user
            .grade(card_id, "again", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(graded["state"], "learning");
        assert_eq!(graded["scheduled_days"], 0);
        // Within the learn-ahead window it is offered again at once: nothing else is left.
        let next = user.next().await.expect("the learning card comes back");
        assert_eq!(next["card_id"], card_id);
        let good: Value = user
            .grade(card_id, "good", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(good["state"], "review");
        assert!(
            user.next().await.is_none(),
            "new limit of 1 used, nothing else due"
        );
        let today: Value = user.get_json("/api/v1/practice/today").await;
        assert_eq!(today["new"], 0);
        assert_eq!(today["due"], 0);
        assert_eq!(today["done_today"], 2);
    }
);

on_both_databases!(
    new_cards_respect_the_daily_limit,
    |app: TestApp| async move {
        let user = app.api_user("nina").await;
        user.patch("/api/v1/me")
            .json(&json!({"new_per_day": 2}))
            .send()
            .await
            .unwrap();
        let today: Value = user.get_json("/api/v1/practice/today").await;
        assert_eq!(today["new"], 2);
        let mut seen = Vec::new();
        while let Some(card) = user.next().await {
            let id = card["card_id"].as_i64().unwrap();
            assert!(
                !seen.contains(&id),
                "a graded card is not served twice today"
            );
            seen.push(id);
            let res = user.grade(id, "good", None).await;
            assert_eq!(res.status(), 200);
            assert!(seen.len() <= 2, "the limit of 2 new cards holds");
        }
        assert_eq!(seen.len(), 2);
        // The next day brings two more.
        let user_id = user.id().await;
        app.time_travel(user_id, 24 * 60).await;
        let today: Value = user.get_json("/api/v1/practice/today").await;
        assert_eq!(today["new"], 2);
    }
);

on_both_databases!(
    drafts_are_kept_until_the_answer_is_sent,
    |app: TestApp| async move {
        let user = app.api_user("dora").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        user.put(&format!("/api/v1/drafts/{question_id}"))
            .json(
                &json!({"situation": "half a thought", "action": "I started", "seconds_spent": 42}),
            )
            .expect_status(204)
            .await;
        let draft: Value = user
            .get_json(&format!("/api/v1/drafts/{question_id}"))
            .await;
        assert_eq!(draft["situation"], "half a thought");
        assert_eq!(draft["seconds_spent"], 42);
        // Saving again replaces it.
        user.put(&format!("/api/v1/drafts/{question_id}"))
            .json(&json!({"situation": "a whole thought", "seconds_spent": 60}))
            .send()
            .await
            .unwrap();
        let draft: Value = user
            .get_json(&format!("/api/v1/drafts/{question_id}"))
            .await;
        assert_eq!(draft["situation"], "a whole thought");
        assert_eq!(draft["action"], "");

        user.answer(question_id).await;
        let res = user
            .get(&format!("/api/v1/drafts/{question_id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "sending the answer clears the draft");
    }
);

on_both_databases!(
    bad_input_is_refused_and_changes_nothing,
    |app: TestApp| async move {
        let user = app.api_user("bert").await;
        let card = user.next().await.unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();

        let res = user
        .post("/api/v1/answers")
        .json(&json!({"question_id": question_id, "situation": "  ", "task": "", "seconds_spent": 5}))
        .expect_status(422)
        .await;
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid");
        assert!(err["error"]["message"].as_str().unwrap().contains("empty"));

        let res = user
            .post("/api/v1/answers")
            .json(&json!({"question_id": 999_999, "situation": "text"}))
            .expect_status(404)
            .await;
        assert!(res.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("question"));

        user.post("/api/v1/answers")
            .json(&json!({"question_id": question_id, "situation": "x", "seconds_spent": -3}))
            .expect_status(422)
            .await;

        let res = user.grade(999_999, "good", None).await;
        assert_eq!(res.status(), 404);
        let res = user.grade(card_id, "great", None).await;
        assert_eq!(res.status(), 422);
        assert!(res.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("again"));

        let answer = user.answer(question_id).await;
        let answer_id = answer["id"].as_i64().unwrap();
        user.post(&format!("/api/v1/answers/{answer_id}/reviews"))
            .json(&json!({"checked": [999_999]}))
            .expect_status(422)
            .await;
        user.get("/api/v1/answers/999999").expect_status(404).await;

        // Nothing above changed the card or left a review.
        let stored: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
        assert_eq!(stored["reps"], 0);
        assert_eq!(stored["state"], "new");
        let stored: Value = user.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert!(stored["reviews"].as_array().unwrap().is_empty());
        assert_eq!(
            stored["attempt"], 1,
            "refused answers took no attempt number"
        );

        // A grade with an answer to another question is refused.
        let other = user.next().await.unwrap();
        assert_eq!(other["card_id"], card_id, "the ungraded card is still next");
    }
);

on_both_databases!(data_survives_a_restart, |app: TestApp| async move {
    let user = app.api_user("rita").await;
    let card = user.next().await.unwrap();
    let answer = user.answer(card["question"]["id"].as_i64().unwrap()).await;
    let graded: Value = user
        .grade(
            card["card_id"].as_i64().unwrap(),
            "hard",
            answer["id"].as_i64(),
        )
        .await
        .json()
        .await
        .unwrap();

    // A second server on the same database: migrations and the default bank
    // are applied again without changing anything.
    let second = app.restart().await;
    let res = user
        .client
        .get(format!("{second}/api/v1/answers/{}", answer["id"]))
        .bearer_auth(&user.token)
        .expect_status(200)
        .await;
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["grade"]["rating"], "hard");
    let card_now: Value = user
        .client
        .get(format!("{second}/api/v1/cards/{}", card["card_id"]))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(card_now["due"], graded["due"]);
    let questions: Vec<Value> = user
        .client
        .get(format!("{second}/api/v1/questions"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first: Vec<Value> = user.get_json("/api/v1/questions").await;
    assert_eq!(
        questions.len(),
        first.len(),
        "loading the bank twice adds nothing"
    );
});

on_both_databases!(
    the_day_rolls_over_at_four_in_the_users_time_zone,
    |app: TestApp| async move {
        use chrono::Timelike;
        let user = app.api_user("tess").await;
        user.patch("/api/v1/me")
            .json(&json!({"time_zone": "America/New_York"}))
            .expect_status(200)
            .await;
        let card = user.next().await.unwrap();
        let graded: Value = user
            .grade(card["card_id"].as_i64().unwrap(), "easy", None)
            .await
            .json()
            .await
            .unwrap();
        let due = chrono::DateTime::parse_from_rfc3339(graded["due"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono_tz::America::New_York);
        assert_eq!(
            (due.hour(), due.minute()),
            (4, 0),
            "due at 04:00 New York time: {due}"
        );
        let today = chrono::Utc::now().with_timezone(&chrono_tz::America::New_York);
        let study_day = (today - chrono::Duration::hours(4)).date_naive();
        assert_eq!(
            (due.date_naive() - study_day).num_days(),
            graded["scheduled_days"].as_i64().unwrap(),
            "due exactly scheduled_days study days after today"
        );
    }
);

on_both_databases!(
    weak_and_strong_answers_get_different_hints,
    |app: TestApp| async move {
        let user = app.api_user("hana").await;
        let card = user.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let res = user
            .post("/api/v1/answers")
            .json(&json!({
                "question_id": question_id,
                "situation": "We had a project that was kind of late.",
                "task": "We had to fix it.",
                "action": "We met and we planned and we worked hard together.",
                "result": "It went well.",
                "reflection": "",
                "seconds_spent": 40
            }))
            .expect_status(201)
            .await;
        let weak: Value = res.json().await.unwrap();
        let codes = |a: &Value| -> Vec<String> {
            a["analysis"]["hints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["code"].as_str().unwrap().to_owned())
                .collect()
        };
        let weak_codes = codes(&weak);
        for expected in [
            "too_short",
            "we_dominates",
            "unquantified_result",
            "no_lesson",
            "hedging",
        ] {
            assert!(
                weak_codes.iter().any(|c| c == expected),
                "{expected} missing from {weak_codes:?}"
            );
        }
        assert_eq!(weak["analysis"]["quantified_result"], false);
        assert!(weak["analysis"]["hints"][0]["rubric_item"]
            .as_str()
            .unwrap()
            .starts_with("star-"));

        let action = ["I called the vendor, I set up a manual fallback with finance because waiting was riskier, and I paired two engineers on the export script."; 7].join(" ");
        let res = user
            .post("/api/v1/answers")
            .json(&json!({
                "question_id": question_id,
                "situation": "Our payroll vendor failed two days before payday.",
                "task": "I owned getting 400 people paid on time.",
                "action": action,
                "result": "Everyone was paid on time; the fallback took 6 hours instead of 2 days.",
                "reflection": "I learned to keep a tested runbook for every critical vendor.",
                "seconds_spent": 110
            }))
            .send()
            .await
            .unwrap();
        let strong: Value = res.json().await.unwrap();
        assert!(codes(&strong).is_empty(), "{:?}", codes(&strong));
        assert_eq!(strong["analysis"]["quantified_result"], true);
        assert_eq!(strong["analysis"]["i_we_ratio"], 1.0);
        let stored: Value = user
            .get_json(&format!("/api/v1/answers/{}", weak["id"]))
            .await;
        assert_eq!(
            stored["analysis"], weak["analysis"],
            "GET gives the same analysis"
        );

        // The self-review page shows the hints beside the checklist.
        let browser = app.browser_as("hana").await;
        let page = app
            .page(&browser, &format!("/answers/{}/review", weak["id"]))
            .await;
        assert!(page.contains("class=\"hint-we_dominates\""));
        let page = app
            .page(&browser, &format!("/answers/{}/review", strong["id"]))
            .await;
        assert!(page.contains("No automatic hints"));
    }
);

on_both_databases!(answers_export_as_markdown, |app: TestApp| async move {
    let user = app.api_user("mark").await;
    let other = app.api_user("notmark").await;
    let card = user.next().await.unwrap();
    let question_id = card["question"]["id"].as_i64().unwrap();
    let competency = card["question"]["competency"].as_str().unwrap().to_owned();
    user.answer(question_id).await;
    user
        .post("/api/v1/answers")
        .json(&json!({"question_id": question_id, "situation": "# not a heading <script>x</script>", "action": "I retried.", "result": "Done in 2 days."}))
        .expect_status(201)
        .await;
    let other_card = other.next().await.unwrap();
    other
        .answer(other_card["question"]["id"].as_i64().unwrap())
        .await;

    let res = user.get("/api/v1/answers/export").expect_status(200).await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    let doc = res.text().await.unwrap();
    assert!(doc.starts_with("# My interview answers"));
    assert!(doc.contains(&format!(
        "### {}",
        card["question"]["prompt"].as_str().unwrap()
    )));
    assert!(doc.contains("*Attempt 2,"), "the latest attempt: {doc}");
    assert!(!doc.contains("*Attempt 1,"), "only the latest attempt");
    assert!(
        doc.contains("**Situation.** \\# not a heading &lt;script>"),
        "user text is escaped: {doc}"
    );
    assert!(!doc.contains("<script>"));
    assert_eq!(
        doc.matches("### ").count(),
        1,
        "another user's answers stay out"
    );

    let filtered = user
        .get(&format!("/api/v1/answers/export?competency={competency}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(filtered.contains("### "));
    let none = user
        .get("/api/v1/answers/export?competency=no-such")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!none.contains("### "));
});
