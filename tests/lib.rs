//! Test harness: starts the real Starling server on port 0 with a database of
//! its own (a fresh SQLite file or a fresh PostgreSQL database) and drops it afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rand::Rng;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use starling::{config::Config, startup::Application};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A day as the `day` filter shows it to people: `Fri 11 Dec`, with the year
/// only when it is not `today`'s year (`Thu 3 Dec 2025`).
pub fn people_day(date: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    if date.year() == today.year() {
        date.format("%a %-d %b").to_string()
    } else {
        date.format("%a %-d %b %Y").to_string()
    }
}

/// The server that PostgreSQL tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("STARLING_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !v.is_empty() && v != "false" && v != "0")
        .unwrap_or(false)
}

/// Whether python3 can import `module`, a checker `scripts/test` installs
/// from PyPI (as `package`). Outside CI its absence is said loudly and the
/// check is skipped; under CI it is a failure.
pub fn python_module_available(module: &str, package: &str) -> bool {
    let available = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            !in_ci(),
            "CI=true and Python's {module} is missing (scripts/test installs it)"
        );
        eprintln!("WARNING: Python's {module} is not installed; this check was NOT made (pip install {package})");
    }
    available
}

fn random_suffix() -> String {
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// Where a test's data lives, removed when the test ends.
pub enum TestDatabase {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh, empty database. `None` only outside CI when PostgreSQL is
    /// unreachable (the caller says so loudly); in CI that is a failure.
    pub async fn create(backend: Backend) -> Option<(Self, String)> {
        match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("starling-test-{}.db", random_suffix()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                Some((Self::Sqlite(path), url))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = match Database::connect(admin_url.as_str()).await {
                    Ok(db) => db,
                    Err(err) => {
                        if in_ci() {
                            panic!("CI=true and PostgreSQL at {admin_url} is unreachable: {err}");
                        }
                        eprintln!("SKIPPING PostgreSQL test: {admin_url} is unreachable ({err}); set CI=true to make this a failure");
                        return None;
                    }
                };
                let name = format!("starling_test_{}", random_suffix());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                let url = match admin_url.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("bad PostgreSQL URL {admin_url}"),
                };
                Some((Self::Postgres { admin_url, name }, url))
            }
        }
    }
}

impl TestDatabase {
    /// Deletes the database (a file, or a PostgreSQL database).
    fn remove(&self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Postgres { admin_url, name } => {
                let admin_url = admin_url.clone();
                let name = name.clone();
                // Drop runs outside async; a short-lived runtime on its own thread does the work.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A running server with its own database, and a direct connection to that
/// database for setting up time and checking what was stored.
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub database_url: String,
    pub backend: Backend,
    database: TestDatabase,
}

/// The database goes when the app goes. Being `Drop` also keeps a test body
/// that only reads fields (`app.db`) from capturing those fields alone and
/// letting the database go early.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.database.remove();
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server whose configuration `configure` changes first.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Self> {
        let (database, url) = TestDatabase::create(backend).await?;
        let mut config = test_config(&url);
        configure(&mut config);
        Some(Self::start(database, url, backend, config).await)
    }

    /// A server on a SQLite database at `path` (say, on a small file system
    /// the test fills up); the files go when the app goes.
    pub async fn spawn_sqlite_at(path: PathBuf) -> Self {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let config = test_config(&url);
        Self::start(TestDatabase::Sqlite(path), url, Backend::Sqlite, config).await
    }

    async fn start(database: TestDatabase, url: String, backend: Backend, config: Config) -> Self {
        let address = start_config(config).await;
        let db = starling::db::connect(&url)
            .await
            .expect("connect to the test database");
        Self {
            address,
            db,
            database_url: url,
            backend,
            database,
        }
    }

    /// A server the test stops itself: the app, a handle that stops it as
    /// SIGTERM does, and the task serving it, which ends once the server and
    /// its background worker have stopped.
    pub async fn spawn_stoppable(
        backend: Backend,
    ) -> Option<(
        Self,
        actix_web::dev::ServerHandle,
        tokio::task::JoinHandle<std::io::Result<()>>,
    )> {
        let (database, url) = TestDatabase::create(backend).await?;
        let app = Application::build(test_config(&url))
            .await
            .expect("build the application");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let serving = tokio::spawn(app.run_until_stopped());
        let db = starling::db::connect(&url)
            .await
            .expect("connect to the test database");
        let app = Self {
            address,
            db,
            database_url: url,
            backend,
            database,
        };
        Some((app, handle, serving))
    }

    /// A second server on the same database, as after a restart or in a scale-out.
    pub async fn restart(&self) -> String {
        start_server(&self.database_url).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A client that follows no redirects, so tests see each step.
    /// `GET path` with `client` (a browser's cookies), as text, whatever the status.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("http client")
    }

    /// A browser-like client logged in through the login form as `username`
    /// (password "correct horse battery").
    pub async fn browser_as(&self, username: &str) -> reqwest::Client {
        let browser = self.client();
        let page = browser
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let res = browser
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf_from(&page).as_str()),
                ("username", username),
                ("password", "correct horse battery"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "log in as {username}");
        browser
    }

    /// Registers `username` and logs in through the login form.
    pub async fn registered_browser(&self, username: &str) -> reqwest::Client {
        self.api_user(username).await;
        self.browser_as(username).await
    }

    /// Registers `username` through the API and returns a bearer-token client.
    pub async fn api_user(&self, username: &str) -> ApiUser {
        let client = self.client();
        let res = client
            .post(self.url("/api/v1/auth/register"))
            .json(&json!({"username": username, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            201,
            "register {username}: {}",
            res.text().await.unwrap()
        );
        let res = client
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"username": username, "password": "correct horse battery"}))
            .expect_status(200)
            .await;
        let token = res.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        ApiUser {
            base: self.address.clone(),
            token,
            client,
        }
    }

    /// A user with the coach role (as `starling user add NAME --role coach` makes).
    pub async fn coach_user(&self, username: &str) -> ApiUser {
        let user = self.api_user(username).await;
        self.db
            .execute_unprepared(&format!(
                "UPDATE users SET role = 'coach' WHERE username = '{username}'"
            ))
            .await
            .expect("make a coach");
        user
    }

    /// Moves the whole history of a user `minutes` into the past, as if that
    /// much time had gone by.
    pub async fn time_travel(&self, user_id: i64, minutes: i64) {
        let shift = |column: &str| match self.backend {
            Backend::Sqlite => format!(
                "{column} = strftime('%Y-%m-%dT%H:%M:%f+00:00', {column}, '-{minutes} minutes')"
            ),
            Backend::Postgres => format!("{column} = {column} - interval '{minutes} minutes'"),
        };
        let statements = [
            format!(
                "UPDATE cards SET {}, {}, {} WHERE user_id = {user_id}",
                shift("due"),
                shift("last_review"),
                shift("created_at")
            ),
            format!(
                "UPDATE review_logs SET {}, {} WHERE user_id = {user_id}",
                shift("reviewed_at"),
                shift("due")
            ),
            format!(
                "UPDATE answers SET {} WHERE user_id = {user_id}",
                shift("created_at")
            ),
        ];
        for sql in statements {
            self.db.execute_unprepared(&sql).await.expect("time travel");
        }
    }
}

fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        addr: "127.0.0.1:0".to_owned(),
        log: "warn".to_owned(),
        secret: None,
        ..Config::default()
    }
}

async fn start_server(database_url: &str) -> String {
    start_config(test_config(database_url)).await
}

async fn start_config(config: Config) -> String {
    let app = Application::build(config)
        .await
        .expect("build the application");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// An API client holding a bearer token.
pub struct ApiUser {
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
}

impl ApiUser {
    /// The same user through another instance at `base`.
    pub fn at(&self, base: &str) -> ApiUser {
        ApiUser {
            base: base.to_owned(),
            token: self.token.clone(),
            client: reqwest::Client::new(),
        }
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// `GET path` as JSON, whatever the status.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).send().await.unwrap().json().await.unwrap()
    }

    pub async fn id(&self) -> i64 {
        self.get_json::<Value>("/api/v1/me").await["id"]
            .as_i64()
            .unwrap()
    }

    /// `GET /practice/next`, or `None` on 204.
    pub async fn next(&self) -> Option<Value> {
        let res = self.get("/api/v1/practice/next").send().await.unwrap();
        match res.status().as_u16() {
            204 => None,
            200 => Some(res.json().await.unwrap()),
            other => panic!(
                "practice/next answered {other}: {}",
                res.text().await.unwrap()
            ),
        }
    }

    /// Writes a full answer to a question; returns the answer JSON.
    pub async fn answer(&self, question_id: i64) -> Value {
        let res = self
            .post("/api/v1/answers")
            .json(&json!({
                "question_id": question_id,
                "situation": "Our release train slipped twice in one quarter.",
                "task": "I had to get the team back to shipping every two weeks.",
                "action": "I mapped the blockers with each engineer, cut the scope of two epics and paired the newest engineer with me on the deploy scripts.",
                "result": "We shipped on time for the next six releases and cut failed deploys from 5 to 1.",
                "reflection": "I now review the release plan with the team every Monday.",
                "seconds_spent": 115
            }))
            .expect_status(201)
            .await;
        res.json().await.unwrap()
    }

    /// Answers the next question in the queue; returns the answer's id and
    /// the ids of the question's own rubric items.
    pub async fn answer_next(&self) -> (i64, Vec<i64>) {
        let card = self.next().await.expect("a question to answer");
        let rubric = card["question"]["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let answer = self.answer(card["question"]["id"].as_i64().unwrap()).await;
        (answer["id"].as_i64().unwrap(), rubric)
    }

    /// Links this learner to `coach` through an invite code, as the
    /// Coaching pages do.
    pub async fn join_coach(&self, coach: &ApiUser) {
        let res = coach.post("/api/v1/coach/invites").expect_status(201).await;
        let code = res.json::<Value>().await.unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = self
            .post("/api/v1/coach/links")
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }

    pub async fn grade(
        &self,
        card_id: i64,
        rating: &str,
        answer_id: Option<i64>,
    ) -> reqwest::Response {
        self.post(&format!("/api/v1/cards/{card_id}/grade"))
            .json(&json!({"rating": rating, "answer_id": answer_id}))
            .send()
            .await
            .unwrap()
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL, each with its own database.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::spawn($crate::Backend::Sqlite)
                    .await
                    .expect("sqlite app");
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                    ($body)(app).await;
                }
            }
        }
    };
}

/// The value of the hidden `csrf_token` field in a page.
pub fn csrf_from(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a csrf_token field") + marker.len();
    let end = html[start..].find('"').expect("end of token") + start;
    html[start..end].to_owned()
}

/// Where a redirect (303 See Other) sends the browser.
pub fn location(res: reqwest::Response) -> String {
    assert_eq!(res.status(), 303, "expected a redirect from {}", res.url());
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Sending a request in a test when its status is part of what the test asserts.
pub trait ExpectStatus {
    /// Sends the request and asserts the response's status (the panic names
    /// the method and the URL); the response is returned for further checks.
    fn expect_status(self, status: u16) -> impl std::future::Future<Output = reqwest::Response>;
}

impl ExpectStatus for reqwest::RequestBuilder {
    async fn expect_status(self, status: u16) -> reqwest::Response {
        let (client, request) = self.build_split();
        let request = request.expect("a well-formed request");
        let what = format!("{} {}", request.method(), request.url());
        let res = client.execute(request).await.unwrap();
        assert_eq!(res.status(), status, "{what}");
        res
    }
}
