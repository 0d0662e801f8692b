//! A second user sees and changes none of the first user's data, through the
//! API or the pages.

use super::*;

on_both_databases!(
    users_cannot_reach_each_others_data,
    |app: TestApp| async move {
        let alice = app.api_user("alice").await;
        let mallory = app.api_user("mallory").await;

        let card = alice.next().await.unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        let question_id = card["question"]["id"].as_i64().unwrap();
        let answer = alice.answer(question_id).await;
        let answer_id = answer["id"].as_i64().unwrap();
        alice
            .put(&format!("/api/v1/drafts/{question_id}"))
            .json(&json!({"situation": "secret draft"}))
            .send()
            .await
            .unwrap();

        // Reading another user's answer, card or draft: not found, no data.
        for path in [
            format!("/api/v1/answers/{answer_id}"),
            format!("/api/v1/cards/{card_id}"),
        ] {
            let res = mallory.get(&path).send().await.unwrap();
            assert_eq!(res.status(), 404, "{path}");
            let body = res.text().await.unwrap();
            assert!(!body.contains("release train"), "{path} leaked the answer");
        }
        // Mallory's own draft for that question does not exist; Alice's is not shown.
        mallory
            .get(&format!("/api/v1/drafts/{question_id}"))
            .expect_status(404)
            .await;

        // Changing another user's things: refused, nothing changes.
        mallory
            .post(&format!("/api/v1/answers/{answer_id}/reviews"))
            .json(&json!({"checked": [], "comment": "mine now"}))
            .expect_status(404)
            .await;
        let res = mallory.grade(card_id, "easy", None).await;
        assert_eq!(res.status(), 404);
        let res = mallory.grade(card_id, "easy", Some(answer_id)).await;
        assert_eq!(res.status(), 404);

        let stored: Value = alice
            .get_json(&format!("/api/v1/answers/{answer_id}"))
            .await;
        assert!(stored["reviews"].as_array().unwrap().is_empty());
        let card_now: Value = alice.get_json(&format!("/api/v1/cards/{card_id}")).await;
        assert_eq!(card_now["reps"], 0);

        // Mallory's own practice starts fresh: her own first card, no attempts.
        let mine = mallory.next().await.unwrap();
        assert_ne!(mine["card_id"], card_id);
        let mine_answer = mallory.answer(question_id).await;
        assert_eq!(mine_answer["attempt"], 1, "attempt numbers are per user");

        // Pages: log Mallory in through the form and try Alice's pages.
        let browser = app.browser_as("mallory").await;
        for path in [
            format!("/answers/{answer_id}"),
            format!("/answers/{answer_id}/review"),
            format!("/practice/{card_id}"),
        ] {
            let res = browser.get(app.url(&path)).send().await.unwrap();
            assert_eq!(res.status(), 404, "{path}");
            let body = res.text().await.unwrap();
            assert!(
                !body.contains("release train") && !body.contains("secret draft"),
                "{path} leaked"
            );
        }
        let history = app.page(&browser, "/history").await;
        assert!(history.contains(&format!("/answers/{}", mine_answer["id"])));
        assert!(
            !history.contains(&format!("/answers/{answer_id}\"")),
            "history lists only her own attempts"
        );
    }
);
