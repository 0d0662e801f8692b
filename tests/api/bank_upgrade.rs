//! Upgrading the default bank (v1 → the one in `question-bank/`) keeps every
//! learner's cards, answers, reviews and review log: questions are matched by
//! id, reworked in place, and the ones merged away are retired, never deleted.

use super::*;
use sea_orm::{EntityTrait, PaginatorTrait, TransactionTrait};
use starling::entities::{answer, card, question, review, review_item, review_log};
use std::collections::BTreeMap;

/// The default bank as it shipped before v2, kept as a fixture.
const V1: &str = include_str!("../data/management-core-v1.toml");

/// The v1 questions v2 merged into others (and so retires).
const MERGED: [&str; 4] = [
    "underperformance-covering-gap",
    "self-growth-investing-in-yourself",
    "leading-peers-confidential-information",
    "budget-tool-worth-cost",
];

/// Everything a learner's history is made of, by row counts, plus which
/// question (by its stable id) each card belongs to.
#[derive(Debug, PartialEq)]
struct History {
    cards: u64,
    answers: u64,
    reviews: u64,
    ticks: u64,
    log: u64,
    card_questions: BTreeMap<i32, String>,
    answer_questions: BTreeMap<i32, String>,
}

async fn history(app: &TestApp) -> History {
    let keys: BTreeMap<i32, String> = question::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| (q.id, q.key))
        .collect();
    let cards = card::Entity::find().all(&app.db).await.unwrap();
    let answers = answer::Entity::find().all(&app.db).await.unwrap();
    History {
        cards: cards.len() as u64,
        answers: answers.len() as u64,
        reviews: review::Entity::find().count(&app.db).await.unwrap(),
        ticks: review_item::Entity::find().count(&app.db).await.unwrap(),
        log: review_log::Entity::find().count(&app.db).await.unwrap(),
        card_questions: cards
            .iter()
            .map(|c| (c.id, keys[&c.question_id].clone()))
            .collect(),
        answer_questions: answers
            .iter()
            .map(|a| (a.id, keys[&a.question_id].clone()))
            .collect(),
    }
}

async fn load(app: &TestApp, source: &str) -> starling::store::banks::ImportReport {
    let parsed = starling_domain::bank::parse_toml(source, &Default::default())
        .unwrap_or_else(|errors| panic!("{errors}"));
    let txn = app.db.begin().await.unwrap();
    let report = starling::store::banks::load_bank(&txn, &parsed, None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    report
}

/// The numeric id of the question whose stable id is `key`.
async fn question_id(user: &ApiUser, key: &str) -> i64 {
    let all: Vec<Value> = user
        .get_json("/api/v1/questions?bank=management-core")
        .await;
    all.iter()
        .find(|q| q["key"] == key)
        .unwrap_or_else(|| panic!("question {key} is listed"))["id"]
        .as_i64()
        .unwrap()
}

/// Answers, self-reviews (ticking every other item) and grades `n` questions.
async fn practise(user: &ApiUser, n: usize) -> Vec<i64> {
    let mut answers = Vec::new();
    for _ in 0..n {
        let card = user.next().await.expect("a question to practise");
        let question = card["question"]["id"].as_i64().unwrap();
        let ticked: Vec<i64> = card["question"]["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .step_by(2)
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let answer = user.answer(question).await["id"].as_i64().unwrap();
        let res = user
            .post(&format!("/api/v1/answers/{answer}/reviews"))
            .json(&json!({"checked": ticked, "comment": "My own review."}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let card_id = card["card_id"].as_i64().unwrap();
        let res = user.grade(card_id, "good", Some(answer)).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        answers.push(answer);
    }
    answers
}

async fn upgrade_keeps_history(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| config.load_default_bank = false).await
    else {
        return;
    };
    let report = load(&app, V1).await;
    assert_eq!(report.counts.added, 68, "{:?}", report.counts);

    let ada = app.api_user("ada").await;
    let res = ada
        .patch("/api/v1/me")
        .json(&json!({"new_per_day": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let mut answers: Vec<(&ApiUser, i64)> = Vec::new();
    for answer in practise(&ada, 12).await {
        answers.push((&ada, answer));
    }
    // History on each question v2 retires, too.
    for key in MERGED {
        let id = question_id(&ada, key).await;
        answers.push((&ada, ada.answer(id).await["id"].as_i64().unwrap()));
    }

    // A second learner whose answers a coach has reviewed.
    let ben = app.api_user("ben").await;
    let coach = app.coach_user("cora").await;
    ben.join_coach(&coach).await;
    for answer in practise(&ben, 4).await {
        let res = coach
            .post(&format!("/api/v1/answers/{answer}/reviews"))
            .json(&json!({"checked": [], "comment": "Name the date you agreed."}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        answers.push((&ben, answer));
    }

    let before = history(&app).await;
    assert!(
        before.cards >= 16 && before.log >= 16 && before.ticks > 0,
        "{before:?}"
    );
    let mut shown = Vec::new();
    for &(who, answer) in &answers {
        let json: Value = who.get_json(&format!("/api/v1/answers/{answer}")).await;
        shown.push(json["reviews"].clone());
    }

    // The upgrade: the embedded bank, loaded as the server loads it at start.
    starling::store::banks::load_default_banks(&app.db)
        .await
        .unwrap();
    let after = history(&app).await;
    assert_eq!(
        before, after,
        "no card, answer, review or log row changed hands"
    );

    // Every v1 question is still there under its id; only the merged ones retired.
    let v1 = starling_domain::bank::parse_toml(V1, &Default::default()).unwrap();
    let stored: BTreeMap<String, bool> = question::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|q| (q.key, q.retired))
        .collect();
    for q in &v1.questions {
        let retired = stored[&q.id];
        assert_eq!(
            retired,
            MERGED.contains(&q.id.as_str()),
            "{} retired: {retired}",
            q.id
        );
    }

    // The learners see their answers and the reviews on them as before.
    for (i, &(who, answer)) in answers.iter().enumerate() {
        let res = who
            .get(&format!("/api/v1/answers/{answer}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "answer {answer}");
        let json: Value = res.json().await.unwrap();
        assert_eq!(json["reviews"], shown[i], "reviews of answer {answer}");
    }
    // And practice goes on from the same cards.
    let card = ada.next().await.expect("practice goes on");
    assert!(card["question"]["rubric"].as_array().unwrap().len() >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_the_default_bank_keeps_history_on_sqlite() {
    upgrade_keeps_history(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_the_default_bank_keeps_history_on_postgres() {
    upgrade_keeps_history(Backend::Postgres).await;
}
