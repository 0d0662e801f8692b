//! Operations: readiness, metrics, request ids, `starling backup`, no
//! acknowledged write lost to `kill -9`, and two instances on one database
//! driving one learner's practice alternately.

use super::*;
use crate::banks::starling_binary;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, FromQueryResult, JsonValue, Statement};

on_both_databases!(
    readiness_metrics_and_request_ids,
    |app: TestApp| async move {
        let client = app.client();
        let res = client.get(app.url("/readyz")).expect_status(200).await;
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "ready");

        let user = app.api_user("opal").await;
        user.get("/api/v1/practice/next").send().await.unwrap();
        let res = client
            .get(app.url("/healthz"))
            .header("x-request-id", "proxy-id-123")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-request-id"], "proxy-id-123");
        let res = client
            .get(app.url("/healthz"))
            .header("x-request-id", "bad id <script>")
            .send()
            .await
            .unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id.len(), 16, "a fresh id replaces an unsafe one: {id}");

        let metrics = app.page(&client, "/metrics").await;
        assert!(metrics.contains(
        "starling_http_requests_total{method=\"GET\",route=\"/api/v1/practice/next\",status=\"200\"}"
    ), "{metrics}");
        assert!(metrics.contains("starling_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/practice/next\""));
        assert!(metrics.contains("starling_db_pool_connections{state=\"open\"}"));
        // Ids in paths are folded into their route pattern.
        user.get("/api/v1/cards/987654").send().await.unwrap();
        let metrics = app.page(&client, "/metrics").await;
        assert!(metrics.contains("route=\"/api/v1/cards/{id}\""));
        assert!(!metrics.contains("987654"));
    }
);

on_both_databases!(
    backup_copies_the_database_online,
    |app: TestApp| async move {
        let user = app.api_user("bert").await;
        let card = user.next().await.unwrap();
        user.answer(card["question"]["id"].as_i64().unwrap()).await;
        let dir =
            std::env::temp_dir().join(format!("starling-backup-{:08x}", rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("backup-{}.bin", rand::random::<u32>()));
        let run = |path: &std::path::Path| {
            std::process::Command::new(starling_binary())
                .args(["backup", path.to_str().unwrap()])
                .env("STARLING_DATABASE_URL", &app.database_url)
                .env("STARLING_LOG", "warn")
                .output()
                .unwrap()
        };
        let out = run(&path);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("backed up to"));
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        // Never overwrites.
        let again = run(&path);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
        match app.backend {
            Backend::Sqlite => {
                let copy =
                    sea_orm::Database::connect(format!("sqlite://{}?mode=ro", path.display()))
                        .await
                        .unwrap();
                let rows = JsonValue::find_by_statement(Statement::from_string(
                copy.get_database_backend(),
                "SELECT a.situation AS situation FROM answers a JOIN users u ON u.id = a.user_id WHERE u.username = 'bert'",
            ))
            .all(&copy)
            .await
            .unwrap();
                assert_eq!(rows.len(), 1);
                assert_eq!(rows[0]["situation"], answer_situation());
            }
            Backend::Postgres => {
                let listing = std::process::Command::new("pg_restore")
                    .arg("--list")
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(listing.status.success());
                let listing = String::from_utf8_lossy(&listing.stdout);
                assert!(listing.contains("TABLE DATA public answers"), "{listing}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
);

fn answer_situation() -> &'static str {
    "Our release train slipped twice in one quarter."
}

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real binary serving the test's database on `port`, once it is healthy.
async fn start_instance(app: &TestApp, port: u16) -> std::process::Child {
    let child = spawn_server(app, port);
    wait_healthy(&format!("http://127.0.0.1:{port}")).await;
    child
}

fn spawn_server(app: &TestApp, port: u16) -> std::process::Child {
    std::process::Command::new(starling_binary())
        .arg("serve")
        .env("STARLING_DATABASE_URL", &app.database_url)
        .env("STARLING_ADDR", format!("127.0.0.1:{port}"))
        .env("STARLING_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_healthy(base: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Ok(res) = reqwest::get(format!("{base}/healthz")).await {
            if res.status() == 200 {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{base} never became healthy"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

on_both_databases!(
    no_acknowledged_write_is_lost_to_kill_9,
    |app: TestApp| async move {
        let user = app.api_user("kim").await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start_instance(&app, port).await;
        let remote = user.at(&base);
        // A stream of answers and grades; everything acknowledged is remembered.
        let writer = tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut grades = Vec::new();
            loop {
                let Ok(res) = remote.get("/api/v1/practice/next").send().await else {
                    break;
                };
                if res.status() != 200 {
                    break;
                }
                let Ok(card) = res.json::<Value>().await else {
                    break;
                };
                let sent = remote
                .post("/api/v1/answers")
                .json(&json!({"question_id": card["question"]["id"], "action": "I kept writing.", "seconds_spent": 30}))
                .send()
                .await;
                let Ok(res) = sent else { break };
                if res.status() != 201 {
                    break;
                }
                let Ok(answer) = res.json::<Value>().await else {
                    break;
                };
                answers.push(answer["id"].as_i64().unwrap());
                let graded = remote
                    .post(&format!("/api/v1/cards/{}/grade", card["card_id"]))
                    .json(&json!({"rating": "again", "answer_id": answer["id"]}))
                    .send()
                    .await;
                match graded {
                    Ok(res) if res.status() == 200 => grades.push(answer["id"].as_i64().unwrap()),
                    _ => break,
                }
            }
            (answers, grades)
        });
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (answers, grades) = writer.await.unwrap();
        assert!(
            answers.len() >= 3,
            "the stream ran: {} answers",
            answers.len()
        );

        // Restarted on the same database: every acknowledged write is there.
        let mut child = start_instance(&app, port).await;
        let after = user.at(&base);
        for id in &answers {
            let res = after
                .get(&format!("/api/v1/answers/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                200,
                "answer {id} was acknowledged and is lost"
            );
        }
        for id in &grades {
            let shown: Value = after.get_json(&format!("/api/v1/answers/{id}")).await;
            assert_eq!(
                shown["grade"]["rating"], "again",
                "grade of answer {id} is lost"
            );
        }
        if app.backend == Backend::Sqlite {
            let check = JsonValue::find_by_statement(Statement::from_string(
                app.db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
            assert_eq!(check["integrity_check"], "ok");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
);

on_both_databases!(
    two_instances_on_one_database_agree,
    |app: TestApp| async move {
        let second = app.restart().await;
        let first = app.address.clone();
        let user = app.api_user("duo").await;
        let on = |base: &str| user.at(base);
        let (a, b) = (on(&first), on(&second));
        let mut seen = std::collections::HashSet::new();
        // Alternate every step between the instances.
        for round in 0..4 {
            let (one, other) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
            let card = one.next().await.unwrap();
            let card_id = card["card_id"].as_i64().unwrap();
            assert!(
                seen.insert(card_id),
                "a graded card was served again: {card_id}"
            );
            let answer = other.answer(card["question"]["id"].as_i64().unwrap()).await;
            let res = one.grade(card_id, "good", answer["id"].as_i64()).await;
            assert_eq!(res.status(), 200);
            // A retried grade through the other instance does not advance the card twice.
            let retried: Value = other
                .grade(card_id, "good", answer["id"].as_i64())
                .await
                .json()
                .await
                .unwrap();
            let shown: Value = other.get_json(&format!("/api/v1/cards/{card_id}")).await;
            assert_eq!(shown["reps"], 1);
            assert_eq!(retried["reps"], 1);
            let today_a: Value = a.get_json("/api/v1/practice/today").await;
            let today_b: Value = b.get_json("/api/v1/practice/today").await;
            assert_eq!(today_a, today_b);
            assert_eq!(today_a["done_today"], round + 1);
        }
        // A session and its CSRF token from one instance work on the other.
        let browser = app.registered_browser("dual").await;
        let html = browser
            .get(format!("{second}/settings"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_from(&html);
        browser
            .post(format!("{first}/stories"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", "Made across instances"),
            ])
            .expect_status(303)
            .await;
        let list = browser
            .get(format!("{second}/stories"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(list.contains("Made across instances"));
        // Login throttling is shared: failures on one count on the other.
        for base in [&first, &second, &first, &second, &first] {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/token"))
                .json(&json!({"username": "duo", "password": "wrong wrong wrong"}))
                .expect_status(401)
                .await;
        }
        reqwest::Client::new()
            .post(format!("{second}/api/v1/auth/token"))
            .json(&json!({"username": "duo", "password": "correct horse battery"}))
            .expect_status(429)
            .await;
    }
);

// SIGTERM while a request is still arriving: the request is finished and
// answered, then the process exits cleanly.
on_both_databases!(
    sigterm_finishes_requests_in_flight,
    |app: TestApp| async move {
        let user = app.api_user("sig").await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start_instance(&app, port).await;
        // A bank file sent slowly, in five parts over about 1.5 seconds.
        let bank = crate::banks::TEAM_BANK.replace("id = \"team-leads\"", "id = \"slow-team\"");
        let parts: Vec<Result<Vec<u8>, std::io::Error>> = bank
            .as_bytes()
            .chunks(bank.len().div_ceil(5))
            .map(|c| Ok(c.to_vec()))
            .collect();
        let body = futures_util::stream::iter(parts).then(|part| async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            part
        });
        let upload = reqwest::Client::new()
            .post(format!("{base}/api/v1/banks?format=toml"))
            .bearer_auth(&user.token)
            .header("content-type", "application/toml")
            .body(reqwest::Body::wrap_stream(body))
            .send();
        let in_flight = tokio::spawn(upload);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let res = in_flight
            .await
            .unwrap()
            .expect("the request in flight is answered");
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        // The process ends by itself, cleanly, and takes no new connections.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still running after SIGTERM"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert!(status.success(), "exit status {status}");
        assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
        // What it acknowledged is there.
        let banks: Vec<Value> = user.get_json("/api/v1/banks").await;
        assert!(banks.iter().any(|b| b["id"] == "slow-team"), "{banks:?}");
    }
);

// PostgreSQL going away: requests get 503 with a clear message, and the same
// process serves again as soon as the database is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_recovers_without_restart() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let user = app.api_user("outage").await;
    assert!(user.next().await.is_some());
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let admin = sea_orm::Database::connect(starling_tests::postgres_admin_url())
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();
    let res = user.get("/api/v1/practice/next").expect_status(503).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("database"));
    app.client()
        .get(app.url("/healthz"))
        .expect_status(503)
        .await;
    app.client()
        .get(app.url("/readyz"))
        .expect_status(503)
        .await;

    admin
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let res = user.get("/api/v1/practice/next").send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never recovered: {}",
            res.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        app.client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
