//! Practice latency benchmark client (run by `bench/practice-latency`): fills
//! a Starling database with 1,000 users, one of them holding 10,000 cards,
//! and 1,000,000 review-log rows, then times `GET /api/v1/practice/next` and
//! grading over loopback against `GET /healthz` as the floor, and prints the
//! query plans of the practice queue's queries.
//!
//! Usage: latency DATABASE_URL BASE_URL  (sizes from USERS, CARDS, LOGS, REQUESTS)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod throughput;

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, FromQueryResult, JsonValue,
    Statement, TransactionTrait,
};
use serde_json::{json, Value};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn exec(db: &impl ConnectionTrait, sql: String) {
    db.execute_unprepared(&sql)
        .await
        .unwrap_or_else(|err| panic!("{err}: {}", &sql[..sql.len().min(300)]));
}

/// Inserts rows in chunks, each chunk one statement, all in one transaction
/// (on one connection: a `BEGIN` sent through the pool may go to another
/// connection than the inserts, leaving them uncommitted and invisible).
async fn insert_rows(
    db: &DatabaseConnection,
    head: &str,
    rows: impl Iterator<Item = String>,
) -> usize {
    let mut count = 0;
    let mut chunk: Vec<String> = Vec::with_capacity(1000);
    let txn = db.begin().await.unwrap();
    for row in rows {
        chunk.push(row);
        count += 1;
        if chunk.len() == 1000 {
            exec(&txn, format!("{head} VALUES {}", chunk.join(","))).await;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        exec(&txn, format!("{head} VALUES {}", chunk.join(","))).await;
    }
    txn.commit().await.unwrap();
    count
}

fn ts(at: chrono::DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// The `id` column of every row `sql` selects.
async fn ids(db: &DatabaseConnection, sql: &str) -> Vec<i64> {
    JsonValue::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .all(db)
    .await
    .unwrap()
    .iter()
    .map(|r| r["id"].as_i64().unwrap())
    .collect()
}

async fn seed(
    db: &DatabaseConnection,
    measured_user: i64,
    users: usize,
    cards: usize,
    logs: usize,
) {
    let started = Instant::now();
    let backend = db.get_database_backend();
    let question_ids = ids(
        db,
        "SELECT id FROM questions WHERE retired = false ORDER BY id",
    )
    .await;
    assert!(
        question_ids.len() >= cards,
        "need {cards} questions, have {}",
        question_ids.len()
    );
    let now = Utc::now();
    let others = users.saturating_sub(1);
    insert_rows(
        db,
        "INSERT INTO users (username, password_hash, role, time_zone, new_per_day, reviews_per_day, desired_retention, created_at)",
        (0..others).map(|n| format!("('bench{n:05}', 'x', 'learner', 'UTC', 5, 100, 0.9, '{}')", ts(now))),
    )
    .await;
    let user_ids = ids(
        db,
        "SELECT id FROM users WHERE username LIKE 'bench%' ORDER BY id",
    )
    .await;
    // The measured user: `cards` cards, a tenth due, the rest ahead.
    let per_other = env_number("OTHER_CARDS", 100).min(question_ids.len());
    let card_rows = |user: i64, count: usize, due_share: usize| {
        let questions = question_ids.clone();
        (0..count).map(move |i| {
            let due = if i % due_share == 0 {
                now - chrono::Duration::hours(1 + (i % 500) as i64)
            } else {
                now + chrono::Duration::days(1 + (i % 300) as i64)
            };
            format!(
                "({user}, {q}, 'review', '{due}', {s}, 5.0, '{last}', 5, 0, 10, '{created}')",
                q = questions[i],
                due = ts(due),
                s = 5.0 + (i % 50) as f64,
                last = ts(now - chrono::Duration::days(10)),
                created = ts(now - chrono::Duration::days(100)),
            )
        })
    };
    // A daily review limit high enough for every measured grade.
    exec(
        db,
        format!("UPDATE users SET reviews_per_day = 10000 WHERE id = {measured_user}"),
    )
    .await;
    let head = "INSERT INTO cards (user_id, question_id, state, due, stability, difficulty, last_review, reps, lapses, scheduled_days, created_at)";
    insert_rows(db, head, card_rows(measured_user, cards, 10)).await;
    for &user in &user_ids {
        insert_rows(db, head, card_rows(user, per_other, 10)).await;
    }
    let card_ids: Vec<(i64, i64)> = JsonValue::find_by_statement(Statement::from_string(
        backend,
        "SELECT id, user_id FROM cards ORDER BY id".to_owned(),
    ))
    .all(db)
    .await
    .unwrap()
    .iter()
    .map(|r| (r["id"].as_i64().unwrap(), r["user_id"].as_i64().unwrap()))
    .collect();
    // Review logs spread over every card, the oldest first.
    let written = insert_rows(
        db,
        "INSERT INTO review_logs (card_id, user_id, rating, state_before, elapsed_days, scheduled_days, stability, difficulty, due, reviewed_at)",
        (0..logs).map(|n| {
            let (card, user) = card_ids[n % card_ids.len()];
            let at = now - chrono::Duration::minutes((logs - n) as i64 % (365 * 24 * 60));
            format!(
                "({card}, {user}, {rating}, 'review', 3, 5, 10.0, 5.0, '{due}', '{at}')",
                rating = 1 + (n % 4),
                due = ts(at + chrono::Duration::days(5)),
                at = ts(at),
            )
        }),
    )
    .await;
    exec(db, "ANALYZE".to_owned()).await;
    println!(
        "seeded: {} users, {} cards ({} for the measured user), {} review-log rows in {:.1} s",
        user_ids.len() + 1,
        card_ids.len(),
        cards,
        written,
        started.elapsed().as_secs_f64()
    );
}

struct Timings(Vec<Duration>);

impl Timings {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1000.0
    }
    fn line(&self, label: &str, goal_ms: Option<f64>) -> bool {
        let p99 = self.percentile(0.99);
        let verdict = match goal_ms {
            Some(goal) if p99 < goal => format!("ok (goal: p99 under {goal} ms)"),
            Some(goal) => format!("OVER the goal of p99 under {goal} ms"),
            None => "(baseline)".to_owned(),
        };
        println!(
            "{label:<34} n={:<5} p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  {verdict}",
            self.0.len(),
            self.percentile(0.5),
            self.percentile(0.9),
            p99,
            self.percentile(1.0)
        );
        goal_ms.is_none_or(|goal| p99 < goal)
    }
}

async fn plans(db: &DatabaseConnection, user: i64) {
    let backend = db.get_database_backend();
    let now = ts(Utc::now());
    let queries = [
        ("next: a due review card", format!(
            "SELECT * FROM cards WHERE user_id = {user} AND suspended = false AND (buried_until IS NULL OR buried_until <= '{now}') \
             AND EXISTS (SELECT 1 FROM questions WHERE questions.id = cards.question_id AND bank_id IN (1, 2) AND retired = false) \
             AND state = 'review' AND due <= '{now}' ORDER BY due, id LIMIT 1")),
        ("next: reviews graded today", format!(
            "SELECT COUNT(*) FROM review_logs WHERE user_id = {user} AND reviewed_at >= '{now}' AND undone_at IS NULL AND state_before = 'review'")),
        ("grade: leech count of a card", "SELECT COUNT(*) FROM review_logs WHERE card_id = 1 AND rating = 1 AND undone_at IS NULL".to_owned()),
        ("grade: the answer's earlier grade", "SELECT * FROM review_logs WHERE answer_id = 1".to_owned()),
        ("answer: the last attempt", format!(
            "SELECT * FROM answers WHERE user_id = {user} AND question_id = 1 ORDER BY attempt DESC LIMIT 1")),
    ];
    for (label, sql) in queries {
        let explain = match backend {
            DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            _ => format!("EXPLAIN {sql}"),
        };
        let rows = JsonValue::find_by_statement(Statement::from_string(backend, explain))
            .all(db)
            .await
            .unwrap();
        println!("plan, {label}:");
        for row in rows {
            let text = row
                .get("detail")
                .or_else(|| row.get("QUERY PLAN"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            println!("    {text}");
        }
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(database_url), Some(base)) = (args.next(), args.next()) else {
        eprintln!("usage: latency DATABASE_URL BASE_URL");
        std::process::exit(2);
    };
    let users = env_number("USERS", 1000);
    let cards = env_number("CARDS", 10_000);
    let logs = env_number("LOGS", 1_000_000);
    let requests = env_number("REQUESTS", 500);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"username": "measured", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "register: {}", res.text().await.unwrap());
    let user_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "measured", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let db = Database::connect(&database_url).await.unwrap();
    seed(&db, user_id, users, cards, logs).await;
    if std::env::var("MODE").as_deref() == Ok("throughput") {
        throughput::run(&base, &token).await;
        return;
    }

    let get = |path: &str| client.get(format!("{base}{path}")).bearer_auth(&token);
    // Warm up.
    for _ in 0..50 {
        get("/healthz").send().await.unwrap();
        get("/api/v1/practice/next").send().await.unwrap();
    }
    let mut floor = Timings(Vec::new());
    let mut next = Timings(Vec::new());
    for _ in 0..requests {
        let t = Instant::now();
        assert_eq!(get("/healthz").send().await.unwrap().status(), 200);
        floor.0.push(t.elapsed());
        let t = Instant::now();
        let res = get("/api/v1/practice/next").send().await.unwrap();
        next.0.push(t.elapsed());
        assert_eq!(res.status(), 200);
    }
    let mut answer = Timings(Vec::new());
    let mut grade = Timings(Vec::new());
    for _ in 0..requests.min(300) {
        let card: Value = get("/api/v1/practice/next")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let t = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/answers"))
            .bearer_auth(&token)
            .json(&json!({"question_id": card["question"]["id"], "action": "I measured it.", "seconds_spent": 60}))
            .send()
            .await
            .unwrap();
        answer.0.push(t.elapsed());
        assert_eq!(res.status(), 201);
        let answer_id = res.json::<Value>().await.unwrap()["id"].clone();
        let t = Instant::now();
        let res = client
            .post(format!("{base}/api/v1/cards/{}/grade", card["card_id"]))
            .bearer_auth(&token)
            .json(&json!({"rating": "good", "answer_id": answer_id}))
            .send()
            .await
            .unwrap();
        grade.0.push(t.elapsed());
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    floor.line("GET /healthz (floor)", None);
    let ok = [
        next.line("GET /api/v1/practice/next", Some(10.0)),
        answer.line("POST /api/v1/answers", Some(10.0)),
        grade.line("POST /api/v1/cards/{id}/grade", Some(10.0)),
    ];
    plans(&db, user_id).await;
    if ok.contains(&false) {
        std::process::exit(1);
    }
}
