//! A question's red flags (what a weak answer to it shows): imported from a
//! bank, returned with the question by the API, written by every export, and
//! listed under "Watch out for" on the self-review and the coach's review.

use super::*;

const BANK: &str = r#"
[bank]
id = "red-flags"
title = "Red flags"

[[competency]]
id = "feedback"
name = "Feedback"

[[question]]
id = "late-reviews"
competency = "feedback"
prompt = "Tell me about a time a colleague's code reviews were always late."
follow_ups = ["What did you say first?"]
rubric = ["Names the effect on the team"]
red_flags = ["Blames the person and describes no action of their own", "<b>Waits</b> & hopes", "  blames THE person and describes no action of their own "]

[[question]]
id = "no-flags"
competency = "feedback"
prompt = "Describe feedback you gave to your own manager."
rubric = ["Chooses the right moment and place"]
"#;

/// The red flags the question has once stored: the third repeats the first
/// (case and spacing aside) and is stored once, as a repeated rubric item is.
const STORED: [&str; 2] = [
    "Blames the person and describes no action of their own",
    "<b>Waits</b> & hopes",
];

async fn import(user: &ApiUser, query: &str, body: &str) -> Value {
    let res = user
        .post(&format!("/api/v1/banks?{query}"))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

fn counts(report: &Value) -> [i64; 4] {
    ["added", "updated", "unchanged", "retired"].map(|key| report[key].as_i64().unwrap())
}

/// Practise only the red-flags bank, so that `/practice/next` draws from it.
async fn practise_only_this_bank(user: &ApiUser) {
    for (bank, practise) in [("management-core", false), ("red-flags", true)] {
        user.put(&format!("/api/v1/banks/{bank}/selection"))
            .json(&json!({"practise": practise}))
            .expect_status(200)
            .await;
    }
}

on_both_databases!(
    red_flags_are_imported_returned_and_exported,
    |app: TestApp| async move {
        let user = app.api_user("rafa").await;
        assert_eq!(
            counts(&import(&user, "format=toml", BANK).await),
            [2, 0, 0, 0]
        );

        let questions: Vec<Value> = user.get_json("/api/v1/questions?bank=red-flags").await;
        assert_eq!(questions[0]["red_flags"], json!(STORED));
        assert_eq!(questions[1]["red_flags"], json!([]));

        practise_only_this_bank(&user).await;
        let mut seen = 0;
        while let Some(card) = user.next().await {
            let question = &card["question"];
            let expected = if question["key"] == "late-reviews" {
                json!(STORED)
            } else {
                json!([])
            };
            assert_eq!(question["red_flags"], expected, "{question}");
            user.grade(card["card_id"].as_i64().unwrap(), "good", None)
                .await;
            seen += 1;
        }
        assert_eq!(seen, 2);

        // Only a red flag changes: one question updated, in place.
        let edited = BANK.replace("& hopes", "& hopes it passes");
        assert_eq!(
            counts(&import(&user, "format=toml", &edited).await),
            [0, 1, 1, 0]
        );
        let after: Vec<Value> = user.get_json("/api/v1/questions?bank=red-flags").await;
        assert_eq!(after[0]["id"], questions[0]["id"]);
        assert_eq!(after[0]["red_flags"][1], "<b>Waits</b> & hopes it passes");
        assert_eq!(
            counts(&import(&user, "format=toml", &edited).await),
            [0, 0, 2, 0]
        );

        // Every export carries them, and imports back unchanged.
        for format in ["toml", "json", "yaml", "csv", "tsv", "md", "txt"] {
            let res = user
                .get(&format!("/api/v1/banks/red-flags/export?format={format}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{format}");
            let file = res.text().await.unwrap();
            assert!(file.contains(STORED[0]), "{format}: {file}");
            assert_eq!(
                file.matches(STORED[0]).count(),
                1,
                "{format}: the repeat is not stored: {file}"
            );
            let query = format!("format={format}&dry_run=true&bank_id=red-flags&title=Red%20flags");
            assert_eq!(
                counts(&import(&user, &query, &file).await),
                [0, 0, 2, 0],
                "{format} round trip: {file}"
            );
        }
    }
);

on_both_databases!(
    review_pages_list_red_flags_escaped,
    |app: TestApp| async move {
        let coach = app.coach_user("flagcoach").await;
        let learner = app.api_user("flaglearner").await;
        learner.join_coach(&coach).await;
        import(&learner, "format=toml", BANK).await;
        practise_only_this_bank(&learner).await;
        // Each answer has its card, graded apart from it: the review offers the grades.
        let mut answers = std::collections::HashMap::new();
        while let Some(card) = learner.next().await {
            let answer = learner
                .answer(card["question"]["id"].as_i64().unwrap())
                .await;
            let key = card["question"]["key"].as_str().unwrap().to_owned();
            answers.insert(key, answer);
            learner
                .grade(card["card_id"].as_i64().unwrap(), "good", None)
                .await;
        }
        let (flagged, plain) = (&answers["late-reviews"], &answers["no-flags"]);

        let escaped = "<li>&lt;b&gt;Waits&lt;&#x2f;b&gt; &amp; hopes</li>";
        let browser = app.browser_as("flaglearner").await;
        let review = app
            .page(&browser, &format!("/answers/{}/review", flagged["id"]))
            .await;
        assert!(review.contains("<h2 id=\"red-flags-heading\">Watch out for</h2>"));
        assert!(review.contains(escaped), "{review}");
        assert!(!review.contains("<b>Waits</b>"), "escaped: {review}");
        // After the question's checklist, before the grade buttons.
        let heading = review.find("Watch out for").unwrap();
        assert!(review.find("<legend>This question</legend>").unwrap() < heading);
        assert!(heading < review.find("id=\"grade-good\"").unwrap());
        let review = app
            .page(&browser, &format!("/answers/{}/review", plain["id"]))
            .await;
        assert!(!review.contains("Watch out for"), "no red flags, no list");

        let coach_browser = app.browser_as("flagcoach").await;
        let page = app
            .page(
                &coach_browser,
                &format!("/coaching/review/{}", flagged["id"]),
            )
            .await;
        assert!(page.contains("Watch out for"), "{page}");
        assert!(page.contains(escaped), "{page}");
        let page = app
            .page(&coach_browser, &format!("/coaching/review/{}", plain["id"]))
            .await;
        assert!(page.contains("id=\"coach-review-form\""), "{page}");
        assert!(!page.contains("Watch out for"));
    }
);
