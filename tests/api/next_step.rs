//! Feedback and a clear next step: the notice after a grade (with Undo), the
//! session summary once the queue is done, honest counts of learning cards,
//! the first-run start, and practising a question outside the schedule.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement};

use super::*;

/// `Fri 11 Dec, 14:05`, as the `datetime` filter shows a UTC instant.
fn people_datetime(at: DateTime<Utc>) -> String {
    let today = Utc::now().date_naive();
    format!(
        "{}, {}",
        people_day(at.date_naive(), today),
        at.format("%H:%M")
    )
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("an instant"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// The text of the element with this id (tags stripped), or `None`.
fn text_of(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open_end = html[start..].find('>')? + start + 1;
    let tag_start = html[..start].rfind('<')?;
    let tag: String = html[tag_start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    // The matching close tag, counting nested tags of the same name.
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 1;
    let mut at = open_end;
    while depth > 0 {
        let next_close = html[at..].find(&close)? + at;
        match html[at..].find(&open).map(|i| i + at) {
            Some(next_open) if next_open < next_close => {
                depth += 1;
                at = next_open + open.len();
            }
            _ => {
                depth -= 1;
                at = next_close + close.len();
            }
        }
    }
    let inner = &html[open_end..at - close.len()];
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(
        text.replace("&amp;", "&")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

async fn scalar_i64(app: &TestApp, sql: &str) -> Option<i64> {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()?;
    // COUNT(*) is a BIGINT on PostgreSQL, an id column an INTEGER.
    row.try_get_by_index::<Option<i64>>(0)
        .or_else(|_| {
            row.try_get_by_index::<Option<i32>>(0)
                .map(|v| v.map(i64::from))
        })
        .unwrap()
}

/// A STAR answer through the question page's form; returns the review page's path.
async fn answer_in_page(app: &TestApp, browser: &reqwest::Client, question_path: &str) -> String {
    let page = app.page(browser, question_path).await;
    let res = browser
        .post(app.url(question_path.split('?').next().unwrap()))
        .form(&[
            ("csrf_token", csrf_from(&page).as_str()),
            ("situation", "Two teams fought over one on-call rota."),
            ("task", "I had to end the fight before the holidays."),
            (
                "action",
                "I met both leads, wrote the rota with them and had it signed off.",
            ),
            ("result", "No missed pages over the holidays."),
            ("reflection", "I set rotas a quarter ahead now."),
            ("seconds_spent", "95"),
        ])
        .send()
        .await
        .unwrap();
    let review = location(res);
    assert!(review.ends_with("/review"), "{review}");
    review
}

/// The checklist item ids a review page offers.
fn item_ids(review: &str) -> Vec<String> {
    review
        .match_indices("name=\"checked\" value=\"")
        .map(|(i, m)| review[i + m.len()..].split('"').next().unwrap().to_owned())
        .collect()
}

/// Posts the review form: ticks the first `ticks` items, grades with `rating` (or not).
async fn review_in_page(
    app: &TestApp,
    browser: &reqwest::Client,
    review_path: &str,
    ticks: usize,
    rating: Option<&str>,
) -> reqwest::Response {
    let page = app.page(browser, review_path).await;
    let items = item_ids(&page);
    let token = csrf_from(&page);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str()), ("comment", "")];
    for id in items.iter().take(ticks) {
        form.push(("checked", id));
    }
    if let Some(rating) = rating {
        form.push(("rating", rating));
    }
    browser
        .post(app.url(review_path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn answer_id_of(review_path: &str) -> i64 {
    review_path
        .trim_start_matches("/answers/")
        .trim_end_matches("/review")
        .parse()
        .unwrap()
}

on_both_databases!(
    a_grade_says_what_it_did_and_can_be_undone,
    |app: TestApp| async move {
        let api = app.api_user("pia").await;
        let browser = app.browser_as("pia").await;

        // Easy on a new card: it graduates, back on another day.
        let first = location(browser.get(app.url("/practice")).send().await.unwrap());
        let review = answer_in_page(&app, &browser, &first).await;
        let answer_id = answer_id_of(&review);
        let res = review_in_page(&app, &browser, &review, 2, Some("easy")).await;
        let next = location(res);
        assert_eq!(next, format!("/practice?graded={answer_id}"));
        let question = location(browser.get(app.url(&next)).send().await.unwrap());
        assert!(
            question.starts_with("/practice/")
                && question.ends_with(&format!("?graded={answer_id}")),
            "{question}"
        );
        assert_ne!(question.split('?').next().unwrap(), first);

        let page = app.page(&browser, &question).await;
        let notice = text_of(&page, "graded-notice").expect("the notice");
        assert!(page.contains("role=\"status\""));
        let due = scalar_due(&app, answer_id).await;
        let today: Value = api.get_json("/api/v1/practice/today").await;
        let left = today["due"].as_u64().unwrap()
            + today["new"].as_u64().unwrap()
            + today["later_today"].as_u64().unwrap();
        assert_eq!(left, 4, "five new a day, one done: {today}");
        assert!(
            notice.starts_with(&format!(
                "Easy — back {} · 4 left today",
                people_day(due.date_naive(), Utc::now().date_naive())
            )),
            "{notice}"
        );
        assert!(due > Utc::now() + chrono::Duration::hours(20), "{due}");
        // Reloading shows it again; it is not a one-off flash.
        assert_eq!(
            text_of(&app.page(&browser, &question).await, "graded-notice"),
            Some(notice.clone())
        );

        // Again on the next card: back within the hour, and still left today.
        let review2 = answer_in_page(&app, &browser, &question).await;
        let answer2 = answer_id_of(&review2);
        let next = location(review_in_page(&app, &browser, &review2, 0, Some("again")).await);
        let question3 = location(browser.get(app.url(&next)).send().await.unwrap());
        let page = app.page(&browser, &question3).await;
        let notice = text_of(&page, "graded-notice").expect("the notice");
        let today: Value = api.get_json("/api/v1/practice/today").await;
        assert_eq!(today["later_today"], 1, "{today}");
        assert_eq!(today["new"], 3, "{today}");
        assert!(
            notice.starts_with("Again — back in 10 min · 4 left today"),
            "{notice}"
        );
        assert!(page.contains("id=\"graded-undo\""));

        // The first grade is no longer the one Undo would undo: no button there.
        let old = app
            .page(
                &browser,
                &format!("{}?graded={answer_id}", question.split('?').next().unwrap()),
            )
            .await;
        assert!(old.contains("id=\"graded-notice\""));
        assert!(!old.contains("id=\"graded-undo\""));

        // Undo from the notice: back to that attempt's review, the grade gone.
        let res = browser
            .post(app.url("/undo"))
            .form(&[("csrf_token", csrf_from(&page).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), review2);
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM review_logs WHERE undone_at IS NOT NULL AND card_id = (SELECT card_id FROM answers WHERE id = {answer2})")
            )
            .await,
            Some(1)
        );
        let html = app.page(&browser, &review2).await;
        assert!(html.contains("id=\"grade-good\""), "gradable again");
        let page = app.page(&browser, &question3).await;
        assert!(
            !page.contains("id=\"graded-notice\""),
            "an undone grade says nothing"
        );

        // Someone else's attempt (or nonsense) says nothing either.
        let other = app.registered_browser("omar").await;
        let theirs = location(
            other
                .get(app.url(&format!("/practice?graded={answer_id}")))
                .send()
                .await
                .unwrap(),
        );
        let page = app.page(&other, &theirs).await;
        assert!(page.contains("id=\"answer-form\""));
        assert!(!page.contains("id=\"graded-notice\""));
        let today = app.page(&other, "/today?graded=nonsense").await;
        assert!(today.contains("<h1>Today</h1>") && !today.contains("graded-notice"));
    }
);

/// When the grade of an attempt brings its card back.
async fn scalar_due(app: &TestApp, answer_id: i64) -> DateTime<Utc> {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT due FROM review_logs WHERE answer_id = {answer_id}"),
        ))
        .await
        .unwrap()
        .expect("a grade");
    row.try_get_by_index::<DateTime<Utc>>(0).unwrap()
}

on_both_databases!(
    the_last_grade_of_the_day_leads_to_a_summary,
    |app: TestApp| async move {
        let api = app.api_user("lena").await;
        let user_id = api.id().await;
        let settings = |body: Value| api.put("/api/v1/settings").json(&body).send();
        assert_eq!(
            settings(json!({"new_per_day": 1})).await.unwrap().status(),
            200
        );

        // Two days ago: question A answered, 3 items ticked, graded Easy.
        let a = api.next().await.unwrap();
        let a_card = a["card_id"].as_i64().unwrap();
        let a_question = a["question"]["id"].as_i64().unwrap();
        let a_items: Vec<i64> = a["question"]["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        let old = api.answer(a_question).await;
        let review = |answer: i64, ticked: &[i64]| {
            api.post(&format!("/api/v1/answers/{answer}/reviews"))
                .json(&json!({"checked": ticked, "comment": ""}))
                .send()
        };
        assert_eq!(
            review(old["id"].as_i64().unwrap(), &a_items[..3])
                .await
                .unwrap()
                .status(),
            201
        );
        assert_eq!(
            api.grade(a_card, "easy", old["id"].as_i64()).await.status(),
            200
        );
        app.time_travel(user_id, 2 * 24 * 60).await;

        // Today, through the pages: A again outside the schedule (5 items), then the new question B (2 items).
        let browser = app.browser_as("lena").await;
        let questions = app.page(&browser, "/questions").await;
        let res = browser
            .post(app.url(&format!("/questions/{a_question}/practise")))
            .form(&[("csrf_token", csrf_from(&questions).as_str())])
            .send()
            .await
            .unwrap();
        let a_path = location(res);
        assert_eq!(a_path, format!("/practice/{a_card}"));
        let a_review = answer_in_page(&app, &browser, &a_path).await;
        let res = review_in_page(&app, &browser, &a_review, 5, Some("good")).await;
        let b_path = location(browser.get(app.url(&location(res))).send().await.unwrap());
        let b_review = answer_in_page(&app, &browser, &b_path).await;
        let b_answer = answer_id_of(&b_review);
        let res = review_in_page(&app, &browser, &b_review, 2, Some("easy")).await;
        let done = location(browser.get(app.url(&location(res))).send().await.unwrap());
        assert_eq!(
            done,
            format!("/today?graded={b_answer}"),
            "nothing left: Today"
        );

        let page = app.page(&browser, &done).await;
        let today: Value = api.get_json("/api/v1/practice/today").await;
        let session = &today["session"];
        assert_eq!(today["due"], 0);
        assert_eq!(today["new"], 0);
        assert_eq!(today["done_today"], 2);
        assert_eq!(session["answers"], 2);
        assert_eq!(session["questions"], 2);
        assert_eq!(session["seconds_spent"], 190);
        let b_items = app.page(&browser, &b_review).await;
        let b_size = item_ids(&b_items).len() as u64;
        let total = a_items.len() as u64 + b_size;
        assert_eq!(session["items_ticked"], 7);
        assert_eq!(session["items_total"], total);
        assert_eq!(session["items_ticked_before"], 3);
        assert_eq!(session["items_ticked_compared"], 5);
        let per_question = session["per_question"].as_array().unwrap();
        assert_eq!(per_question.len(), 2);
        assert_eq!(per_question[0]["question_id"], a_question);
        assert_eq!(per_question[0]["ticked"], 5);
        assert_eq!(per_question[0]["ticked_before"], 3);
        assert_eq!(per_question[1]["ticked"], 2);
        assert_eq!(per_question[1]["answered_before"], false);
        // Two days ago and today, not yesterday: a streak of one.
        assert_eq!(today["streak"], json!({"current": 1, "longest": 1}));
        let next_due: Option<DateTime<Utc>> = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT MIN(due) FROM cards WHERE user_id = {user_id} AND state <> 'new'"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        let next_due = next_due.unwrap();
        assert_eq!(instant(&session["next_due"]), next_due);

        // The page shows the same figures.
        assert!(page.contains("Done for today"), "{page}");
        assert_eq!(text_of(&page, "summary-questions").unwrap(), "2");
        assert_eq!(text_of(&page, "summary-time").unwrap(), "3 min");
        assert_eq!(
            text_of(&page, "summary-coverage").unwrap(),
            format!("7 of {total} items")
        );
        assert_eq!(text_of(&page, "streak").unwrap(), "1 day");
        assert_eq!(
            text_of(&page, "next-due").unwrap(),
            people_datetime(next_due)
        );
        let lines = text_of(&page, "summary-per-question").unwrap();
        assert!(
            lines.contains(&format!("5 of {} items, up from 3", a_items.len())),
            "{lines}"
        );
        assert!(
            lines.contains(&format!("2 of {b_size} items, first attempt")),
            "{lines}"
        );
        let notice = text_of(&page, "graded-notice").unwrap();
        assert!(notice.starts_with("Easy — back "), "{notice}");
        assert!(notice.contains("nothing left today"), "{notice}");
        assert!(!page.contains("id=\"undo\""), "one Undo on the page");
    }
);

on_both_databases!(
    learning_cards_count_when_they_are_due,
    |app: TestApp| async move {
        let api = app.api_user("ivo").await;
        let user_id = api.id().await;
        api.put("/api/v1/settings")
            .json(&json!({"new_per_day": 1, "leech_threshold": 1}))
            .expect_status(200)
            .await;
        let card = api.next().await.unwrap();
        let card_id = card["card_id"].as_i64().unwrap();
        let res = api
            .post("/api/v1/answers")
            .json(&json!({"question_id": card["question"]["id"], "action": "I asked.", "seconds_spent": 20}))
            .expect_status(201)
            .await;
        let answer: Value = res.json().await.unwrap();
        let graded: Value = api
            .grade(card_id, "again", answer["id"].as_i64())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(graded["state"], "learning");

        // Due in 10 minutes: not due, but waiting later today.
        let today: Value = api.get_json("/api/v1/practice/today").await;
        assert_eq!(today["due"], 0, "{today}");
        assert_eq!(today["learning"], 0);
        assert_eq!(today["later_today"], 1);
        assert_eq!(today["next_learning_due"], graded["due"]);
        app.time_travel(user_id, 2).await;
        let browser = app.browser_as("ivo").await;
        let page = app.page(&browser, "/today").await;
        assert!(page.contains("Done for now"));
        assert!(!page.contains("id=\"due-count\""));
        assert_eq!(
            text_of(&page, "next-learning").unwrap(),
            "1 question in learning steps: next in 8 min."
        );
        // Within the learn-ahead window the queue serves it, and the page says so.
        assert!(page.contains("id=\"learn-ahead\""));
        let served = location(browser.get(app.url("/practice")).send().await.unwrap());
        assert_eq!(served, format!("/practice/{card_id}"));
        // A real session of 20 seconds is not "0 min".
        assert_eq!(text_of(&page, "summary-time").unwrap(), "under 1 min");
        // The card failed as often as the threshold: a leech, reachable from Today.
        assert_eq!(text_of(&page, "leech-link").unwrap(), "1 leech");

        // Half an hour out, nothing is offered early.
        let later = match app.backend {
            Backend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%f+00:00', due, '+22 minutes')",
            Backend::Postgres => "due + interval '22 minutes'",
        };
        app.db
            .execute_unprepared(&format!(
                "UPDATE cards SET due = {later} WHERE id = {card_id}"
            ))
            .await
            .unwrap();
        let page = app.page(&browser, "/today").await;
        assert_eq!(
            text_of(&page, "next-learning").unwrap(),
            "1 question in learning steps: next in 30 min."
        );
        assert!(!page.contains("id=\"learn-ahead\""));
        assert_eq!(
            location(browser.get(app.url("/practice")).send().await.unwrap()),
            "/today"
        );

        // Once its time comes it is due, and counted.
        app.time_travel(user_id, 30).await;
        let today: Value = api.get_json("/api/v1/practice/today").await;
        assert_eq!(today["due"], 1, "{today}");
        assert_eq!(today["learning"], 1);
        assert_eq!(today["later_today"], 0);
        let page = app.page(&browser, "/today").await;
        assert_eq!(text_of(&page, "due-count").unwrap(), "1");
        assert_eq!(text_of(&page, "streak").unwrap(), "1 day");
    }
);

on_both_databases!(
    a_new_account_sees_the_start_until_it_is_put_away,
    |app: TestApp| async move {
        // Put away: gone for good.
        let browser = app.registered_browser("ada").await;
        let today = app.page(&browser, "/today").await;
        assert!(today.contains("id=\"first-run\""));
        assert!(today.contains("href=\"/banks\""));
        assert!(today.contains("name=\"interview_date\""));
        let res = browser
            .post(app.url("/today/start"))
            .form(&[("intent", "dismiss")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "no CSRF token, no change");
        let res = browser
            .post(app.url("/today/start"))
            .form(&[
                ("csrf_token", csrf_from(&today).as_str()),
                ("intent", "dismiss"),
                ("interview_date", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), "/today");
        assert!(!app
            .page(&browser, "/today")
            .await
            .contains("id=\"first-run\""));
        assert_eq!(
            scalar_i64(
                &app,
                "SELECT COUNT(*) FROM users WHERE username = 'ada' AND onboarded_at IS NOT NULL"
            )
            .await,
            Some(1)
        );

        // With an interview date: saved, then on to practice.
        let bo = app.api_user("bob").await;
        let browser = app.browser_as("bob").await;
        let today = app.page(&browser, "/today").await;
        let token = csrf_from(&today);
        let res = browser
            .post(app.url("/today/start"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("intent", "practice"),
                ("interview_date", "2020-01-01"),
            ])
            .expect_status(422)
            .await;
        let html = res.text().await.unwrap();
        assert!(text_of(&html, "start-error")
            .unwrap()
            .contains("interview_date"));
        assert!(html.contains("id=\"first-run\""));
        let day = (Utc::now() + chrono::Duration::days(20))
            .format("%Y-%m-%d")
            .to_string();
        let res = browser
            .post(app.url("/today/start"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("intent", "practice"),
                ("interview_date", day.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(res), "/practice");
        let settings: Value = bo.get_json("/api/v1/settings").await;
        assert_eq!(settings["interview_date"], day.as_str());
        let today = app.page(&browser, "/today").await;
        assert!(!today.contains("id=\"first-run\""));
        assert!(today.contains("id=\"interview-plan\""));

        // A first answer puts it away too.
        let cyd = app.api_user("cyd").await;
        let browser = app.browser_as("cyd").await;
        assert!(app
            .page(&browser, "/today")
            .await
            .contains("id=\"first-run\""));
        let card = cyd.next().await.unwrap();
        cyd.answer(card["question"]["id"].as_i64().unwrap()).await;
        assert!(!app
            .page(&browser, "/today")
            .await
            .contains("id=\"first-run\""));
    }
);

on_both_databases!(
    any_question_can_be_practised_on_demand,
    |app: TestApp| async move {
        let api = app.api_user("noor").await;
        let browser = app.browser_as("noor").await;
        let page = app.page(&browser, "/questions").await;
        let forms: Vec<i64> = page
            .match_indices("action=\"/questions/")
            .map(|(i, m)| {
                page[i + m.len()..]
                    .split('/')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(forms.len() > 5, "a button on every question");
        // The last question of the list: not the one the queue would serve.
        let question_id = *forms.last().unwrap();
        let queued = api.next().await.unwrap();
        assert_ne!(queued["question"]["id"], question_id);
        let token = csrf_from(&page);
        let practise = || {
            browser
                .post(app.url(&format!("/questions/{question_id}/practise")))
                .form(&[("csrf_token", token.as_str())])
                .send()
        };
        let path = location(practise().await.unwrap());
        let card_id: i64 = path.trim_start_matches("/practice/").parse().unwrap();
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT question_id FROM cards WHERE id = {card_id}")
            )
            .await,
            Some(question_id)
        );

        // Saved without a grade: an attempt, no review of the card.
        let review = answer_in_page(&app, &browser, &path).await;
        let answer_id = answer_id_of(&review);
        assert!(app
            .page(&browser, &review)
            .await
            .contains("id=\"grade-good\""));
        let res = review_in_page(&app, &browser, &review, 1, None).await;
        assert_eq!(location(res), format!("/answers/{answer_id}"));
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT card_id FROM answers WHERE id = {answer_id}")
            )
            .await,
            Some(card_id)
        );
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM review_logs WHERE card_id = {card_id}")
            )
            .await,
            Some(0)
        );

        // The attempt page and History offer it again.
        let attempt = app.page(&browser, &format!("/answers/{answer_id}")).await;
        assert!(attempt.contains(&format!("action=\"/questions/{question_id}/practise\"")));
        let history = app.page(&browser, "/history").await;
        assert!(history.contains(&format!("action=\"/questions/{question_id}/practise\"")));

        // Graded once (not due for days), then practised again and graded: a review like any other.
        let graded: Value = api.grade(card_id, "easy", None).await.json().await.unwrap();
        assert_eq!(graded["state"], "review");
        assert!(instant(&graded["due"]) > Utc::now() + chrono::Duration::days(1));
        assert_eq!(location(practise().await.unwrap()), path, "the same card");
        let review = answer_in_page(&app, &browser, &path).await;
        let answer_id = answer_id_of(&review);
        let res = review_in_page(&app, &browser, &review, 3, Some("good")).await;
        assert_eq!(location(res), format!("/practice?graded={answer_id}"));
        assert_eq!(
            scalar_i64(
                &app,
                &format!("SELECT COUNT(*) FROM review_logs WHERE card_id = {card_id} AND answer_id = {answer_id} AND state_before = 'review' AND undone_at IS NULL")
            )
            .await,
            Some(1)
        );
        let card: Value = api.get_json(&format!("/api/v1/cards/{card_id}")).await;
        assert_eq!(card["reps"], 2);
        assert_ne!(card["due"], graded["due"], "rescheduled from this grade");

        // The queue goes on as before: the question it served first is still first.
        assert_eq!(api.next().await.unwrap()["card_id"], queued["card_id"]);
        let today: Value = api.get_json("/api/v1/practice/today").await;
        assert_eq!(today["done_today"], 2);
        assert_eq!(today["new"], 4, "the on-demand question was new: {today}");

        // Another user's or a missing question: not found.
        let other = app.registered_browser("zed").await;
        let page = app.page(&other, "/today").await;
        other
            .post(app.url("/questions/999999/practise"))
            .form(&[("csrf_token", csrf_from(&page).as_str())])
            .expect_status(404)
            .await;
    }
);
