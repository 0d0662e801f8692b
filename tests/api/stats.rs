//! `GET /api/v1/stats` and the Progress page against a known history: answers, self-reviews
//! and grades through the API, older reviews and scheduled cards written straight into the
//! database at chosen study days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use starling::entities::{answer, card, question, review_log, rubric_item};

use super::*;

/// Today's study day for a UTC user (days start at 04:00).
fn study_day(now: DateTime<Utc>) -> NaiveDate {
    (now - Duration::hours(4)).date_naive()
}

/// Noon UTC: well inside the study day of that date.
fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    today + Duration::days(offset)
}

fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Posts an answer that took `seconds`; returns its id.
async fn answer_with(user: &ApiUser, question_id: i64, seconds: i64) -> i64 {
    let res = user
        .post("/api/v1/answers")
        .json(&json!({
            "question_id": question_id,
            "situation": "Two teams disagreed about the on-call rota.",
            "task": "I had to settle it before the next release.",
            "action": "I met both leads and we wrote the rota together.",
            "result": "Pages outside hours fell from 9 to 3 a month.",
            "reflection": "I would ask for data sooner.",
            "seconds_spent": seconds
        }))
        .expect_status(201)
        .await;
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn self_review(user: &ApiUser, answer_id: i64, checked: &[i32]) {
    let res = user
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": checked, "comment": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

async fn move_answer(app: &TestApp, answer_id: i64, at: DateTime<Utc>) {
    answer::ActiveModel {
        id: Set(answer_id as i32),
        created_at: Set(at),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
}

async fn log_review(
    app: &TestApp,
    user_id: i32,
    card_id: i32,
    at: DateTime<Utc>,
    (state_before, elapsed_days, rating): (&str, i32, i16),
) {
    review_log::ActiveModel {
        card_id: Set(card_id),
        user_id: Set(user_id),
        answer_id: Set(None),
        rating: Set(rating),
        state_before: Set(state_before.parse().unwrap()),
        elapsed_days: Set(elapsed_days),
        scheduled_days: Set(1),
        stability: Set(3.0),
        difficulty: Set(5.0),
        due: Set(at),
        reviewed_at: Set(at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn add_card(app: &TestApp, user_id: i32, question_id: i32, state: &str, due: DateTime<Utc>) {
    card::ActiveModel {
        user_id: Set(user_id),
        question_id: Set(question_id),
        state: Set(state.parse().unwrap()),
        due: Set(due),
        stability: Set(3.0),
        difficulty: Set(5.0),
        last_review: Set(Some(due - Duration::days(3))),
        reps: Set(2),
        lapses: Set(0),
        scheduled_days: Set(3),
        created_at: Set(due - Duration::days(10)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn rubric_of(question: &Value) -> Vec<i32> {
    question["rubric"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap() as i32)
        .collect()
}

on_both_databases!(stats_match_a_known_history, |app: TestApp| async move {
    let ada = app.api_user("ada").await;
    let ada_id = ada.id().await as i32;
    let bob = app.api_user("bob").await;

    let star: Vec<i32> = rubric_item::Entity::find()
        .filter(rubric_item::Column::QuestionId.is_null())
        .filter(rubric_item::Column::Retired.eq(false))
        .order_by_asc(rubric_item::Column::Position)
        .order_by_asc(rubric_item::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect();
    assert!(star.len() >= 3);
    let questions: Vec<Value> = ada.get_json("/api/v1/questions").await;

    // q1: the first card of the day; q2 another question of its competency (A);
    // q3 a question of another competency (B).
    let first = ada.next().await.unwrap();
    let card1 = first["card_id"].as_i64().unwrap();
    let q1 = questions
        .iter()
        .find(|q| q["id"] == first["question"]["id"])
        .unwrap();
    let competency_a = q1["competency"].as_str().unwrap();
    let q2 = questions
        .iter()
        .find(|q| q["competency"] == competency_a && q["id"] != q1["id"])
        .unwrap();
    let q3 = questions
        .iter()
        .find(|q| q["competency"] != competency_a && q["bank"] == q1["bank"])
        .unwrap();
    let competency_b = q3["competency"].as_str().unwrap();
    let id_of = |q: &Value| q["id"].as_i64().unwrap();
    let (own1, own3) = (rubric_of(q1), rubric_of(q3));

    // Answers: two attempts at q1 today (100 s and 200 s), self-reviewed; q3 three days
    // ago (50 s), reviewed with nothing ticked; q2 20 days ago (1000 s) and q3 100 days
    // ago (600 s), never reviewed.
    let now = Utc::now();
    let today = study_day(now);
    let a1 = answer_with(&ada, id_of(q1), 100).await;
    self_review(&ada, a1, &[star[0], star[1], own1[0]]).await;
    assert_eq!(ada.grade(card1, "good", Some(a1)).await.status(), 200);
    let a2 = answer_with(&ada, id_of(q1), 200).await;
    self_review(&ada, a2, &[star[0]]).await;
    let a3 = answer_with(&ada, id_of(q3), 50).await;
    self_review(&ada, a3, &[]).await;
    move_answer(&app, a3, noon(day(today, -3))).await;
    let a4 = answer_with(&ada, id_of(q2), 1000).await;
    move_answer(&app, a4, noon(day(today, -20))).await;
    let a5 = answer_with(&ada, id_of(q3), 600).await;
    move_answer(&app, a5, noon(day(today, -100))).await;

    // Older reviews of q1's card: (days ago, state before, elapsed days, rating).
    let mut older = vec![
        (-1, "review", 3, 3),    // young, passed
        (-1, "review", 25, 1),   // mature, forgotten
        (-2, "review", 30, 4),   // mature, passed
        (-3, "review", 20, 1),   // young (20 < 21), forgotten
        (-4, "review", 1, 4),    // young, passed
        (-5, "review", 21, 3),   // mature (21), passed
        (-10, "learning", 0, 1), // not a review: no retention
        (-29, "review", 5, 2),   // young, Hard passes, last day of the window
        (-30, "review", 5, 1),   // outside the 30 days
        (-364, "review", 40, 1), // first day of the calendar
        (-365, "review", 40, 1), // before the calendar
    ];
    // A ten-day run ending 29 days ago, the longest streak.
    older.extend((-38..=-31).map(|offset| (offset, "learning", 0, 3)));
    for (offset, state, elapsed, rating) in older {
        log_review(
            &app,
            ada_id,
            card1 as i32,
            noon(day(today, offset)),
            (state, elapsed, rating),
        )
        .await;
    }

    // Cards for the forecast, on questions with no card yet: two today (one overdue, one
    // in learning), q1's and one more tomorrow, one on the 30th day, one just past it,
    // a new card and a card of a retired question, which never count.
    let used = [id_of(q1), id_of(q2), id_of(q3)];
    let spare: Vec<i32> = questions
        .iter()
        .filter(|q| {
            !used.contains(&id_of(q))
                && q["competency"] != competency_a
                && q["competency"] != competency_b
        })
        .map(|q| id_of(q) as i32)
        .take(7)
        .collect();
    assert_eq!(spare.len(), 7, "the starter bank has enough questions");
    add_card(&app, ada_id, spare[0], "review", noon(day(today, -3))).await;
    add_card(
        &app,
        ada_id,
        spare[1],
        "learning",
        now + Duration::minutes(5),
    )
    .await;
    add_card(&app, ada_id, spare[2], "review", noon(day(today, 1))).await;
    add_card(&app, ada_id, spare[3], "review", noon(day(today, 29))).await;
    add_card(&app, ada_id, spare[4], "review", noon(day(today, 30))).await;
    add_card(&app, ada_id, spare[5], "new", now).await;
    add_card(&app, ada_id, spare[6], "review", noon(day(today, 2))).await;
    question::ActiveModel {
        id: Set(spare[6]),
        retired: Set(true),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    card::ActiveModel {
        id: Set(card1 as i32),
        due: Set(noon(day(today, 1))),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();

    // Bob's work never counts for Ada.
    let bob_card = bob.next().await.unwrap();
    let bob_question = bob_card["question"]["id"].as_i64().unwrap();
    let bob_answer = answer_with(&bob, bob_question, 3000).await;
    let everything: Vec<i32> = star.iter().copied().chain(rubric_of(q1)).collect();
    if bob_question == id_of(q1) {
        self_review(&bob, bob_answer, &everything).await;
    }
    bob.grade(
        bob_card["card_id"].as_i64().unwrap(),
        "again",
        Some(bob_answer),
    )
    .await;

    let res = ada.get("/api/v1/stats").expect_status(200).await;
    let stats: Value = res.json().await.unwrap();
    assert_eq!(stats["today"], text(today));

    // The calendar: only days with reviews, oldest first.
    let mut expected_days: Vec<(i64, u32)> = vec![
        (-364, 1),
        (-38, 1),
        (-37, 1),
        (-36, 1),
        (-35, 1),
        (-34, 1),
        (-33, 1),
        (-32, 1),
        (-31, 1),
        (-30, 1),
        (-29, 1),
        (-10, 1),
        (-5, 1),
        (-4, 1),
        (-3, 1),
        (-2, 1),
        (-1, 2),
        (0, 1),
    ];
    expected_days.sort();
    let expected_days: Vec<Value> = expected_days
        .into_iter()
        .map(|(offset, reviews)| json!({"date": text(day(today, offset)), "reviews": reviews}))
        .collect();
    assert_eq!(stats["heatmap"]["days"], json!(expected_days));
    assert_eq!(stats["heatmap"]["total_reviews"], 19);
    assert_eq!(stats["heatmap"]["days_studied"], 18);

    // The forecast: 30 days from today.
    let forecast = stats["forecast"].as_array().unwrap();
    assert_eq!(forecast.len(), 30);
    for (offset, entry) in forecast.iter().enumerate() {
        let due = match offset {
            0 | 1 => 2,
            29 => 1,
            _ => 0,
        };
        assert_eq!(
            entry,
            &json!({"date": text(day(today, offset as i64)), "due": due}),
            "day {offset}"
        );
    }

    // True retention over the last 30 days.
    assert_eq!(
        stats["retention"],
        json!({
            "young": {"reviews": 4, "passed": 3, "rate": 0.75},
            "mature": {"reviews": 3, "passed": 2, "rate": 0.6667},
            "total": {"reviews": 7, "passed": 5, "rate": 0.7143},
        })
    );

    assert_eq!(stats["streak"], json!({"current": 6, "longest": 10}));
    // 300 s today, +50 s within 7 days, +1000 s within 30, +600 s before: rounded minutes.
    assert_eq!(
        stats["minutes"],
        json!({"today": 5, "last_7_days": 6, "last_30_days": 23, "total": 33})
    );

    // Coverage per competency.
    let competencies = stats["competencies"].as_array().unwrap();
    let find = |key: &str| {
        competencies
            .iter()
            .find(|c| c["key"] == key && c["bank"] == q1["bank"])
            .unwrap()
            .clone()
    };
    let count_in = |key: &str| {
        questions
            .iter()
            .filter(|q| q["competency"] == key && q["bank"] == q1["bank"])
            .count()
    };
    let checked_a = 2 * (star.len() + own1.len());
    let a = find(competency_a);
    assert_eq!(a["name"], q1["competency_name"]);
    assert_eq!(a["answers"], 3);
    assert_eq!(a["questions_answered"], 2);
    assert_eq!(a["questions_total"], count_in(competency_a));
    assert_eq!(a["reviewed_answers"], 2);
    assert_eq!(a["items_ticked"], 4);
    assert_eq!(a["items_checked"], checked_a);
    assert_eq!(
        a["coverage"].as_f64().unwrap(),
        (4.0 / checked_a as f64 * 10_000.0).round() / 10_000.0
    );
    let b = find(competency_b);
    assert_eq!(b["answers"], 2);
    assert_eq!(b["questions_answered"], 1);
    assert_eq!(b["questions_total"], count_in(competency_b));
    assert_eq!(b["reviewed_answers"], 1);
    assert_eq!(b["items_ticked"], 0);
    assert_eq!(b["items_checked"], star.len() + own3.len());
    assert_eq!(b["coverage"], 0.0);
    let distinct: std::collections::HashSet<(&str, &str)> = questions
        .iter()
        .map(|q| {
            (
                q["bank"].as_str().unwrap(),
                q["competency"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        competencies.len() >= distinct.len(),
        "every practised competency is listed"
    );
    for other in competencies
        .iter()
        .filter(|c| c["key"] != competency_a && c["key"] != competency_b)
    {
        assert_eq!(other["answers"], 0);
        assert_eq!(other["coverage"], Value::Null);
    }

    // Least met: items seen at least twice by rate, the most reviewed first among
    // equals; then those seen once.
    let mut expected: Vec<(i32, u32, u32)> = Vec::new();
    expected.extend(star[2..].iter().map(|id| (*id, 0, 3)));
    expected.extend(own1[1..].iter().map(|id| (*id, 0, 2)));
    expected.push((star[1], 1, 3));
    expected.push((own1[0], 1, 2));
    expected.push((star[0], 2, 3));
    expected.extend(own3.iter().map(|id| (*id, 0, 1)));
    expected.truncate(10);
    let least_met: Vec<(i32, u32, u32)> = stats["least_met"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["id"].as_i64().unwrap() as i32,
                item["met"].as_u64().unwrap() as u32,
                item["reviewed"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    assert_eq!(least_met, expected);
    let star1 = stats["least_met"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == star[1])
        .unwrap();
    assert_eq!(star1["rate"], 0.3333);
    assert_eq!(star1["source"], "star");
    assert!(star1["text"].as_str().is_some_and(|t| !t.is_empty()));

    // Bob sees only his own day: one review, one answer, nothing of Ada's.
    let theirs: Value = bob.get_json("/api/v1/stats").await;
    assert_eq!(theirs["heatmap"]["total_reviews"], 1);
    assert_eq!(theirs["minutes"]["total"], 50);
    assert_eq!(theirs["streak"], json!({"current": 1, "longest": 1}));
    let bob_answers: u64 = theirs["competencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["answers"].as_u64().unwrap())
        .sum();
    assert_eq!(bob_answers, 1);

    // The page shows the same figures.
    let browser = app.browser_as("ada").await;
    let res = browser.get(app.url("/progress")).expect_status(200).await;
    let html = res.text().await.unwrap();
    for needle in [
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart heatmap\"",
        "class=\"chart bars\"",
        "class=\"chart coverage\"",
        "19 reviews on 18 days",
        "id=\"streak-current\">6</dd>",
        "(longest 10)",
        "id=\"minutes-today\">5 min</dd>",
        "id=\"minutes-week\">6 min</dd>",
        "id=\"minutes-month\">23 min</dd>",
        "id=\"minutes-total\">33 min</dd>",
        "<th scope=\"row\">Young</th><td>75%</td><td>3</td><td>4</td>",
        "<th scope=\"row\">Mature</th><td>67%</td><td>2</td><td>3</td>",
        "<th scope=\"row\">Total</th><td>71%</td><td>5</td><td>7</td>",
        "2 due today (overdue included), 4 within 7 days, 5 within 30 days.",
        "met in 0 of 3 self-reviews (0%)",
        "met in 1 of 3 self-reviews (33%)",
        "<a href=\"/progress\" aria-current=\"page\">Progress</a>",
    ] {
        assert!(html.contains(needle), "the page shows {needle}");
    }
    assert!(!html.contains("No reviews yet"));
    assert!(!html.contains(" style="), "no inline styles under the CSP");
});

on_both_databases!(
    a_new_learner_gets_empty_figures_and_pages,
    |app: TestApp| async move {
        app.client()
            .get(app.url("/api/v1/stats"))
            .expect_status(401)
            .await;
        let res = app.client().get(app.url("/progress")).send().await.unwrap();
        assert_eq!(res.status(), 303, "visitors are sent to log in");

        let carol = app.api_user("carol").await;
        let stats: Value = carol.get_json("/api/v1/stats").await;
        assert_eq!(
            stats["heatmap"],
            json!({"days": [], "total_reviews": 0, "days_studied": 0})
        );
        let forecast = stats["forecast"].as_array().unwrap();
        assert_eq!(forecast.len(), 30);
        assert!(forecast.iter().all(|day| day["due"] == 0));
        assert_eq!(forecast[0]["date"], stats["today"]);
        let empty = json!({"reviews": 0, "passed": 0, "rate": null});
        assert_eq!(
            stats["retention"],
            json!({"young": empty, "mature": empty, "total": empty})
        );
        assert!(!stats["competencies"].as_array().unwrap().is_empty());
        assert!(stats["competencies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["answers"] == 0
                && c["coverage"].is_null()
                && c["questions_total"].as_u64().unwrap() > 0));
        assert_eq!(stats["least_met"], json!([]));
        assert_eq!(stats["streak"], json!({"current": 0, "longest": 0}));
        assert_eq!(
            stats["minutes"],
            json!({"today": 0, "last_7_days": 0, "last_30_days": 0, "total": 0})
        );

        let browser = app.browser_as("carol").await;
        let res = browser.get(app.url("/progress")).expect_status(200).await;
        let html = res.text().await.unwrap();
        for needle in [
            "No reviews yet — your first answer starts the calendar.",
            "class=\"chart heatmap\"",
            "class=\"chart bars\"",
            "class=\"chart coverage\"",
            "Nothing is due in the next 30 days.",
            "id=\"streak-current\">0</dd>",
            "id=\"least-met-empty\"",
        ] {
            assert!(html.contains(needle), "the page shows {needle}");
        }
    }
);

// The current streak as Today shows it (a few days looked at, more while the
// run goes on) is the one Progress counts over the whole history: a run of
// 140 days ending yesterday, one of them an answer alone, stopped by a day
// whose only grade was undone.
on_both_databases!(
    a_long_streak_is_counted_the_same_on_today_and_progress,
    |app: TestApp| async move {
        let eve = app.api_user("eve").await;
        let eve_id = eve.id().await as i32;
        let first = eve.next().await.unwrap();
        let card_id = first["card_id"].as_i64().unwrap() as i32;
        let today = study_day(Utc::now());
        let graded_on = |offset: i64| {
            log_review(
                &app,
                eve_id,
                card_id,
                noon(day(today, offset)),
                ("review", 3, 3),
            )
        };
        for offset in (-140..=-1).filter(|offset| *offset != -50) {
            graded_on(offset).await;
        }
        let answered = answer_with(&eve, first["question"]["id"].as_i64().unwrap(), 60).await;
        move_answer(&app, answered, noon(day(today, -50))).await;
        graded_on(-141).await;
        review_log::Entity::update_many()
            .col_expr(
                review_log::Column::UndoneAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(review_log::Column::ReviewedAt.lt(noon(day(today, -140))))
            .exec(&app.db)
            .await
            .unwrap();
        graded_on(-150).await;

        let stats: Value = eve.get_json("/api/v1/stats").await;
        assert_eq!(stats["streak"], json!({"current": 140, "longest": 140}));
        let browser = app.browser_as("eve").await;
        let html = app.page(&browser, "/today").await;
        assert!(html.contains("id=\"streak\">140 days<"), "{html}");
    }
);
