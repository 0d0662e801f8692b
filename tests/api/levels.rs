//! The learner's level: chosen in Settings (page and API) or on Today's
//! first-run start, it puts the new questions written for that level (and
//! those written for every level) ahead of the others.

use super::*;
use crate::scheduling::put_settings;

/// Questions tagged for different levels, in this bank order.
const LEVELS_BANK: &str = r#"
[bank]
id = "levels"
title = "Levels"

[[competency]]
id = "people"
name = "People"

[[competency]]
id = "strategy"
name = "Strategy"

[[question]]
id = "people-first"
competency = "people"
prompt = "Tell me about the first time you had to give a former peer hard feedback."
rubric = ["Names the change in relationship"]
level = ["first-time"]

[[question]]
id = "people-any"
competency = "people"
prompt = "Tell me about a time you helped someone grow."
rubric = ["Says what the person could do afterwards"]

[[question]]
id = "people-director"
competency = "people"
prompt = "Tell me about a manager reporting to you who was struggling."
rubric = ["Coaches the manager rather than their team"]
level = ["manager-of-managers"]

[[question]]
id = "strategy-experienced"
competency = "strategy"
prompt = "Tell me about a roadmap you changed halfway through the year."
rubric = ["Explains what the team stopped doing"]
level = ["experienced"]

[[question]]
id = "strategy-both"
competency = "strategy"
prompt = "Tell me about a reorganisation you led."
rubric = ["Says how people heard about it"]
level = ["experienced", "Manager-of-Managers"]

[[question]]
id = "strategy-team-lead"
competency = "strategy"
prompt = "Tell me about a technical decision you made for your team."
rubric = ["Weighs the options openly"]
level = ["team-lead"]
"#;

/// Imports `bank` (id `levels`) and practises only it, with no learning
/// steps, so a graded question is not served again today.
async fn practise_only(user: &ApiUser, bank: &str) {
    let res = user
        .post("/api/v1/banks?format=toml")
        .body(bank.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
    for other in banks.iter().filter(|b| b["id"] != "levels") {
        user.put(&format!(
            "/api/v1/banks/{}/selection",
            other["id"].as_str().unwrap()
        ))
        .json(&json!({"practise": false}))
        .expect_status(200)
        .await;
    }
    let res = put_settings(user, json!({"learning_steps": "", "new_per_day": 50})).await;
    assert_eq!(res.status(), 200);
}

/// The keys of the questions practice serves, in order, each graded Good,
/// until the day is done.
async fn served_keys(user: &ApiUser) -> Vec<String> {
    let mut keys = Vec::new();
    while let Some(card) = user.next().await {
        keys.push(card["question"]["key"].as_str().unwrap().to_owned());
        let res = user
            .grade(card["card_id"].as_i64().unwrap(), "good", None)
            .await;
        assert_eq!(res.status(), 200);
        assert!(keys.len() <= 6, "served again: {keys:?}");
    }
    keys
}

on_both_databases!(
    new_questions_for_the_learners_level_come_first,
    |app: TestApp| async move {
        let user = app.api_user("mona").await;
        practise_only(&user, LEVELS_BANK).await;
        let res = put_settings(&user, json!({"level": "manager-of-managers"})).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.json::<Value>().await.unwrap()["level"],
            "manager-of-managers"
        );
        let settings: Value = user.get_json("/api/v1/settings").await;
        assert_eq!(settings["level"], "manager-of-managers");

        let today: Value = user.get_json("/api/v1/practice/today").await;
        assert_eq!(today["new"], 6, "a level orders, it does not filter");
        // Those for the level (any case) and those for every level first, in
        // bank order; then the others, a level no learner has among them.
        assert_eq!(
            served_keys(&user).await,
            [
                "people-any",
                "people-director",
                "strategy-both",
                "people-first",
                "strategy-experienced",
                "strategy-team-lead",
            ]
        );
    }
);

on_both_databases!(
    no_preference_keeps_the_bank_order_and_unknown_levels_are_refused,
    |app: TestApp| async move {
        let user = app.api_user("nell").await;
        practise_only(&user, LEVELS_BANK).await;
        let settings: Value = user.get_json("/api/v1/settings").await;
        assert!(settings["level"].is_null(), "no preference at first");

        for bad in [json!("director"), json!(""), json!("First-Time"), json!(3)] {
            let res = put_settings(&user, json!({"level": bad})).await;
            if bad.is_string() {
                assert_eq!(res.status(), 422, "{bad}");
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["error"]["field"], "level", "{body}");
                let message = body["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains("first-time, experienced or manager-of-managers"),
                    "{message}"
                );
            } else {
                assert_eq!(res.status(), 400, "not text at all: {bad}");
            }
        }
        // Chosen, then back to no preference; other settings stay.
        let res = put_settings(&user, json!({"level": "experienced"})).await;
        assert_eq!(res.json::<Value>().await.unwrap()["level"], "experienced");
        let res = put_settings(&user, json!({"new_per_day": 40})).await;
        assert_eq!(
            res.json::<Value>().await.unwrap()["level"],
            "experienced",
            "absent leaves the level as it is"
        );
        let res = put_settings(&user, json!({"level": null})).await;
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert!(saved["level"].is_null());
        assert_eq!(saved["new_per_day"], 40);

        assert_eq!(
            served_keys(&user).await,
            [
                "people-first",
                "people-any",
                "people-director",
                "strategy-experienced",
                "strategy-both",
                "strategy-team-lead",
            ]
        );
    }
);

on_both_databases!(
    before_an_interview_the_level_comes_first_within_a_competency,
    |app: TestApp| async move {
        let user = app.api_user("dora").await;
        practise_only(&user, LEVELS_BANK).await;
        let interview = chrono::Utc::now().date_naive() + chrono::Days::new(10);
        let res = put_settings(
            &user,
            json!({
                "interview_date": interview.format("%Y-%m-%d").to_string(),
                "time_zone": "UTC",
                "rollover_hour": 0,
                "level": "manager-of-managers",
            }),
        )
        .await;
        assert_eq!(res.status(), 200);
        // The competency reviewed least comes first, as without a level
        // (strategy-both before people-director); within it, the questions
        // for the learner's level (strategy-both before strategy-experienced).
        assert_eq!(
            served_keys(&user).await,
            [
                "people-any",
                "strategy-both",
                "people-director",
                "strategy-experienced",
                "people-first",
                "strategy-team-lead",
            ]
        );
    }
);

on_both_databases!(
    the_settings_page_and_the_first_run_start_save_the_level,
    |app: TestApp| async move {
        let browser = app.registered_browser("lena").await;
        let html = app.page(&browser, "/settings").await;
        assert!(html.contains("<legend>Your level</legend>"), "{html}");
        assert!(
            html.contains("id=\"settings-level-none\" checked"),
            "no preference at first: {html}"
        );
        assert!(html.contains("Managers report to you"), "{html}");
        let form = |level: &str| {
            vec![
                ("csrf_token", csrf_from(&html)),
                ("time_zone", "UTC".to_owned()),
                ("rollover_hour", "4".to_owned()),
                ("new_per_day", "10".to_owned()),
                ("reviews_per_day", "100".to_owned()),
                ("desired_retention", "0.90".to_owned()),
                ("maximum_interval_days", "36500".to_owned()),
                ("learning_steps", "10m".to_owned()),
                ("relearning_steps", "10m".to_owned()),
                ("interview_date", "".to_owned()),
                ("interview_min_reviews", "2".to_owned()),
                ("leech_threshold", "8".to_owned()),
                ("level", level.to_owned()),
            ]
        };
        let post = |form: Vec<(&'static str, String)>| {
            browser.post(app.url("/settings")).form(&form).send()
        };
        let res = post(form("experienced")).await.unwrap();
        assert_eq!(res.status(), 200);
        let saved = res.text().await.unwrap();
        assert!(saved.contains("Settings saved"), "{saved}");
        assert!(
            saved.contains("id=\"settings-level-experienced\" checked"),
            "{saved}"
        );
        let reloaded = app.page(&browser, "/settings").await;
        assert!(
            reloaded.contains("id=\"settings-level-experienced\" checked"),
            "{reloaded}"
        );
        assert!(!reloaded.contains("id=\"settings-level-none\" checked"));

        // An unknown level is refused, and nothing is saved.
        let res = post(form("vp")).await.unwrap();
        assert_eq!(res.status(), 422);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("level must be one of first-time, experienced or manager-of-managers"));
        let reloaded = app.page(&browser, "/settings").await;
        assert!(reloaded.contains("id=\"settings-level-experienced\" checked"));

        // "No preference" clears it.
        let res = post(form("none")).await.unwrap();
        assert_eq!(res.status(), 200);
        let cleared = res.text().await.unwrap();
        assert!(
            cleared.contains("id=\"settings-level-none\" checked"),
            "{cleared}"
        );

        // The first-run start on Today offers the same choice.
        let today = app.page(&browser, "/today").await;
        assert!(
            today.contains("id=\"first-run-level-none\" checked"),
            "{today}"
        );
        let res = browser
            .post(app.url("/today/start"))
            .form(&[
                ("csrf_token", csrf_from(&today).as_str()),
                ("interview_date", ""),
                ("level", "first-time"),
                ("intent", "practice"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), "/practice");
        let reloaded = app.page(&browser, "/settings").await;
        assert!(
            reloaded.contains("id=\"settings-level-first-time\" checked"),
            "{reloaded}"
        );
    }
);
