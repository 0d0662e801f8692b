//! What one client or account can do to the server or to other users: bursts
//! of logins and registrations (password hashing is bounded), concurrent
//! guesses against the login throttle, telling known usernames from unknown
//! ones by the time of the answer, open redirects after a form, and made-up
//! methods inflating `/metrics`.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::*;

/// `on_both_databases!` for a server whose configuration `$configure` changes.
macro_rules! on_both_databases_with {
    ($name:ident, $configure:expr, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::spawn_with(Backend::Sqlite, $configure)
                    .await
                    .expect("sqlite app");
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, $configure).await {
                    ($body)(app).await;
                }
            }
        }
    };
}

async fn token_attempt(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, username: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"username": username, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
}

/// Every response is one of `allowed`; a 503 is `busy` with `Retry-After`.
/// Returns the statuses.
async fn statuses(responses: Vec<reqwest::Response>, allowed: &[u16]) -> Vec<u16> {
    let mut seen = Vec::new();
    for res in responses {
        let status = res.status().as_u16();
        assert!(
            allowed.contains(&status),
            "{status}: {:?}",
            res.text().await
        );
        if status == 503 {
            assert!(res.headers().contains_key("retry-after"));
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "busy", "{body}");
        }
        seen.push(status);
    }
    seen
}

// One password check at a time and one waiting: a burst of logins or
// registrations beyond that is answered 503 at once instead of each taking
// 19 MiB on a thread of its own (and registration hashes off the workers,
// through the same turns).
on_both_databases_with!(
    bursts_beyond_the_hashing_queue_get_503,
    |config: &mut starling::config::Config| {
        config.password_hashing_concurrency = 1;
        config.password_hashing_queue = 1;
    },
    |app: TestApp| async move {
        const BURST: usize = 12;
        for n in 0..BURST {
            assert_eq!(register(&app, &format!("burst{n}")).await.status(), 201);
        }
        let app = &app;
        let logins = join_all((0..BURST).map(|n| async move {
            token_attempt(app, &format!("burst{n}"), "correct horse battery").await
        }))
        .await;
        let seen = statuses(logins, &[200, 503]).await;
        assert!(seen.contains(&503), "no login was refused: {seen:?}");
        assert!(seen.contains(&200), "no login got through: {seen:?}");

        let registrations =
            join_all((0..BURST).map(|n| async move { register(app, &format!("late{n}")).await }))
                .await;
        let seen = statuses(registrations, &[201, 503]).await;
        assert!(seen.contains(&503), "no registration was refused: {seen:?}");

        // After the burst every account logs in: a refused attempt was not
        // counted as a failure.
        for n in 0..BURST {
            let res = token_attempt(app, &format!("burst{n}"), "correct horse battery").await;
            assert_eq!(res.status(), 200, "burst{n}");
        }
    }
);

// The throttle counts an attempt before its password is checked, so
// concurrent wrong guesses cannot all pass a check made before any failed.
on_both_databases!(
    concurrent_guesses_are_counted_before_checking,
    |app: TestApp| async move {
        app.api_user("gina").await;
        let app = &app;
        let guesses =
            join_all((0..40).map(|n| async move {
                token_attempt(app, "gina", &format!("guess {n:04}")).await
            }))
            .await;
        // Refused as throttled, or as busy before anything was counted.
        let seen = statuses(guesses, &[401, 429, 503]).await;
        let wrong = seen.iter().filter(|s| **s == 401).count();
        assert!(wrong <= 5, "{wrong} guesses were checked: {seen:?}");
        // The guesses that were checked count as failures; the refused ones did not.
        let failures = {
            use sea_orm::{FromQueryResult, JsonValue, Statement};
            JsonValue::find_by_statement(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT id FROM login_failures WHERE key = 'user:gina'",
            ))
            .all(&app.db)
            .await
            .unwrap()
        };
        assert_eq!(failures.len(), wrong);
    }
);

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

// An unknown username is checked against a dummy hash, so its answer takes
// as long as a wrong password for a known one.
on_both_databases!(
    unknown_usernames_take_as_long_as_known_ones,
    |app: TestApp| async move {
        for name in ["kim1", "kim2", "kim3"] {
            app.api_user(name).await;
        }
        // Warm up both paths (the dummy hash is made on first use).
        token_attempt(&app, "nobody-warm", "wrong password").await;
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        // 2 failures per account and 13 from this address: under both limits.
        for round in 0..6 {
            let started = Instant::now();
            let res = token_attempt(&app, &format!("kim{}", round % 3 + 1), "wrong password").await;
            assert_eq!(res.status(), 401);
            known.push(started.elapsed());
            let started = Instant::now();
            let res = token_attempt(&app, &format!("nobody{round}"), "wrong password").await;
            assert_eq!(res.status(), 401);
            unknown.push(started.elapsed());
        }
        let (known, unknown) = (median(known), median(unknown));
        assert!(
            unknown * 2 >= known,
            "unknown usernames answer in {unknown:?}, known ones in {known:?}"
        );
    }
);

/// `next` values that must not leave the site, as the form field carries
/// them (decoded once).
const OFFSITE: &[&str] = &[
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    " //evil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%0a/evil.example",
    "/%00/evil.example",
    "/\u{0}/evil.example",
    "/\u{a0}/evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
];

/// Paths on this site, followed as they are.
const LOCAL: &[&str] = &[
    "/history",
    "/questions?bank=default&page=2",
    "/mock/3",
    "/a%20b",
];

// After logging in (and after a card action) only paths on this site are
// followed; anything else goes to the usual page.
on_both_databases!(
    next_parameters_stay_on_the_site,
    |app: TestApp| async move {
        app.api_user("olga").await;
        for next in OFFSITE.iter().chain(LOCAL) {
            let browser = app.client();
            let url = url::Url::parse_with_params(&app.url("/login"), [("next", next)]).unwrap();
            let res = browser.get(url).send().await.unwrap();
            if next.contains('\0') {
                // Text with a NUL character is refused before any route sees it.
                assert_eq!(res.status(), 422, "next={next:?}");
                continue;
            }
            let html = res.text().await.unwrap();
            let res = browser
                .post(app.url("/login"))
                .form(&[
                    ("csrf_token", csrf_from(&html).as_str()),
                    ("username", "olga"),
                    ("password", "correct horse battery"),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            let expected = if LOCAL.contains(next) { next } else { "/today" };
            assert_eq!(location(res), expected, "next={next:?}");
            // Nor does the login page carry an offsite `next` into its form.
            let carried = html.contains("name=\"next\"");
            assert_eq!(
                carried,
                LOCAL.contains(next),
                "login page with next={next:?}"
            );
        }

        // The card actions' `next` goes through the same check.
        let learner = app.api_user("pavel").await;
        let card = learner.next().await.expect("a card")["card_id"]
            .as_i64()
            .unwrap();
        let browser = app.browser_as("pavel").await;
        let csrf = csrf_from(&app.page(&browser, "/leeches").await);
        for next in OFFSITE.iter().chain(LOCAL) {
            let res = browser
                .post(app.url(&format!("/cards/{card}/action")))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("action", "unsuspend"),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap();
            if next.contains('\0') {
                assert_eq!(res.status(), 422, "card action next={next:?}");
                continue;
            }
            let expected = if LOCAL.contains(next) {
                next
            } else {
                "/leeches"
            };
            assert_eq!(location(res), expected, "card action next={next:?}");
        }
    }
);

// Made-up methods and unmatched paths each share one label value, so a
// client cannot add series to `/metrics` (metrics are per process; nothing
// here touches the database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_methods_and_paths_add_no_metric_series() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let client = app.client();
    for n in 0..20 {
        let method = reqwest::Method::from_bytes(format!("BREW{n}").as_bytes()).unwrap();
        client
            .request(method.clone(), app.url("/healthz"))
            .send()
            .await
            .unwrap();
        client
            .request(method, app.url(&format!("/no-such-path-{n}")))
            .send()
            .await
            .unwrap();
        client
            .get(app.url(&format!("/api/v1/no-such-path-{n}")))
            .send()
            .await
            .unwrap();
    }
    let metrics = app.page(&client, "/metrics").await;
    assert!(!metrics.contains("BREW"), "a made-up method got a series");
    assert!(!metrics.contains("no-such-path"), "a raw path got a series");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(metrics.contains("route=\"unmatched\""), "{metrics}");
}
