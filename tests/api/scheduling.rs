//! Scheduling depth: settings, the interview plan, leeches, suspend, bury,
//! undo, the review log export, and fitting a learner's own FSRS parameters.

use super::*;
use sea_orm::ConnectionTrait;

/// `PUT /api/v1/settings` with `body`.
pub async fn put_settings(user: &ApiUser, body: Value) -> reqwest::Response {
    user.put("/api/v1/settings")
        .json(&body)
        .send()
        .await
        .unwrap()
}

on_both_databases!(
    settings_are_checked_and_reschedule,
    |app: TestApp| async move {
        let user = app.api_user("setty").await;
        let settings: Value = user.get_json("/api/v1/settings").await;
        assert_eq!(settings["desired_retention"], 0.9);
        assert_eq!(settings["learning_steps"], "10m");
        assert_eq!(settings["rollover_hour"], 4);
        assert!(settings["interview_date"].is_null());

        for (body, field) in [
            (json!({"desired_retention": 0.99}), "desired_retention"),
            (json!({"desired_retention": 0.5}), "desired_retention"),
            (json!({"maximum_interval_days": 0}), "maximum_interval_days"),
            (json!({"learning_steps": "10m 1m"}), "learning_steps"),
            (
                json!({"relearning_steps": "ten minutes"}),
                "relearning_steps",
            ),
            (json!({"rollover_hour": 24}), "rollover_hour"),
            (json!({"interview_date": "next week"}), "interview_date"),
            (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
            (json!({"leech_threshold": 0}), "leech_threshold"),
        ] {
            let res = put_settings(&user, body.clone()).await;
            assert_eq!(res.status(), 422, "{body}");
            assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], field);
        }
        let res = put_settings(&user, json!({"colour": "red"})).await;
        assert_eq!(res.status(), 400);

        // A graded card, then a lower retention: its due date moves later.
        let card = user.next().await.unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        let answer = user.answer(card["question"]["id"].as_i64().unwrap()).await;
        assert_eq!(
            user.grade(card_id, "good", answer["id"].as_i64())
                .await
                .status(),
            200
        );
        let before: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
        let res = put_settings(
        &user,
        json!({"desired_retention": 0.7, "learning_steps": "1m, 10m", "maximum_interval_days": 365}),
    )
    .await;
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["learning_steps"], "1m 10m");
        assert_eq!(saved["rescheduled"], 1);
        let after: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
        assert!(after["due"].as_str().unwrap() > before["due"].as_str().unwrap());

        // The new learning steps: a new card's Good now waits 10 minutes.
        let next = user.next().await.unwrap();
        assert_eq!(next["intervals"]["good"], "10m");
        assert_eq!(next["intervals"]["again"], "1m");
    }
);

on_both_databases!(leeches_suspend_bury_and_undo, |app: TestApp| async move {
    let user = app.api_user("lee").await;
    let res = put_settings(
        &user,
        json!({"leech_threshold": 3, "learning_steps": "", "relearning_steps": ""}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let card = user.next().await.unwrap();
    let card_id = card["card_id"].as_i64().unwrap();
    let question_id = card["question"]["id"].as_i64().unwrap();
    // Three Agains make a leech.
    for n in 1..=3 {
        let answer = user.answer(question_id).await;
        let res = user.grade(card_id, "again", answer["id"].as_i64()).await;
        assert_eq!(res.status(), 200);
        let shown: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
        assert_eq!(shown["leech"], n == 3, "after {n} agains");
        app.time_travel(user.id().await, 3 * 24 * 60).await;
    }
    let leeches: Vec<Value> = user.get_json("/api/v1/leeches").await;
    assert_eq!(leeches.len(), 1);
    assert_eq!(leeches[0]["card_id"], card_id);
    assert_eq!(leeches[0]["agains"], 3);

    // Undo the last grade: the card is as before it, no longer a leech, and
    // the attempt can be graded again.
    let before_undo: Value = user.get_json(&format!("/api/v1/cards/{card_id}")).await;
    let res = user.post("/api/v1/undo").expect_status(200).await;
    let undone: Value = res.json().await.unwrap();
    assert_eq!(undone["undone"]["rating"], "again");
    assert_eq!(undone["card"]["leech"], false);
    assert_eq!(
        undone["card"]["reps"].as_i64().unwrap(),
        before_undo["reps"].as_i64().unwrap() - 1
    );
    let answer_id = undone["undone"]["answer_id"].as_i64().unwrap();
    let res = user.grade(card_id, "good", Some(answer_id)).await;
    assert_eq!(res.status(), 200);
    let regraded: Value = res.json().await.unwrap();
    assert_eq!(regraded["reps"], before_undo["reps"]);
    assert_eq!(regraded["state"], "review");

    // Suspended: never served; unsuspended: back.
    app.time_travel(user.id().await, 400 * 24 * 60).await;
    let due = user.next().await.unwrap();
    assert_eq!(due["card_id"], card_id, "the review card is due first");
    let res = user
        .patch(&format!("/api/v1/cards/{card_id}"))
        .json(&json!({"suspended": true}))
        .expect_status(200)
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["suspended"], true);
    let next = user.next().await.unwrap();
    assert_ne!(next["card_id"], card_id);
    user.patch(&format!("/api/v1/cards/{card_id}"))
        .json(&json!({"suspended": false, "buried": true}))
        .send()
        .await
        .unwrap();
    // Buried: not served today; unburied: back.
    let next = user.next().await.unwrap();
    assert_ne!(next["card_id"], card_id);
    let res = user
        .patch(&format!("/api/v1/cards/{card_id}"))
        .json(&json!({"buried": false}))
        .send()
        .await
        .unwrap();
    assert!(res.json::<Value>().await.unwrap()["buried_until"].is_null());
    assert_eq!(user.next().await.unwrap()["card_id"], card_id);
    // Clearing a leech flag; setting it is refused.
    user.patch(&format!("/api/v1/cards/{card_id}"))
        .json(&json!({"leech": true}))
        .expect_status(422)
        .await;
    // Another user's card: 404, and nothing to undo for a fresh user.
    let other = app.api_user("otto").await;
    other
        .patch(&format!("/api/v1/cards/{card_id}"))
        .json(&json!({"suspended": true}))
        .expect_status(404)
        .await;
    assert_eq!(
        other.post("/api/v1/undo").send().await.unwrap().status(),
        404
    );

    // The review log as CSV, without the undone grade.
    let res = user
        .get("/api/v1/review-logs/export")
        .expect_status(200)
        .await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "card_id,review_time,review_rating,review_state,review_duration,elapsed_days"
    );
    assert_eq!(
        lines.len(),
        1 + 3,
        "two agains and the good that replaced the undone one"
    );
    assert!(lines[1].starts_with(&format!("{card_id},")));
    assert!(lines[1].ends_with(",1,0,115000,0"), "{}", lines[1]);
    assert!(
        other
            .get("/api/v1/review-logs/export")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .lines()
            .count()
            == 1
    );
});

on_both_databases!(
    an_interview_in_ten_days_is_covered_and_never_passed,
    |app: TestApp| async move {
        let user = app.api_user("ivy").await;
        let today = chrono::Utc::now().date_naive();
        let interview = today + chrono::Days::new(10);
        let res = put_settings(
            &user,
            json!({"interview_date": interview.format("%Y-%m-%d").to_string(), "time_zone": "UTC", "rollover_hour": 0}),
        )
        .await;
        assert_eq!(res.status(), 200);
        let plan: Value = user.get_json("/api/v1/plan").await;
        assert_eq!(plan["days_left"], 10);
        let competencies = plan["competencies"].as_array().unwrap().len();
        assert!(competencies >= 10);
        assert_eq!(plan["covered"], false);

        // Ten study days of doing everything that is due, grading Good. Each
        // day the history moves a day into the past and the interview a day closer.
        let user_id = user.id().await;
        let mut served = std::collections::HashSet::new();
        for day in 0..10u64 {
            let days_left = 10 - day;
            let interview = today + chrono::Days::new(days_left);
            let res = put_settings(
                &user,
                json!({"interview_date": interview.format("%Y-%m-%d").to_string()}),
            )
            .await;
            assert_eq!(res.status(), 200);
            while let Some(card) = user.next().await {
                let card_id = card["card_id"].as_i64().unwrap();
                served.insert(card_id);
                let answer = user.answer(card["question"]["id"].as_i64().unwrap()).await;
                let res = user.grade(card_id, "good", answer["id"].as_i64()).await;
                assert_eq!(res.status(), 200);
                let graded: Value = res.json().await.unwrap();
                let due = chrono::DateTime::parse_from_rfc3339(graded["due"].as_str().unwrap())
                    .unwrap()
                    .date_naive();
                // Never past the interview; before its day unless it is tomorrow.
                assert!(
                    due <= interview,
                    "day {day}: due {due}, interview {interview}"
                );
                if days_left > 1 {
                    assert!(
                        due < interview,
                        "day {day}: due {due}, interview {interview}"
                    );
                }
            }
            if day < 9 {
                app.time_travel(user_id, 24 * 60).await;
            }
        }
        // The eve of the interview: every competency reviewed at least twice.
        let plan: Value = user.get_json("/api/v1/plan").await;
        assert_eq!(plan["days_left"], 1);
        for c in plan["competencies"].as_array().unwrap() {
            assert!(
                c["reviewed"].as_u64().unwrap() >= 2,
                "{} reviewed {} times",
                c["key"],
                c["reviewed"]
            );
        }
        assert_eq!(plan["covered"], true);
        assert!(served.len() >= competencies);

        // After the date, normal scheduling resumes and the plan is gone.
        let res = put_settings(&user, json!({"interview_date": null})).await;
        assert_eq!(res.status(), 200);
        assert_eq!(user.get("/api/v1/plan").send().await.unwrap().status(), 404);
    }
);

/// Inserts a simulated history: `cards` review cards of the user, each with
/// reviews on growing intervals, ratings mostly Good with some Again.
async fn seed_history(app: &TestApp, user_id: i64, cards: i64) {
    seed_reviews(app, user_id, cards, 8).await;
}

/// [`seed_history`] with `reviews` reviews per card.
async fn seed_reviews(app: &TestApp, user_id: i64, cards: i64, reviews: i64) {
    let questions: Vec<i64> = {
        use sea_orm::{FromQueryResult, JsonValue, Statement};
        let rows = JsonValue::find_by_statement(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT id FROM questions ORDER BY id LIMIT {cards}"),
        ))
        .all(&app.db)
        .await
        .unwrap();
        rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    let start = chrono::Utc::now() - chrono::Duration::days(400.max(reviews * 41));
    let mut seed: u64 = 42;
    let mut random = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % 100
    };
    for question_id in questions {
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO cards (user_id, question_id, state, due, stability, difficulty, last_review, reps, lapses, scheduled_days, created_at) \
                 VALUES ({user_id}, {question_id}, 'review', '{due}', 30.0, 5.0, '{last}', 8, 0, 30, '{start}')",
                due = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339(),
                last = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339(),
                start = start.to_rfc3339(),
            ))
            .await
            .unwrap();
        let mut values = Vec::new();
        let mut day = 0i64;
        let mut gap = 1i64;
        for n in 0..reviews {
            let rating = if n > 0 && random() < 20 { 1 } else { 3 };
            let at = start + chrono::Duration::days(day);
            values.push(format!(
                "((SELECT id FROM cards WHERE user_id = {user_id} AND question_id = {question_id}), {user_id}, {rating}, 'review', {gap}, {gap}, 10.0, 5.0, '{at}', '{at}')",
                at = at.to_rfc3339()
            ));
            gap = if rating == 1 {
                1
            } else {
                (gap * 2 + (random() as i64 % 3)).min(40)
            };
            day += gap;
        }
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO review_logs (card_id, user_id, rating, state_before, elapsed_days, scheduled_days, stability, difficulty, due, reviewed_at) VALUES {}",
                values.join(", ")
            ))
            .await
            .unwrap();
    }
}

on_both_databases!(
    optimizing_fits_the_learners_own_history,
    |app: TestApp| async move {
        let user = app.api_user("opti").await;
        // Too little history: refused with the figures.
        let view: Value = user.get_json("/api/v1/scheduler").await;
        let defaults = view["parameters"].clone();
        assert_eq!(view["using_defaults"], true);
        assert_eq!(view["can_optimize"], false);
        assert_eq!(view["parameters"].as_array().unwrap().len(), 21);
        let res = user
            .post("/api/v1/scheduler/optimize")
            .expect_status(422)
            .await;
        assert!(res.text().await.unwrap().contains("64 needed"));

        seed_history(&app, user.id().await, 60).await;
        let view: Value = user.get_json("/api/v1/scheduler").await;
        assert!(view["reviews"].as_u64().unwrap() >= 64, "{view}");
        let res = user
            .post("/api/v1/scheduler/optimize")
            .expect_status(202)
            .await;
        let job: Value = res.json().await.unwrap();
        assert!(job["status"] == "queued" || job["status"] == "running");
        // Asking again while it runs gives the same job.
        let again: Value = user
            .post("/api/v1/scheduler/optimize")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let refitted = again["id"] != job["id"];
        if refitted {
            // Only allowed when the first job had already finished.
            use sea_orm::{FromQueryResult, JsonValue, Statement};
            let first = JsonValue::find_by_statement(Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT status FROM optimize_jobs WHERE id = {}", job["id"]),
            ))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
            assert!(
                first["status"] == "done" || first["status"] == "failed",
                "a second job while the first is {}",
                first["status"]
            );
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let view = loop {
            let view: Value = user.get_json("/api/v1/scheduler").await;
            let status = view["job"]["status"].as_str().unwrap().to_owned();
            if status == "done" || status == "failed" {
                break view;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the job never finished: {view}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        let job = &view["job"];
        assert_eq!(job["status"], "done", "{view}");
        let before = job["before"]["log_loss"].as_f64().unwrap();
        let after = job["after"]["log_loss"].as_f64().unwrap();
        assert!(job["before"]["rmse"].as_f64().unwrap() > 0.0);
        assert_eq!(job["adopted"], after < before);
        if after < before {
            assert_eq!(view["using_defaults"], false);
            assert_ne!(
                view["parameters"], defaults,
                "the fitted parameters are used"
            );
        }
        if refitted {
            // The second job started from the parameters the first one
            // adopted: fitting the same history again cannot beat them.
            assert!(after <= before, "the refit got worse: {before} → {after}");
            assert_eq!(view["using_defaults"], false, "{view}");
            assert_ne!(view["parameters"], defaults, "the first fit is in use");
        } else {
            assert!(after < before, "the fit improved: {before} → {after}");
        }
    }
);

on_both_databases!(
    scheduling_pages_work_without_scripts,
    |app: TestApp| async move {
        let browser = app.registered_browser("paige").await;
        let get = |path: String| {
            let browser = &browser;
            let url = app.url(&path);
            async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let html = get("/settings".to_owned()).await;
        let csrf = csrf_from(&html);
        assert!(
            html.contains("id=\"optimize\" disabled"),
            "not enough reviews yet"
        );
        // Twelve study days ahead in Berlin, whose days start at 05:00 (at
        // 01:00 UTC it is still yesterday there).
        let berlin_today = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Berlin)
            - chrono::Duration::hours(5))
        .date_naive();
        let interview = (berlin_today + chrono::Days::new(12))
            .format("%Y-%m-%d")
            .to_string();
        let mut form = vec![
            ("csrf_token", csrf.clone()),
            ("time_zone", "Europe/Berlin".to_owned()),
            ("rollover_hour", "5".to_owned()),
            ("new_per_day", "7".to_owned()),
            ("reviews_per_day", "80".to_owned()),
            ("desired_retention", "0.88".to_owned()),
            ("maximum_interval_days", "180".to_owned()),
            ("learning_steps", "1m 10m".to_owned()),
            ("relearning_steps", "".to_owned()),
            ("interview_date", interview.clone()),
            ("interview_min_reviews", "3".to_owned()),
            ("leech_threshold", "5".to_owned()),
        ];
        let res = browser
            .post(app.url("/settings"))
            .form(&form)
            .expect_status(200)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("Settings saved"), "{html}");
        assert!(html.contains("value=\"1m 10m\""));
        // A bad value is refused with what was typed kept.
        form[5].1 = "0.99".to_owned();
        form[7].1 = "10m <b>".to_owned();
        let res = browser
            .post(app.url("/settings"))
            .form(&form)
            .expect_status(422)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("desired_retention must be between 0.70 and 0.97"));
        assert!(html.contains("value=\"0.99\""));
        // Optimizing without the history: the page says why.
        let res = browser
            .post(app.url("/settings/optimize"))
            .form(&[("csrf_token", csrf.as_str())])
            .expect_status(422)
            .await;
        assert!(res.text().await.unwrap().contains("64 needed"));

        // Today shows the interview plan.
        let today = get("/today".to_owned()).await;
        assert!(today.contains("id=\"interview-plan\""));
        assert!(
            today.contains("<span id=\"days-left\">12</span>"),
            "{today}"
        );
        assert!(today.contains("needs 3 more"));

        // Answer and grade from the pages, then undo the grade.
        let card_path = location(browser.get(app.url("/practice")).send().await.unwrap());
        let card_id: i64 = card_path.trim_start_matches("/practice/").parse().unwrap();
        let html = get(card_path.clone()).await;
        assert!(html.contains("id=\"bury-card\""));
        let res = browser
            .post(app.url(&card_path))
            .form(&[("csrf_token", csrf.as_str()), ("action", "I did it.")])
            .send()
            .await
            .unwrap();
        let review_path = location(res);
        let res = browser
            .post(app.url(&review_path))
            .form(&[("csrf_token", csrf.as_str()), ("rating", "again")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            location(res),
            review_path
                .replace("/answers/", "/practice?graded=")
                .replace("/review", "")
        );
        let today = get("/today".to_owned()).await;
        assert!(today.contains("id=\"undo\""));
        let res = browser
            .post(app.url("/undo"))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), review_path, "back to the attempt's review");
        let html = get(review_path.clone()).await;
        assert!(
            html.contains("name=\"rating\""),
            "the attempt can be graded again"
        );

        // Suspend from the question page; it is then listed nowhere in practice.
        let res = browser
            .post(app.url(&format!("/cards/{card_id}/action")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("action", "suspend"),
                ("next", "https://evil.example/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), "/leeches", "no redirect off the site");
        let next = location(browser.get(app.url("/practice")).send().await.unwrap());
        assert_ne!(next, card_path);
        browser
            .post(app.url(&format!("/cards/{card_id}/action")))
            .form(&[("csrf_token", "forged"), ("action", "unsuspend")])
            .expect_status(403)
            .await;
        let leeches = get("/leeches".to_owned()).await;
        assert!(leeches.contains("id=\"no-leeches\""));
    }
);

/// The status and claimant of a job, straight from the database.
async fn job_row(app: &TestApp, id: &Value) -> (String, Option<String>) {
    use sea_orm::{FromQueryResult, JsonValue, Statement};
    let row = JsonValue::find_by_statement(Statement::from_string(
        app.db.get_database_backend(),
        format!("SELECT status, claimed_by FROM optimize_jobs WHERE id = {id}"),
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap();
    (
        row["status"].as_str().unwrap().to_owned(),
        row["claimed_by"].as_str().map(str::to_owned),
    )
}

/// Stopping the server stops its optimization worker too: a fit in progress
/// is abandoned and its job queued again at once (not left running for the
/// 120 s a silent instance gets), and the next server finishes it.
async fn a_fit_running_at_shutdown_is_queued_again(backend: Backend) {
    let Some((app, server, serving)) = TestApp::spawn_stoppable(backend).await else {
        return;
    };
    let user = app.api_user("shutdown").await;
    // Enough history that the fit runs for a while even in an optimized build.
    seed_reviews(&app, user.id().await, 120, 150).await;
    let res = user
        .post("/api/v1/scheduler/optimize")
        .expect_status(202)
        .await;
    let job: Value = res.json().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, _) = job_row(&app, &job["id"]).await;
        if status == "running" {
            break;
        }
        assert_eq!(
            status, "queued",
            "the fit ended before the server was stopped"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let stopping = std::time::Instant::now();
    server.stop(true).await;
    serving.await.unwrap().unwrap();
    assert!(
        stopping.elapsed() < std::time::Duration::from_secs(10),
        "stopping took {:?}",
        stopping.elapsed()
    );
    assert_eq!(job_row(&app, &job["id"]).await, ("queued".to_owned(), None));

    // The next server takes it up at once and finishes it.
    let restarted = user.at(&app.restart().await);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let view: Value = restarted.get_json("/api/v1/scheduler").await;
        if view["job"]["status"] == "done" {
            assert_eq!(view["job"]["id"], job["id"]);
            break;
        }
        assert_ne!(view["job"]["status"], "failed", "{view}");
        assert!(
            std::time::Instant::now() < deadline,
            "never finished: {view}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fit_running_at_shutdown_is_queued_again_sqlite() {
    a_fit_running_at_shutdown_is_queued_again(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fit_running_at_shutdown_is_queued_again_postgres() {
    a_fit_running_at_shutdown_is_queued_again(Backend::Postgres).await;
}
