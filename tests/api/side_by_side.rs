//! A mock round that feels like one (round clock, one target per question,
//! autosaved answers and recorder, End the round confirmed, a summary with
//! the answers, their hints and the grade intervals), and coach and learner
//! side by side (the coach's page names the learner and follows the
//! learner's checklist; the attempt page shows both ticks per item).

use super::*;
use crate::coaching::{invite_code, join};

/// A learner with an API token and a logged-in browser.
async fn learner(app: &TestApp, name: &str) -> (ApiUser, reqwest::Client) {
    let api = app.api_user(name).await;
    let browser = app.browser_as(name).await;
    (api, browser)
}

/// Starts a round through the start form; returns its path (`/mock/{id}`) and id.
async fn start_round(app: &TestApp, browser: &reqwest::Client, minutes: &str) -> (String, i64) {
    let html = app.page(browser, "/mock").await;
    let res = browser
        .post(app.url("/mock"))
        .form(&[
            ("csrf_token", csrf_from(&html).as_str()),
            ("minutes", minutes),
        ])
        .send()
        .await
        .unwrap();
    let path = location(res);
    let id = path.rsplit('/').next().unwrap().parse().unwrap();
    (path, id)
}

/// The value of the attribute `name` on the element with id `id`.
fn attribute(html: &str, id: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let marker = format!(" {name}=\"");
    let from = tag.find(&marker)? + marker.len();
    let to = from + tag[from..].find('"')?;
    Some(tag[from..to].to_owned())
}

/// The text in the textarea with id `id` (HTML entities of the test's text undone).
fn textarea(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("<textarea id=\"{id}\""))
        .unwrap_or_else(|| panic!("no textarea #{id}"));
    let open = start + html[start..].find('>').unwrap() + 1;
    let close = open + html[open..].find("</textarea>").unwrap();
    html[open..close]
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every value of `attr="…"` in `html`, in order.
fn all_values(html: &str, prefix: &str) -> Vec<String> {
    html.split(prefix)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The grade intervals on a page, in button order: the `<small>` of each grade button.
fn intervals(html: &str) -> Vec<String> {
    html.split("class=\"grade grade-")
        .skip(1)
        .map(|rest| {
            let from = rest.find("<small>").unwrap() + "<small>".len();
            rest[from..from + rest[from..].find("</small>").unwrap()].to_owned()
        })
        .collect()
}

on_both_databases!(
    the_mock_question_page_carries_the_round_clock_and_one_target,
    |app: TestApp| async move {
        let (api, browser) = learner(&app, "clocky").await;
        let (path, id) = start_round(&app, &browser, "15").await;
        let round: Value = api.get_json(&format!("/api/v1/mock-interviews/{id}")).await;
        let questions = round["round"]["questions"].as_array().unwrap().len() as i64;
        assert_eq!(questions, 3, "{round}");
        // One target: the round's minutes shared among its questions.
        assert_eq!(round["round"]["target_seconds"], 15 * 60 / questions);
        let created =
            chrono::DateTime::parse_from_rfc3339(round["round"]["created_at"].as_str().unwrap())
                .unwrap();
        let ends =
            chrono::DateTime::parse_from_rfc3339(round["round"]["ends_at"].as_str().unwrap())
                .unwrap();
        assert_eq!((ends - created).num_minutes(), 15);

        let html = app.page(&browser, &path).await;
        assert_eq!(
            attribute(&html, "round-clock", "data-minutes").unwrap(),
            "15"
        );
        assert_eq!(
            attribute(&html, "round-clock", "data-started").unwrap(),
            created.timestamp_millis().to_string()
        );
        assert_eq!(
            attribute(&html, "round-clock", "data-ends").unwrap(),
            ends.timestamp_millis().to_string()
        );
        // Without scripts the clock still says how long is left: at most 15:00.
        let left = html
            .split("id=\"round-clock-value\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned();
        assert!(left == "15:00" || left.starts_with("14:"), "{left}");
        // The per-question timer beside it aims at the same target.
        assert_eq!(attribute(&html, "timer", "data-target").unwrap(), "300");
        assert!(html.contains("/ 5:00 target"));
        assert!(html.contains("<span id=\"question-target\">5:00</span> a question"));
        let timer = html.find("id=\"timer\"").unwrap();
        let clock = html.find("id=\"round-clock\"").unwrap();
        let fields = html.find("id=\"situation\"").unwrap();
        assert!(
            timer < clock && clock < fields,
            "the clock sits in the timer bar"
        );

        // A reload goes on: the same end, and the question's timer from its draft.
        let question_id = round["round"]["questions"][0]["id"].as_i64().unwrap();
        let res = api
            .put(&format!("/api/v1/drafts/{question_id}"))
            .json(&json!({"situation": "Two teams, one slot.", "seconds_spent": 42}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        let again = app.page(&browser, &path).await;
        assert_eq!(
            attribute(&again, "round-clock", "data-ends"),
            attribute(&html, "round-clock", "data-ends")
        );
        assert_eq!(attribute(&again, "timer", "data-start").unwrap(), "42");

        // The summary measures each answer against the same target.
        let res = browser
            .post(app.url(&format!("{path}/answer/1")))
            .form(&[
                ("csrf_token", csrf_from(&again).as_str()),
                ("situation", "Two teams, one slot."),
                ("action", "I split the slot."),
                ("seconds_spent", "320"),
            ])
            .send()
            .await
            .unwrap();
        location(res);
        let summary = app.page(&browser, &format!("{path}/summary")).await;
        assert!(summary.contains("5:00 a question"), "{summary}");
        assert!(summary.contains("5:20 of 5:00 target"), "{summary}");
    }
);

on_both_databases!(
    an_autosaved_draft_on_a_mock_question_ends_up_in_the_rounds_answer,
    |app: TestApp| async move {
        let (api, browser) = learner(&app, "saver").await;
        let (path, id) = start_round(&app, &browser, "15").await;
        let round: Value = api.get_json(&format!("/api/v1/mock-interviews/{id}")).await;
        let question_id = round["round"]["questions"][0]["id"].as_i64().unwrap();

        // The form autosaves like the question page, with the recorder.
        let html = app.page(&browser, &path).await;
        assert_eq!(
            attribute(&html, "answer-form", "data-autosave").unwrap(),
            format!("/api/v1/drafts/{question_id}")
        );
        assert!(attribute(&html, "answer-form", "data-draft-key").is_some());
        assert_eq!(
            attribute(&html, "answer-form", "data-draft-revision").unwrap(),
            "0",
            "no draft yet"
        );
        assert_eq!(
            attribute(&html, "recorder", "data-upload").unwrap(),
            format!("/api/v1/drafts/{question_id}/recording")
        );
        assert!(html.contains("Say it aloud"));

        // What the script saved as the learner typed, and a recording, are
        // on the page after a reload.
        let typed = "We had two releases and one slot; I said \"let's measure\".";
        let res = api
            .put(&format!("/api/v1/drafts/{question_id}"))
            .json(&json!({"situation": typed, "action": "I compared the risk of each change.", "seconds_spent": 61}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        api.put(&format!(
            "/api/v1/drafts/{question_id}/recording?duration_ms=3000"
        ))
        .header("content-type", "audio/webm")
        .body(crate::rehearsal::webm(1500))
        .expect_status(201)
        .await;
        let html = app.page(&browser, &path).await;
        assert_eq!(textarea(&html, "situation"), typed);
        assert_eq!(
            textarea(&html, "action"),
            "I compared the risk of each change."
        );
        assert_ne!(
            attribute(&html, "answer-form", "data-draft-revision").unwrap(),
            "0"
        );
        assert!(html.contains(&format!("src=\"/api/v1/drafts/{question_id}/recording\"")));

        // The browser sends the fields as shown: the draft becomes the answer.
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf_from(&html)),
            (
                "started_at".into(),
                all_values(&html, "name=\"started_at\" value=\"")[0].clone(),
            ),
        ];
        for name in ["situation", "task", "action", "result", "reflection"] {
            form.push((name.into(), textarea(&html, name)));
        }
        let res = browser
            .post(app.url(&format!("{path}/answer/1")))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(location(res).ends_with("?after=1"));
        let summary: Value = api.get_json(&format!("/api/v1/mock-interviews/{id}")).await;
        let item = &summary["items"][0];
        assert_eq!(item["answer"]["situation"], typed);
        assert_eq!(
            item["answer"]["action"],
            "I compared the risk of each change."
        );
        let answer_id = item["answer_id"].as_i64().unwrap();
        let answer: Value = api.get_json(&format!("/api/v1/answers/{answer_id}")).await;
        assert_eq!(answer["situation"], typed);
        assert_eq!(answer["recording"]["bytes"], 1500, "{answer}");
        // The draft is used up.
        api.get(&format!("/api/v1/drafts/{question_id}"))
            .expect_status(404)
            .await;

        // An empty answer is refused on the page, which keeps the question.
        let html = app.page(&browser, &path).await;
        let res = browser
            .post(app.url(&format!("{path}/answer/2")))
            .form(&[("csrf_token", csrf_from(&html).as_str()), ("action", " ")])
            .expect_status(422)
            .await;
        let html = res.text().await.unwrap();
        assert!(html.contains("id=\"form-error\""));
        assert!(html.contains("<span id=\"position\">2</span>"));
    }
);

on_both_databases!(
    ending_the_round_needs_confirmation,
    |app: TestApp| async move {
        let (api, browser) = learner(&app, "ender").await;
        let (path, id) = start_round(&app, &browser, "15").await;
        let html = app.page(&browser, &path).await;
        let csrf = csrf_from(&html);
        // "End the round" is its own form, before the question, away from Answer.
        let finish = html.find("id=\"finish-form\"").unwrap();
        let prompt = html.find("id=\"prompt\"").unwrap();
        let answer_button = html.find("id=\"submit-answer\"").unwrap();
        assert!(finish < prompt && prompt < answer_button);
        let finish_form = &html[finish..finish + html[finish..].find("</form>").unwrap()];
        assert!(finish_form.contains("name=\"confirm\" value=\"\""));
        assert!(!finish_form.contains("submit-answer"));

        let finished = |api: &ApiUser| {
            let path = format!("/api/v1/mock-interviews/{id}");
            let get = api.get(&path);
            async move {
                let v: Value = get.send().await.unwrap().json().await.unwrap();
                !v["round"]["finished_at"].is_null()
            }
        };
        // Pressed once: a page asks, and the round goes on.
        let res = browser
            .post(app.url(&format!("{path}/finish")))
            .form(&[("csrf_token", csrf.as_str()), ("confirm", "")])
            .expect_status(200)
            .await;
        let asked = res.text().await.unwrap();
        assert!(asked.contains("End the round now?"));
        assert!(asked.contains("You have answered 0 of 3 questions"));
        assert!(asked.contains("id=\"confirm-finish\""));
        assert!(asked.contains(&format!("href=\"{path}\" id=\"keep-going\"")));
        assert!(!finished(&api).await, "ended without confirmation");
        // The same page by link, and a forged confirmation: nothing ends.
        assert!(app
            .page(&browser, &format!("{path}/finish"))
            .await
            .contains("Yes, end the round"));
        browser
            .post(app.url(&format!("{path}/finish")))
            .form(&[("csrf_token", "forged"), ("confirm", "yes")])
            .expect_status(403)
            .await;
        assert!(!finished(&api).await);
        let html = app.page(&browser, &path).await;
        assert!(html.contains("<span id=\"position\">1</span>"));

        // Confirmed: the round ends and the summary follows.
        let res = browser
            .post(app.url(&format!("{path}/finish")))
            .form(&[
                ("csrf_token", csrf_from(&asked).as_str()),
                ("confirm", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert!(location(res).ends_with(&format!("{path}/summary")));
        assert!(finished(&api).await);
        assert!(location(browser.get(app.url(&path)).send().await.unwrap()).ends_with("/summary"));
    }
);

on_both_databases!(
    the_summary_shows_answers_hints_and_intervals,
    |app: TestApp| async move {
        let (api, browser) = learner(&app, "summer").await;
        let (path, id) = start_round(&app, &browser, "15").await;
        let html = app.page(&browser, &path).await;
        let csrf = csrf_from(&html);
        // A short answer told as "we": the analysis has hints about it.
        let res = browser
            .post(app.url(&format!("{path}/answer/1")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("situation", "We had a <tight> deadline."),
                ("action", "We worked late and we shipped."),
                ("seconds_spent", "75"),
            ])
            .send()
            .await
            .unwrap();
        location(res);
        let res = browser
            .post(app.url(&format!("{path}/finish")))
            .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
            .send()
            .await
            .unwrap();
        location(res);

        let summary: Value = api.get_json(&format!("/api/v1/mock-interviews/{id}")).await;
        let hints = summary["items"][0]["hints"].as_array().unwrap();
        assert!(!hints.is_empty(), "{summary}");
        assert_eq!(
            summary["items"][0]["analysis"]["hints"],
            summary["items"][0]["hints"]
        );

        let page = app.page(&browser, &format!("{path}/summary")).await;
        let item = page.split("id=\"q1\"").nth(1).unwrap();
        let item = &item[..item.find("id=\"q2\"").unwrap()];
        // The answer's text (escaped), its hints, and the grade buttons beside them.
        assert!(item.contains("We had a &lt;tight&gt; deadline."), "{item}");
        assert!(item.contains("We worked late and we shipped."));
        assert!(item.contains("id=\"analysis-1\""));
        for hint in hints {
            let message = hint["message"]
                .as_str()
                .unwrap()
                .replace('"', "&quot;")
                .replace('\'', "&#x27;");
            assert!(item.contains(&message), "hint {message:?} missing: {item}");
        }
        let analysis = item.find("id=\"analysis-1\"").unwrap();
        let buttons = item.find("id=\"grade-1\"").unwrap();
        assert!(analysis < buttons);
        // The intervals are the card's, as the review page shows them.
        let shown = intervals(item);
        assert_eq!(shown.len(), 4, "{item}");
        assert!(shown.iter().all(|i| !i.is_empty()));
        let card_id = summary["items"][0]["card_id"].as_i64().unwrap();
        let card: Value = api.get_json(&format!("/api/v1/cards/{card_id}")).await;
        let expected: Vec<String> = ["again", "hard", "good", "easy"]
            .iter()
            .map(|r| card["intervals"][r].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(shown, expected);
        // Questions not answered show no buttons.
        assert!(!page.contains("id=\"grade-2\""));
        assert!(page
            .split("id=\"q2\"")
            .nth(1)
            .unwrap()
            .contains("not answered"));

        // Graded: the grade and the next review replace the buttons.
        let res = browser
            .post(app.url(&format!("{path}/grade/1")))
            .form(&[("csrf_token", csrf.as_str()), ("rating", "good")])
            .send()
            .await
            .unwrap();
        location(res);
        let page = app.page(&browser, &format!("{path}/summary")).await;
        assert!(page.contains("id=\"graded-1\""));
        assert!(intervals(&page).is_empty());
    }
);

/// A coach and a linked learner; the learner's answer (self-reviewed with
/// `ticks` of its checklist ids); returns the answer id and the checklist ids.
async fn reviewed_answer(coach: &ApiUser, learner: &ApiUser, ticks: &[usize]) -> (i64, Vec<i64>) {
    let code = invite_code(coach).await;
    assert_eq!(join(learner, &code).await.status(), 201);
    let (answer_id, rubric) = learner.answer_next().await;
    let checked: Vec<i64> = ticks.iter().map(|&i| rubric[i]).collect();
    learner
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": checked}))
        .expect_status(201)
        .await;
    (answer_id, rubric)
}

on_both_databases!(
    the_coach_review_names_the_learner_and_follows_the_learners_checklist,
    |app: TestApp| async move {
        let coach = app.coach_user("sidecoach").await;
        let learner = app.api_user("sidelearner").await;
        let (answer_id, rubric) = reviewed_answer(&coach, &learner, &[0, 2]).await;
        let learner_page = app.browser_as("sidelearner").await;
        let coach_page = app.browser_as("sidecoach").await;

        let review = app
            .page(&coach_page, &format!("/coaching/review/{answer_id}"))
            .await;
        assert!(
            review.contains("answer by <strong id=\"learner\">sidelearner</strong>"),
            "{review}"
        );
        assert!(review.contains("<title>Review sidelearner's answer"));
        // The learner's order: the self-review page's checkboxes, in order.
        let own = app
            .page(&learner_page, &format!("/answers/{answer_id}/review"))
            .await;
        let learner_order = all_values(&own, "name=\"checked\" value=\"");
        let coach_order = all_values(&review, "name=\"checked\" value=\"");
        assert_eq!(coach_order, learner_order);
        assert_eq!(
            coach_order,
            rubric.iter().map(|r| r.to_string()).collect::<Vec<_>>()
        );
        // The same two groups as the learner's page.
        let star = review.find("<legend>STAR checklist</legend>").unwrap();
        let own_items = review.find("<legend>This question</legend>").unwrap();
        assert!(star < own_items);
        // Each item's comment is a textarea right after its checkbox.
        assert!(!review.contains("<input name=\"note_"));
        for id in &coach_order {
            let at = review
                .find(&format!("name=\"checked\" value=\"{id}\""))
                .unwrap();
            let rest = &review[at..];
            let next_box = rest[1..]
                .find("name=\"checked\"")
                .map_or(rest.len(), |n| n + 1);
            assert!(
                rest[..next_box].contains(&format!("<textarea name=\"note_{id}\"")),
                "no comment box beside item {id}"
            );
        }
        // And what the learner ticked is shown beside each item.
        let first = &review[review.find(&format!("value=\"{}\"", rubric[0])).unwrap()..];
        assert!(first[..first.find("</label>").unwrap()].contains("sidelearner: ticked"));
        let second = &review[review.find(&format!("value=\"{}\"", rubric[1])).unwrap()..];
        assert!(second[..second.find("</label>").unwrap()].contains("sidelearner: not ticked"));

        // A comment over several lines keeps its lines.
        let note = "Name the date.\nAnd the size of the team.";
        coach_page
            .post(app.url(&format!("/coaching/review/{answer_id}")))
            .form(&[
                ("csrf_token", csrf_from(&review).as_str()),
                ("checked", rubric[0].to_string().as_str()),
                ("checked", rubric[1].to_string().as_str()),
                (format!("note_{}", rubric[0]).as_str(), note),
                ("comment", "Clear overall."),
            ])
            .expect_status(303)
            .await;
        let review = app
            .page(&coach_page, &format!("/coaching/review/{answer_id}"))
            .await;
        assert!(review.contains(&format!(
            "<textarea name=\"note_{}\" id=\"note-{}\" rows=\"2\"",
            rubric[0], rubric[0]
        )));
        assert!(review.contains("Name the date.\nAnd the size of the team.</textarea>"));
    }
);

on_both_databases!(
    the_attempt_page_shows_both_ticks_per_item_with_the_coachs_comment,
    |app: TestApp| async move {
        let coach = app.coach_user("bothcoach").await;
        let learner = app.api_user("bothlearner").await;
        // The learner ticks items 0 and 2; the coach 0 and 1, commenting on 1.
        let (answer_id, rubric) = reviewed_answer(&coach, &learner, &[0, 2]).await;
        coach
            .post(&format!("/api/v1/answers/{answer_id}/reviews"))
            .json(&json!({
                "checked": [rubric[0], rubric[1]],
                "comment": "Good start",
                "item_comments": [{"rubric_item_id": rubric[1], "comment": "Say <what> you decided"}]
            }))
            .expect_status(201)
            .await;
        let learner_page = app.browser_as("bothlearner").await;
        let page = app
            .page(&learner_page, &format!("/answers/{answer_id}"))
            .await;
        let table = page
            .split("id=\"side-by-side-1\"")
            .nth(1)
            .expect("a side-by-side table");
        let table = &table[..table.find("</table>").unwrap()];
        assert!(table.contains("<th scope=\"col\" role=\"columnheader\">You</th>"));
        assert!(table.contains("<th scope=\"col\" role=\"columnheader\">bothcoach</th>"));
        let rows: Vec<&str> = table.split("<tr role=\"row\"").skip(2).collect();
        assert_eq!(rows.len(), rubric.len(), "one row per checklist item");
        let cell = |row: &str, class: &str| -> String {
            let at = row.find(&format!("class=\"{class} ")).unwrap() + class.len() + 8;
            row[at..].split('"').next().unwrap().to_owned()
        };
        let expect = [("met", "met"), ("missed", "met"), ("met", "missed")];
        for (n, (mine, coach_tick)) in expect.iter().enumerate() {
            assert_eq!(cell(rows[n], "sbs-mine"), *mine, "row {n}: {}", rows[n]);
            assert_eq!(
                cell(rows[n], "sbs-coach"),
                *coach_tick,
                "row {n}: {}",
                rows[n]
            );
        }
        for row in &rows[3..] {
            assert_eq!(cell(row, "sbs-mine"), "missed");
            assert_eq!(cell(row, "sbs-coach"), "missed");
        }
        // The coach's comment sits in the row of its item, escaped.
        assert!(rows[1].contains("Say &lt;what&gt; you decided"));
        assert!(rows
            .iter()
            .enumerate()
            .all(|(n, r)| n == 1 || !r.contains("Say &lt;what")));
        assert!(page.contains("Good start"));
        // The rows follow the learner's checklist, item texts included.
        let texts: Vec<String> = rows
            .iter()
            .map(|r| {
                let from = r.find("class=\"sbs-item\">").unwrap() + "class=\"sbs-item\">".len();
                r[from..from + r[from..].find("</th>").unwrap()].to_owned()
            })
            .collect();
        let review = app
            .page(&learner_page, &format!("/answers/{answer_id}/review"))
            .await;
        let mut last = 0;
        for text in &texts {
            let at = review
                .find(&format!("<span>{text}"))
                .unwrap_or_else(|| panic!("{text} not on the review page"));
            assert!(at > last, "{text} out of order");
            last = at;
        }

        // Before the learner's self-review: "not reviewed" in the You column.
        let other = app.api_user("bothlate").await;
        let code = invite_code(&coach).await;
        assert_eq!(join(&other, &code).await.status(), 201);
        let card = other.next().await.unwrap();
        let late = other.answer(card["question"]["id"].as_i64().unwrap()).await;
        let late_id = late["id"].as_i64().unwrap();
        coach
            .post(&format!("/api/v1/answers/{late_id}/reviews"))
            .json(&json!({"checked": [], "comment": "Try again"}))
            .expect_status(201)
            .await;
        let late_page = app.browser_as("bothlate").await;
        let page = app.page(&late_page, &format!("/answers/{late_id}")).await;
        assert!(page.contains("class=\"sbs-mine none\""));
        assert!(page.contains("not reviewed"));
    }
);
