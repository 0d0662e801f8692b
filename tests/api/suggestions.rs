//! The analysis' signals and Starling's suggested ticks: in the API (and so
//! the OpenAPI document), beside the checkboxes of the self-review and the
//! coach's review, in the mock summary, and compared with the ticks on the
//! Calibration page.

use super::*;

/// A strong answer except for its result, which gives only a date.
fn answer_json(question_id: i64) -> Value {
    json!({
        "question_id": question_id,
        "situation": "Last spring our 14-person platform team had missed three releases in a row.",
        "task": "I had six weeks to get us back to a release every two weeks.",
        "action": "I met each engineer to map the blockers. I cut two epics rather than add people, because new joiners would have slowed the team for a month. I automated the deploy so that a release no longer needed a weekend.",
        "result": "We shipped the next release in March.",
        "reflection": "Since then I agree the cut line with the team at kickoff.",
        "seconds_spent": 120
    })
}

on_both_databases!(
    signals_and_suggested_ticks_everywhere,
    |app: TestApp| async move {
        let coach = app.coach_user("sigcoach").await;
        let learner = app.api_user("siglearner").await;
        learner.join_coach(&coach).await;
        let card = learner.next().await.unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let res = learner
            .post("/api/v1/answers")
            .json(&answer_json(question_id))
            .expect_status(201)
            .await;
        let created: Value = res.json().await.unwrap();
        let answer_id = created["id"].as_i64().unwrap();

        // The API: every signal, and a suggestion with evidence per STAR item.
        let stored: Value = learner
            .get_json(&format!("/api/v1/answers/{answer_id}"))
            .await;
        for analysis in [&created["analysis"], &stored["analysis"]] {
            assert_eq!(analysis["quantified_result"], false, "{analysis}");
            assert_eq!(analysis["specific_episode"], true, "{analysis}");
            assert_eq!(analysis["scale_stated"], true, "{analysis}");
            assert_eq!(analysis["reasoning_given"], true, "{analysis}");
            assert_eq!(analysis["has_lesson"], true, "{analysis}");
            assert_eq!(analysis["hedges"], json!([]), "{analysis}");
            let items = analysis["star_items"].as_array().unwrap();
            let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
            assert_eq!(
                keys,
                [
                    "star-one-episode",
                    "star-brief-context",
                    "star-personal-role",
                    "star-reasoned-actions",
                    "star-measurable-result",
                    "star-lesson"
                ]
            );
            for item in items {
                assert!(!item["evidence"].as_str().unwrap().is_empty(), "{item}");
            }
            let result = items
                .iter()
                .find(|i| i["key"] == "star-measurable-result")
                .unwrap();
            assert_eq!(result["met"], false);
            // The only hint about the result says what to add, for its item.
            let hint = analysis["hints"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["rubric_item"] == "star-measurable-result")
                .unwrap_or_else(|| panic!("no hint for the result: {analysis}"));
            assert!(!hint["message"].as_str().unwrap().is_empty());
        }

        // The self-review shows the suggestion beside each STAR checkbox, and
        // each hint names its item.
        let browser = app.browser_as("siglearner").await;
        let review = app
            .page(&browser, &format!("/answers/{answer_id}/review"))
            .await;
        assert_eq!(review.matches("Starling thinks:").count(), 6, "{review}");
        assert!(review.contains("Starling thinks: <strong>not met</strong>"));
        assert!(
            review.contains("For: States a result with a measure"),
            "{review}"
        );
        assert!(review.contains("class=\"signals\""));

        // The learner ticks everything; the coach ticks only what Starling suggested.
        let html = review;
        let star_ids: Vec<String> = html
            .match_indices("name=\"checked\" value=\"")
            .map(|(at, m)| html[at + m.len()..].split('"').next().unwrap().to_owned())
            .collect();
        assert!(star_ids.len() >= 6);
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", "")];
        let token = csrf_from(&html);
        form[0].1 = &token;
        for id in &star_ids[..6] {
            form.push(("checked", id));
        }
        browser
            .post(app.url(&format!("/answers/{answer_id}/review")))
            .form(&form)
            .expect_status(303)
            .await;

        let coach_browser = app.browser_as("sigcoach").await;
        let page = app
            .page(&coach_browser, &format!("/coaching/review/{answer_id}"))
            .await;
        assert_eq!(page.matches("Starling thinks:").count(), 6, "{page}");
        assert!(page.contains("What an interviewer would notice"));
        let token = csrf_from(&page);
        // As Starling suggests: every STAR item but the result (the fifth).
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        for id in &star_ids[..4] {
            form.push(("checked", id));
        }
        form.push(("checked", &star_ids[5]));
        let res = coach_browser
            .post(app.url(&format!("/coaching/review/{answer_id}")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());

        // Calibration: the learner ticked the result against the suggestion, the
        // coach with it.
        let calibration = app.page(&browser, "/calibration").await;
        assert!(
            calibration.contains("id=\"suggestion-agreement\""),
            "{calibration}"
        );
        let row = calibration
            .split("<tr>")
            .find(|r| r.contains("States a result with a measure") && r.contains(" of "))
            .unwrap_or_else(|| panic!("{calibration}"));
        assert!(
            row.contains("0 of 1 (0%)"),
            "the learner ticked the result against the suggestion: {row}"
        );
        assert!(
            row.contains("1 of 1 (100%)"),
            "the coach agreed on the result: {row}"
        );
    }
);
