//! Browser test: a learner registers, answers a question under the timer
//! (live word counts, draft autosave that survives a reload), reviews the
//! answer against its checklist, grades it and finds it in History, all in a
//! real headless Chromium driven through chromedriver.
//!
//! Needs `chromedriver` (env `CHROMEDRIVER`, else /usr/bin/chromedriver) and
//! Chromium (env `CHROMIUM`, else /usr/bin/chromium); `scripts/install-browser`
//! installs both. Without them the test is skipped loudly, or fails when `CI` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use rand::Rng;
use serde_json::json;
use starling_tests::{in_ci, Backend, TestApp};

mod next_step;
mod phone;

const SCREENS: &str = "/tmp/starling-screens";

/// A chromedriver child process on a port of its own, with a fresh Chromium
/// profile directory. Dropping it (also while a failed test unwinds) ends the
/// browser session, the driver and the profile.
struct ChromeDriver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl ChromeDriver {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(binary: &Path) -> Self {
        Self::start_in_zone(binary, None)
    }

    /// A driver whose Chromium runs in `time_zone` (its `TZ`), as on a
    /// learner's computer set to that zone.
    fn start_in_zone(binary: &Path, time_zone: Option<&str>) -> Self {
        // Pick a free port: bind to port 0, note it, let it go.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port for chromedriver")
            .port();
        let suffix: u64 = rand::thread_rng().gen();
        let profile = std::env::temp_dir().join(format!("starling-chromium-{suffix:016x}"));
        std::fs::create_dir_all(&profile).expect("chromium profile directory");
        let mut command = Command::new(binary);
        if let Some(zone) = time_zone {
            command.env("TZ", zone);
        }
        let child = command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("start {}: {err}", binary.display()));
        Self {
            child,
            port,
            profile,
        }
    }

    /// Waits until `GET /status` says the driver is ready.
    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited before it was ready: {status}");
            }
            if let Ok(res) = http.get(format!("{}/status", self.url())).send().await {
                if let Ok(body) = res.json::<serde_json::Value>().await {
                    if body["value"]["ready"] == json!(true) {
                        return;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver on port {} did not answer within 20 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // `GET /shutdown` makes chromedriver quit its sessions (and so the
        // browser) before it exits; a plain kill could leave Chromium behind.
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.shutdown(Shutdown::Write);
            let _ = stream.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The chromedriver binary, or `None` (after saying so) when it is missing
/// outside CI. In CI a missing driver fails the test.
fn find_chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    if path.is_file() {
        return Some(path);
    }
    if in_ci() {
        panic!(
            "CI is set and chromedriver was not found at {}; run scripts/install-browser \
             (or set CHROMEDRIVER) so the browser test can run",
            path.display()
        );
    }
    // Straight to stderr, not through `eprintln!`, so the test harness's
    // output capture cannot hide it.
    let _ = writeln!(
        std::io::stderr(),
        "\n{stars}\nSKIPPING browser test: chromedriver not found; run scripts/install-browser \
         (looked at {}; set CI=true to make this a failure)\n{stars}\n",
        path.display(),
        stars = "*".repeat(78),
    );
    None
}

async fn connect(driver: &ChromeDriver) -> Client {
    connect_with(driver, &[], json!({})).await
}

/// A Chromium session with `extra` command-line switches and `prefs`.
async fn connect_with(driver: &ChromeDriver, extra: &[&str], prefs: serde_json::Value) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        // A fake microphone that grants itself: the question page records a clip.
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
    ]
    .iter()
    .chain(extra)
    .map(|arg| (*arg).to_owned())
    .collect();
    args.push(format!("--user-data-dir={}", driver.profile.display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": chromium, "args": args, "prefs": prefs }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .expect("a Chromium session from chromedriver")
}

/// A chromedriver on a port of its own, ready, and a Chromium session on it.
async fn browser(chromedriver: &Path) -> (ChromeDriver, Client) {
    let mut driver = ChromeDriver::start(chromedriver);
    driver.wait_ready().await;
    let client = connect(&driver).await;
    (driver, client)
}

fn css(selector: &str) -> Locator<'_> {
    Locator::Css(selector)
}

async fn text_of(client: &Client, selector: &str) -> String {
    client
        .find(css(selector))
        .await
        .unwrap_or_else(|err| panic!("find {selector}: {err}"))
        .text()
        .await
        .unwrap()
}

async fn value_of(client: &Client, selector: &str) -> String {
    client
        .find(css(selector))
        .await
        .unwrap_or_else(|err| panic!("find {selector}: {err}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn type_into(client: &Client, selector: &str, text: &str) {
    client
        .wait()
        .for_element(css(selector))
        .await
        .unwrap_or_else(|err| panic!("find {selector}: {err}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|err| panic!("type into {selector}: {err}"));
}

async fn click(client: &Client, selector: &str) {
    client
        .wait()
        .for_element(css(selector))
        .await
        .unwrap_or_else(|err| panic!("find {selector}: {err}"))
        .click()
        .await
        .unwrap_or_else(|err| panic!("click {selector}: {err}"));
}

/// Polls the text of `selector` until `ok` accepts it; panics after `timeout`.
async fn wait_for_text(
    client: &Client,
    selector: &str,
    timeout: Duration,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(css(selector)).await {
            last = element.text().await.unwrap_or_default();
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{selector} never showed the expected text within {timeout:?}; last: {last:?}");
}

/// Polls the URL until its path satisfies `ok`; returns the path.
async fn wait_for_path(client: &Client, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = String::new();
    while Instant::now() < deadline {
        last = client.current_url().await.unwrap().path().to_owned();
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached {what}; still at {last}");
}

/// `/practice/{card_id}` (the question page), not `/practice` itself.
fn is_question_page(path: &str) -> bool {
    path.strip_prefix("/practice/")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

fn is_review_page(path: &str) -> bool {
    path.strip_prefix("/answers/")
        .and_then(|rest| rest.strip_suffix("/review"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Debugging aid: a screenshot of the current page under /tmp/starling-screens/.
async fn screenshot(client: &Client, name: &str) {
    let Ok(png) = client.screenshot().await else {
        return;
    };
    let _ = std::fs::create_dir_all(SCREENS);
    let path = Path::new(SCREENS).join(format!("{name}.png"));
    if std::fs::write(&path, png).is_ok() {
        eprintln!("screenshot: {}", path.display());
    }
}

/// A screenshot at the desktop size and one 390 px wide (a phone), for
/// looking at a page's layout at both sizes; the narrow one scrolled to
/// `focus` when given.
async fn screenshots(client: &Client, name: &str, focus: Option<&str>) {
    screenshot(client, name).await;
    if client.set_window_size(390, 844).await.is_ok() {
        if let Some(selector) = focus {
            let _ = client
                .execute(
                    "var e = document.querySelector(arguments[0]); if (e) e.scrollIntoView(); return true;",
                    vec![json!(selector)],
                )
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(client, &format!("{name}-390")).await;
        let _ = client.set_window_size(1280, 1000).await;
    }
}

/// Held for the whole of each browser test, so that the tests in this file
/// take turns: two Chromiums at once would compete for the machine's two cores.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// The same walk through the pages on each database, one after the other so
// that two browsers do not compete for the machine's two cores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learner_answers_reviews_and_grades_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    practise_in_browser(&chromedriver, app).await;
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        practise_in_browser(&chromedriver, app).await;
    }
}

async fn practise_in_browser(chromedriver: &Path, app: TestApp) {
    let started = Instant::now();
    let (driver, client) = browser(chromedriver).await;

    // Register a fresh user.
    let suffix: u32 = rand::thread_rng().gen();
    let username = format!("learner{suffix:08x}");
    client.goto(&app.url("/register")).await.unwrap();
    type_into(&client, "#username", &username).await;
    type_into(&client, "#password", "correct horse battery").await;
    type_into(&client, "#password_confirm", "correct horse battery").await;
    click(&client, "#register").await;
    wait_for_path(&client, "/today after registering", |p| p == "/today").await;

    // Today: five new questions, none due.
    assert_eq!(text_of(&client, "#new-count").await, "5");
    click(&client, "#start").await;
    let first = wait_for_path(&client, "the first question page", is_question_page).await;

    // The question page.
    let prompt = text_of(&client, "#prompt").await;
    assert!(!prompt.trim().is_empty(), "the question page has no prompt");
    assert!(!text_of(&client, "#competency").await.trim().is_empty());
    let t0 = text_of(&client, "#timer-value").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t1 = text_of(&client, "#timer-value").await;
    assert_ne!(t0, t1, "the timer did not advance in 1.5 s");
    assert_eq!(text_of(&client, "#total-words").await, "0");

    let situation = "Our team missed three releases in succession.";
    type_into(&client, "#situation", situation).await;
    wait_for_text(
        &client,
        r#"[data-count-for="situation"]"#,
        Duration::from_secs(5),
        |t| t == "7 words",
    )
    .await;
    wait_for_text(&client, "#total-words", Duration::from_secs(5), |t| {
        t == "7"
    })
    .await;
    assert_ne!(text_of(&client, "#speaking-time").await, "");
    // "Draft not saved yet — will retry" also contains "saved": insist on the success text.
    wait_for_text(&client, "#save-status", Duration::from_secs(10), |t| {
        t.starts_with("Draft saved")
    })
    .await;
    screenshot(&client, "question").await;

    // A reload loses nothing that was typed.
    client.refresh().await.unwrap();
    client.wait().for_element(css("#situation")).await.unwrap();
    assert_eq!(
        client.current_url().await.unwrap().path(),
        first,
        "reloading moved off the question page"
    );
    assert_eq!(value_of(&client, "#situation").await, situation);
    wait_for_text(
        &client,
        r#"[data-count-for="situation"]"#,
        Duration::from_secs(5),
        |t| t == "7 words",
    )
    .await;

    type_into(
        &client,
        "#task",
        "I had to get us back to a release every two weeks.",
    )
    .await;
    type_into(
        &client,
        "#action",
        "I mapped the blockers with each engineer, cut the scope of two epics and automated the deploy.",
    )
    .await;
    type_into(
        &client,
        "#result",
        "We shipped the next six releases on time.",
    )
    .await;
    type_into(
        &client,
        "#reflection",
        "I now review the release plan with the team every Monday.",
    )
    .await;
    click(&client, "#submit-answer").await;
    let review = wait_for_path(&client, "the self-review page", is_review_page).await;

    // Self-review: follow-ups, the checklist, a comment, the grade buttons.
    client
        .wait()
        .for_element(css("#follow-ups"))
        .await
        .unwrap_or_else(|err| panic!("{review} has no #follow-ups: {err}"));
    assert_eq!(text_of(&client, "#answer-situation").await, situation);
    let boxes = client
        .find_all(css(r#"input[name="checked"]"#))
        .await
        .unwrap();
    assert!(
        boxes.len() >= 4,
        "expected at least 4 checklist items, found {}",
        boxes.len()
    );
    for i in [0, 1, boxes.len() - 1] {
        assert!(
            !boxes[i].is_selected().await.unwrap(),
            "item {i} pre-ticked"
        );
        boxes[i].click().await.unwrap();
        assert!(
            boxes[i].is_selected().await.unwrap(),
            "item {i} did not tick"
        );
    }
    type_into(
        &client,
        "#comment",
        "Lead with the numbers; the action part ran long.",
    )
    .await;
    let good = text_of(&client, "#grade-good").await;
    let interval = text_of(&client, "#grade-good small").await;
    eprintln!("grade-good button: {good:?} (interval {interval:?})");
    assert!(good.starts_with("Good"), "#grade-good says {good:?}");
    assert!(!interval.trim().is_empty(), "#grade-good shows no interval");
    screenshot(&client, "review").await;
    click(&client, "#grade-good").await;

    // Graded: on to the next card.
    let next = wait_for_path(&client, "the next question page", is_question_page).await;
    assert_ne!(next, first, "grading Good showed the same card again");
    client.wait().for_element(css("#prompt")).await.unwrap();

    // History shows the attempt with its coverage and grade.
    client.goto(&app.url("/history")).await.unwrap();
    let history = text_of(&client, "main").await;
    assert!(
        history.contains(&prompt),
        "History lacks the question: {history}"
    );
    assert!(
        history.contains("3 / "),
        "History lacks \"3 / \": {history}"
    );
    assert!(
        history.contains("Good"),
        "History lacks the grade: {history}"
    );

    client.close().await.unwrap();
    drop(driver);
    eprintln!(
        "browser test on {:?} passed in {:.1} s",
        app.backend,
        started.elapsed().as_secs_f64()
    );
}

/// Logs out through the header's button and lands on the login page.
async fn log_out(client: &Client) {
    click(client, "form.logout button").await;
    wait_for_path(client, "/login after logging out", |p| p == "/login").await;
}

/// Logs `username` in at /login and lands on /today.
async fn log_in(client: &Client, app: &TestApp, username: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    type_into(client, "#username", username).await;
    type_into(client, "#password", "correct horse battery").await;
    click(client, "#login").await;
    wait_for_path(client, &format!("/today after {username} logged in"), |p| {
        p == "/today"
    })
    .await;
}

// A coach invites a learner, the learner joins, the coach reviews the
// learner's answer and the learner reads the feedback: two users taking turns
// in one browser session. SQLite only; the API tests cover both databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coach_reviews_and_learner_sees_feedback_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let started = Instant::now();
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");

    // Setup through the API: a coach, and a learner with one answer.
    app.coach_user("bcoach").await;
    let learner = app.api_user("blearner").await;
    let card = learner.next().await.expect("a first question");
    let question_id = card["question"]["id"].as_i64().unwrap();
    let answer_id = learner.answer(question_id).await["id"].as_i64().unwrap();
    // What `ApiUser::answer` writes as the situation.
    let situation = "Our release train slipped twice in one quarter.";

    let (driver, client) = browser(&chromedriver).await;

    // The coach creates an invite code.
    log_in(&client, &app, "bcoach").await;
    client.goto(&app.url("/coaching")).await.unwrap();
    click(&client, "#create-invite").await;
    let code = wait_for_text(&client, "#invite-code", Duration::from_secs(10), |t| {
        !t.trim().is_empty()
    })
    .await
    .trim()
    .to_owned();
    eprintln!("invite code: {code}");
    log_out(&client).await;

    // The learner joins with it.
    log_in(&client, &app, "blearner").await;
    client.goto(&app.url("/coaching")).await.unwrap();
    type_into(&client, "#code", &code).await;
    click(&client, "#join").await;
    wait_for_text(&client, "ul.links", Duration::from_secs(10), |t| {
        t.contains("bcoach")
    })
    .await;
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/coaching",
        "joining did not land on /coaching"
    );
    assert!(
        client
            .find_all(css("#coaching-error"))
            .await
            .unwrap()
            .is_empty(),
        "joining showed an error"
    );
    log_out(&client).await;

    // The coach reviews the answer from the queue.
    log_in(&client, &app, "bcoach").await;
    client.goto(&app.url("/coaching/queue")).await.unwrap();
    click(&client, "a.review-link").await;
    let review_path = format!("/coaching/review/{answer_id}");
    wait_for_path(&client, &review_path, |p| p == review_path).await;
    let shown = wait_for_text(&client, "section.answer", Duration::from_secs(10), |t| {
        t.contains(situation)
    })
    .await;
    assert!(
        shown.contains("We shipped on time"),
        "the review page lacks the answer's result: {shown}"
    );
    // The item's own text: the label's first line (Starling's suggestion and
    // the learner's tick follow it).
    let first_item = text_of(&client, ".coach-item label")
        .await
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !first_item.trim().is_empty(),
        "the first checklist item has no text"
    );
    let first_box = client
        .find(css(r#"input[name="checked"]"#))
        .await
        .expect("a checklist checkbox");
    assert!(
        !first_box.is_selected().await.unwrap(),
        "the first item is pre-ticked"
    );
    first_box.click().await.unwrap();
    assert!(
        first_box.is_selected().await.unwrap(),
        "the first item did not tick"
    );
    type_into(&client, r#"textarea[name^="note_"]"#, "Name the date").await;
    let overall = "Strong numbers; open with the stakes next time.";
    type_into(&client, "#comment", overall).await;
    screenshots(&client, "coach-review", Some(".coach-item")).await;
    click(&client, "#save-coach-review").await;
    wait_for_path(&client, "/coaching/queue after saving the review", |p| {
        p == "/coaching/queue"
    })
    .await;
    wait_for_text(&client, "#queue tbody", Duration::from_secs(10), |t| {
        t.contains("Nothing to review.")
    })
    .await;
    log_out(&client).await;

    // The learner sees that there is feedback, reads it, and the notice goes.
    log_in(&client, &app, "blearner").await;
    let notice = wait_for_text(&client, "#unread-feedback", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        notice.contains("1 new coach review"),
        "#unread-feedback says {notice:?}"
    );
    // History marks the attempt; the count in the navigation leads to it.
    client.goto(&app.url("/history")).await.unwrap();
    let badge = text_of(&client, "main .new-feedback").await;
    assert_eq!(badge, "new feedback");
    screenshots(&client, "history-new-feedback", None).await;
    click(&client, "a.nav-unread").await;
    let attempt_path = format!("/answers/{answer_id}");
    wait_for_path(&client, &attempt_path, |p| p == attempt_path).await;
    let page = wait_for_text(&client, "main", Duration::from_secs(10), |t| {
        t.contains("Feedback from your coach")
    })
    .await;
    for expected in [
        "Feedback from your coach bcoach",
        "Name the date",
        overall,
        first_item.trim(),
    ] {
        assert!(
            page.contains(expected),
            "the attempt page lacks {expected:?}: {page}"
        );
    }
    // The first item's row: the coach ticked it, with the comment beside it.
    let met = text_of(&client, ".coach-feedback tbody tr:first-child").await;
    assert!(
        met.contains(first_item.trim()) && met.contains("Name the date"),
        "the ticked item {first_item:?} is not in the first row: {met:?}"
    );
    assert_eq!(
        client
            .find(css(".coach-feedback tbody tr:first-child td.sbs-coach"))
            .await
            .unwrap()
            .attr("class")
            .await
            .unwrap()
            .as_deref(),
        Some("sbs-coach met"),
        "the coach's tick of {first_item:?} is not shown as met"
    );
    screenshots(&client, "learner-feedback", Some(".coach-feedback")).await;
    client.goto(&app.url("/today")).await.unwrap();
    client.wait().for_element(css("main h1")).await.unwrap();
    assert!(
        client
            .find_all(css("#unread-feedback"))
            .await
            .unwrap()
            .is_empty(),
        "#unread-feedback is still shown after reading the feedback"
    );

    client.close().await.unwrap();
    drop(driver);
    eprintln!(
        "coaching browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Polls a script's result until `ok` accepts it; panics after 15 s.
async fn wait_for_script(
    client: &Client,
    what: &str,
    script: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = serde_json::Value::Null;
    while Instant::now() < deadline {
        last = client.execute(script, vec![]).await.unwrap();
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: never true within 15 s; last: {last}");
}

// Spoken rehearsal with Chromium's fake microphone: record a clip on the
// question page, play it back on the self-review, delete it from the attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learner_records_plays_back_and_deletes_a_spoken_answer() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let started = Instant::now();
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let api = app.api_user("speaker").await;

    let (driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "speaker").await;
    client.goto(&app.url("/practice")).await.unwrap();
    wait_for_path(&client, "the question page", is_question_page).await;

    // The recorder shows itself only where recording works.
    wait_for_script(
        &client,
        "recorder controls shown",
        "return !document.getElementById('recorder-controls').hidden;",
        |v| v == &json!(true),
    )
    .await;
    click(&client, "#record-start").await;
    wait_for_text(&client, "#recorder-status", Duration::from_secs(10), |t| {
        t.starts_with("Recording")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    click(&client, "#record-stop").await;
    wait_for_text(&client, "#recorder-status", Duration::from_secs(15), |t| {
        t == "Recording saved."
    })
    .await;
    let info = text_of(&client, "#recording-info").await;
    assert!(info.contains("kept with this attempt"), "{info}");
    screenshot(&client, "recorded").await;

    type_into(
        &client,
        "#situation",
        "Two teams wanted the same release slot.",
    )
    .await;
    type_into(
        &client,
        "#action",
        "I met both leads and split the slot by risk.",
    )
    .await;
    click(&client, "#submit-answer").await;
    let review = wait_for_path(&client, "the review page", is_review_page).await;
    let answer_id: i64 = review
        .trim_start_matches("/answers/")
        .trim_end_matches("/review")
        .parse()
        .unwrap();

    // What MediaRecorder produced reached the server as real audio.
    let shown: serde_json::Value = api.get_json(&format!("/api/v1/answers/{answer_id}")).await;
    let recording = &shown["recording"];
    assert!(
        recording["mime"] == "audio/webm" || recording["mime"] == "audio/ogg",
        "{recording}"
    );
    assert!(recording["bytes"].as_i64().unwrap() > 1000, "{recording}");
    let ms = recording["duration_ms"].as_i64().unwrap();
    assert!((2000..10_000).contains(&ms), "duration {ms} ms");

    // Before it is played, the player knows the clip's length from its
    // header (MediaRecorder's WebM has none until the server writes it:
    // the player would say Infinity, shown as 0:00), and the page says it too.
    let length = wait_for_script(
        &client,
        "the player has read the clip's header",
        "var a = document.getElementById('answer-audio'); \
         return {duration: isFinite(a.duration) ? a.duration : String(a.duration), ready: a.readyState};",
        |v| v["ready"].as_u64().unwrap_or(0) >= 1,
    )
    .await;
    assert!(
        length["duration"].as_f64().is_some_and(|d| d > 1.0),
        "the player does not know the clip's length: {length}"
    );
    // Played back on the self-review: the browser decodes it and it plays.
    let state = wait_for_script(
        &client,
        "the clip plays",
        "var a = document.getElementById('answer-audio'); \
         if (a.readyState >= 2 && a.paused && !a.dataset.tried) { a.dataset.tried = '1'; a.play(); } \
         return {ready: a.readyState, time: a.currentTime, error: a.error ? a.error.code : null};",
        |v| v["error"].is_null() && v["time"].as_f64().unwrap_or(0.0) > 0.2,
    )
    .await;
    eprintln!("playback: {state}");
    screenshots(&client, "playback", Some("#recording")).await;
    let seconds = length["duration"].as_f64().unwrap();
    assert!(
        (seconds * 1000.0 - ms as f64).abs() < 1000.0,
        "the player's length {seconds} s differs from the stored {ms} ms"
    );
    let meta = text_of(&client, "#recording-meta").await;
    let shown_length = format!("0:{:02}", ms / 1000);
    assert!(
        meta.starts_with(&shown_length),
        "#recording-meta {meta:?} does not start with the length {shown_length}"
    );

    // Deleted from the attempt page, without scripts needed.
    client
        .goto(&app.url(&format!("/answers/{answer_id}")))
        .await
        .unwrap();
    click(&client, "#delete-recording button").await;
    // The form posts and redirects back to this same page, so wait for the
    // player to be gone rather than for the path (which is already there).
    wait_for_script(
        &client,
        "the player is gone after the delete",
        "return document.getElementById('answer-audio') === null \
         && document.readyState === 'complete' \
         && location.pathname;",
        |v| {
            v.as_str()
                .is_some_and(|p| p.ends_with(&format!("/answers/{answer_id}")))
        },
    )
    .await;
    let shown: serde_json::Value = api.get_json(&format!("/api/v1/answers/{answer_id}")).await;
    assert!(shown["recording"].is_null());

    client.close().await.unwrap();
    drop(driver);
    eprintln!(
        "recording browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// A 15-minute mock interview round in the browser (one question at a time,
// the follow-ups after each answer, grades in the summary), then the
// Progress page draws its charts from that history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_interview_round_then_progress_charts_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let started = Instant::now();
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let api = app.api_user("rounder").await;

    let (driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "rounder").await;
    client.goto(&app.url("/mock")).await.unwrap();
    // 15 minutes: three questions.
    client
        .find(css("#minutes option[value='15']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&client, "#start-mock").await;
    for position in 1..=3 {
        wait_for_text(&client, "#position", Duration::from_secs(10), |t| {
            t == position.to_string()
        })
        .await;
        // The per-question timer runs, and the round clock beside it counts
        // down from the round's 15 minutes.
        let t0 = text_of(&client, "#timer-value").await;
        let c0 = clock_seconds(&text_of(&client, "#round-clock-value").await);
        assert!(c0 <= 15 * 60 && c0 > 10 * 60, "round clock at {c0} s");
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_ne!(
            t0,
            text_of(&client, "#timer-value").await,
            "the timer is stuck"
        );
        assert!(
            clock_seconds(&text_of(&client, "#round-clock-value").await) < c0,
            "the round clock is stuck"
        );
        assert_eq!(text_of(&client, ".timer-target").await, "/ 5:00 target");
        if position == 1 {
            screenshots(&client, "mock-question", None).await;
        }
        if position == 2 {
            // End the round asks first; dismissed, the round goes on.
            click(&client, "#finish-round").await;
            let asked = client.get_alert_text().await.unwrap();
            assert!(asked.contains("End the round now?"), "{asked}");
            client.dismiss_alert().await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(text_of(&client, "#position").await, "2");
        }
        let situation = format!("Two teams wanted one release slot ({position}).");
        type_into(&client, "#situation", &situation).await;
        if position == 3 {
            // What was typed survives a reload (autosaved, and kept in the
            // browser) and is sent with the answer.
            client.refresh().await.unwrap();
            wait_for_text(&client, "#position", Duration::from_secs(10), |t| t == "3").await;
            assert_eq!(value_of(&client, "#situation").await, situation);
        }
        type_into(
            &client,
            "#action",
            "I compared the risk of each change and split the slot.",
        )
        .await;
        type_into(&client, "#result", "Both shipped within 3 days.").await;
        click(&client, "#submit-answer").await;
        wait_for_text(&client, "#follow-ups-card", Duration::from_secs(10), |t| {
            t.contains("The interviewer follows up")
        })
        .await;
        if position < 3 {
            click(&client, "#next-question").await;
        } else {
            screenshot(&client, "mock-follow-ups").await;
            click(&client, "#see-summary").await;
        }
    }
    wait_for_text(&client, "#round-meta", Duration::from_secs(10), |t| {
        t.contains("3 of 3 answered")
    })
    .await;
    for position in 1..=3 {
        click(&client, &format!("#grade-{position} button[value='good']")).await;
        wait_for_text(
            &client,
            &format!("#graded-{position}"),
            Duration::from_secs(10),
            |t| t.contains("Graded Good"),
        )
        .await;
    }
    screenshots(&client, "mock-summary", Some("#q1")).await;
    let rounds: serde_json::Value = api.get_json("/api/v1/mock-interviews").await;
    let id = rounds[0]["id"].as_i64().unwrap();
    let summary: serde_json::Value = api.get_json(&format!("/api/v1/mock-interviews/{id}")).await;
    assert_eq!(summary["graded"], 3, "{summary}");
    assert_eq!(
        summary["items"][2]["answer"]["situation"],
        "Two teams wanted one release slot (3)."
    );
    let today: serde_json::Value = api.get_json("/api/v1/practice/today").await;
    assert_eq!(today["done_today"], 3, "the round fed the scheduler");

    // The Progress page draws its charts from this history.
    client.goto(&app.url("/progress")).await.unwrap();
    let charts = wait_for_script(
        &client,
        "the progress charts are drawn",
        "return Array.from(document.querySelectorAll('main svg')).map(function (s) { \
           var r = s.getBoundingClientRect(); return {w: r.width, h: r.height, marks: s.querySelectorAll('rect').length}; });",
        |v| v.as_array().is_some_and(|a| a.len() >= 3),
    )
    .await;
    for chart in charts.as_array().unwrap() {
        assert!(chart["w"].as_f64().unwrap() > 100.0, "{charts}");
        assert!(chart["h"].as_f64().unwrap() > 20.0, "{charts}");
        assert!(chart["marks"].as_u64().unwrap() > 0, "{charts}");
    }
    let calendar = text_of(&client, "#calendar-summary").await;
    assert!(calendar.starts_with("3 reviews on 1 day"), "{calendar}");
    screenshot(&client, "progress").await;

    client.close().await.unwrap();
    drop(driver);
    eprintln!(
        "mock interview and progress browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The question page's fields, as a name → value map.
async fn star_values(client: &Client) -> serde_json::Value {
    client
        .execute(
            "var out = {}; document.querySelectorAll('textarea[data-star-field]')\
               .forEach(function (f) { out[f.name] = f.value; }); return out;",
            vec![],
        )
        .await
        .unwrap()
}

/// Seconds from an "m:ss" clock text.
fn clock_seconds(text: &str) -> u64 {
    let (m, s) = text.split_once(':').unwrap();
    m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap()
}

/// The question timer in seconds, from its "m:ss" text.
async fn timer_seconds(client: &Client) -> u64 {
    let text = text_of(client, "#timer-value").await;
    let (m, s) = text.split_once(':').unwrap();
    m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap()
}

// Words typed just before a reload, or just before leaving for another page,
// are on the question page afterwards: the save sent on leaving may arrive
// after the next page was served, so the page keeps a copy in the browser.
// The timer goes on instead of starting again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_words_survive_an_immediate_reload_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let started = Instant::now();
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let api = app.api_user("reloader").await;

    let (driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "reloader").await;
    client.goto(&app.url("/practice")).await.unwrap();
    let page = wait_for_path(&client, "the question page", is_question_page).await;
    let autosave = client
        .execute(
            "return document.getElementById('answer-form').getAttribute('data-autosave');",
            vec![],
        )
        .await
        .unwrap();
    let draft_url = autosave.as_str().unwrap().to_owned();

    // A first save reaches the server; then more words and at once F5.
    type_into(&client, "#situation", "Our team missed three releases.").await;
    wait_for_text(&client, "#save-status", Duration::from_secs(10), |t| {
        t.starts_with("Draft saved")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let before = timer_seconds(&client).await;
    let situation = "Our team missed three releases. The fourth was at risk too.";
    type_into(&client, "#situation", " The fourth was at risk too.").await;
    let task = "I had to get us back to shipping every second week.";
    type_into(&client, "#task", task).await;
    client.refresh().await.unwrap();
    client.wait().for_element(css("#situation")).await.unwrap();
    let values = star_values(&client).await;
    screenshots(&client, "draft-after-reload", None).await;
    assert_eq!(values["situation"], situation, "after F5: {values}");
    assert_eq!(values["task"], task, "after F5: {values}");
    let after = timer_seconds(&client).await;
    assert!(
        after >= before,
        "the timer started again: {after} s after the reload, {before} s before"
    );

    // Words typed just before leaving for another page.
    let action = "I cut the scope of two epics and automated the deploy.";
    type_into(&client, "#action", action).await;
    client.goto(&app.url("/today")).await.unwrap();
    client.wait().for_element(css("main h1")).await.unwrap();
    client.goto(&app.url(&page)).await.unwrap();
    client.wait().for_element(css("#action")).await.unwrap();
    let values = star_values(&client).await;
    assert_eq!(values["situation"], situation, "after leaving: {values}");
    assert_eq!(values["task"], task, "after leaving: {values}");
    assert_eq!(values["action"], action, "after leaving: {values}");

    // The server has every word too (the copy put back was saved there):
    // without the browser's copy, the page shows the same.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let draft: serde_json::Value = api.get_json(&draft_url).await;
        if draft["action"] == action && draft["task"] == task && draft["situation"] == situation {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server's draft lacks words: {draft}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    client
        .execute("window.localStorage.clear(); return true;", vec![])
        .await
        .unwrap();
    client.refresh().await.unwrap();
    client.wait().for_element(css("#action")).await.unwrap();
    assert_eq!(value_of(&client, "#action").await, action);

    // Once the attempt is sent, an old copy does not come back as a draft.
    click(&client, "#submit-answer").await;
    wait_for_path(&client, "the review page", is_review_page).await;
    client.goto(&app.url(&page)).await.unwrap();
    client.wait().for_element(css("#situation")).await.unwrap();
    let values = star_values(&client).await;
    assert_eq!(
        values["situation"], "",
        "the sent answer came back: {values}"
    );
    assert_eq!(values["action"], "", "the sent answer came back: {values}");

    client.close().await.unwrap();
    drop(driver);
    eprintln!(
        "reload browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

// A learner whose computer is set to Tokyo registers: the account is in
// Tokyo's time zone, and Settings shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_takes_the_browsers_time_zone_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let mut driver = ChromeDriver::start_in_zone(&chromedriver, Some("Asia/Tokyo"));
    driver.wait_ready().await;
    let client = connect(&driver).await;
    let zone = client
        .execute(
            "return Intl.DateTimeFormat().resolvedOptions().timeZone;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(zone, json!("Asia/Tokyo"), "Chromium did not take TZ");

    client.goto(&app.url("/register")).await.unwrap();
    type_into(&client, "#username", "tokyolearner").await;
    type_into(&client, "#password", "correct horse battery").await;
    type_into(&client, "#password_confirm", "correct horse battery").await;
    click(&client, "#register").await;
    wait_for_path(&client, "/today after registering", |p| p == "/today").await;
    client.goto(&app.url("/settings")).await.unwrap();
    client.wait().for_element(css("#time_zone")).await.unwrap();
    assert_eq!(value_of(&client, "#time_zone").await, "Asia/Tokyo");
    assert!(
        client
            .find_all(css("#time-zone-note"))
            .await
            .unwrap()
            .is_empty(),
        "Settings says the zone was not detected"
    );
    screenshots(&client, "settings-tokyo", None).await;
    client.close().await.unwrap();
}

// A CSV bank pasted into the import page: the browser sends the textarea
// with CRLF line endings, and an error on line 3 (an empty prompt) is
// reported at line 3, in the prompt's column, as for the same file with LF.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasted_crlf_csv_bank_errors_name_the_right_line_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.api_user("importer").await;
    let (_driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "importer").await;
    client.goto(&app.url("/banks")).await.unwrap();
    click(&client, "#import-link").await;
    wait_for_path(&client, "the import page", |p| p == "/banks/import").await;
    let csv = "competency,prompt,rubric\r\n\
               Leadership,Tell me about a time you led a team through a hard change.,Named the change\r\n\
               Leadership,,Named the conflict\r\n\
               Leadership,Tell me about a decision you made without all the facts.,Named the risk\r\n";
    client
        .execute(
            "document.getElementById('text').value = arguments[0]; return true;",
            vec![json!(csv)],
        )
        .await
        .unwrap();
    client
        .find(css("#format option[value='csv']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&client, "#bank_id", "crlf-bank").await;
    click(&client, "#preview").await;
    let error = wait_for_text(&client, "#import-error", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    screenshots(&client, "import-crlf-error", Some("#import-error")).await;
    // "Leadership," is 11 characters: the empty prompt starts at column 12.
    assert!(
        error.contains("Line 3: the prompt is empty") && error.contains("Column 12"),
        "the error does not name line 3, column 12: {error}"
    );
    assert!(
        error.contains("Leadership,,Named the conflict"),
        "the error does not show the offending row: {error}"
    );
    client.close().await.unwrap();
}

// An Anki package chosen in the import page's file picker: the preview shows its
// questions and the media it leaves out, and carries the package (no text to show)
// on to the confirmation, which imports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anki_package_is_previewed_then_imported_in_a_browser() {
    use starling_domain::bank::apkg::testing;
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.api_user("anki").await;
    let dir = std::env::temp_dir().join(format!(
        "starling-apkg-{:016x}",
        rand::thread_rng().gen::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Team leads.apkg");
    let package = testing::new_package(
        &["Front", "Back"],
        &testing::sample_notes(),
        &testing::sample_media(),
    );
    std::fs::write(&path, package).unwrap();
    let (_driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "anki").await;
    client.goto(&app.url("/banks/import")).await.unwrap();
    client
        .find(css("#file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&client, "#preview").await;
    let notes = wait_for_text(&client, "#import-notes", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(notes.contains("2 media files"), "{notes}");
    let changes = wait_for_text(&client, "#changes", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        changes.contains("When did feedback you gave not land?"),
        "{changes}"
    );
    screenshots(&client, "import-apkg-preview", None).await;
    click(&client, "#confirm").await;
    let saved = wait_for_text(&client, "#imported", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(saved.contains("Saved"), "{saved}");
    client.goto(&app.url("/banks")).await.unwrap();
    client.find(css("#bank-team-leads")).await.unwrap();
    client.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Fails when the page is wider than the window (it would scroll sideways),
/// naming the elements that stick out; also fails on anything axe-core finds
/// (when it is installed: see `phone::axe_source`).
async fn assert_no_sideways_scroll(client: &Client, what: &str) {
    let fit = phone::overflow(client).await;
    let (scroll, inner) = (
        fit["scroll"].as_i64().unwrap(),
        fit["inner"].as_i64().unwrap(),
    );
    assert!(
        scroll <= inner,
        "{what} scrolls sideways: {scroll} px wide in a {inner} px window; sticking out: {}",
        fit["out"]
    );
    if let Some(source) = phone::axe_source() {
        let violations = phone::axe(client, &source).await;
        assert!(
            violations.is_empty(),
            "axe-core on {what}:\n{}",
            violations.join("\n")
        );
    }
}

/// Each page in `pages`, at 390 px (no sideways scrolling, a screenshot) and
/// at 1280 px (a screenshot).
async fn at_both_sizes(client: &Client, app: &TestApp, pages: &[(&str, String, Option<&str>)]) {
    for (name, path, focus) in pages {
        client.set_window_size(390, 844).await.unwrap();
        client.goto(&app.url(path)).await.unwrap();
        client.wait().for_element(css("main h1")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_no_sideways_scroll(client, path).await;
        if let Some(selector) = focus {
            client
                .execute(
                    "var e = document.querySelector(arguments[0]); if (e) e.scrollIntoView(); return true;",
                    vec![json!(selector)],
                )
                .await
                .unwrap();
        }
        screenshot(client, &format!("{name}-390")).await;
        client.set_window_size(1280, 1000).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        screenshot(client, name).await;
    }
}

// The mock round's pages (question, End the round, summary with grade
// buttons) and coach and learner side by side, at a phone's width and at a
// desktop's: nothing scrolls sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_and_side_by_side_pages_fit_a_phone_in_a_browser() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let learner = app.api_user("sidelearner").await;
    let coach = app.coach_user("sidecoach").await;

    // A round with one answer, ready to grade.
    let round: serde_json::Value = learner
        .post("/api/v1/mock-interviews")
        .json(&json!({"minutes": 15}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let round_id = round["id"].as_i64().unwrap();
    let res = learner
        .post(&format!(
            "/api/v1/mock-interviews/{round_id}/questions/1/answer"
        ))
        .json(&json!({
            "situation": "Two teams wanted the one release slot in March.",
            "task": "I had to settle it within the week.",
            "action": "We met both leads, compared the risk of each change and split the slot.",
            "result": "Both shipped within 3 days.",
            "seconds_spent": 340
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // An answer the learner ticked and the coach reviewed, with comments.
    learner.join_coach(&coach).await;
    let (answer_id, rubric) = learner.answer_next().await;
    let res = learner
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({"checked": [rubric[0], rubric[2]], "comment": "I forgot the stakes."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = coach
        .post(&format!("/api/v1/answers/{answer_id}/reviews"))
        .json(&json!({
            "checked": [rubric[0], rubric[1]],
            "comment": "Strong numbers; open with the stakes next time.",
            "item_comments": [
                {"rubric_item_id": rubric[1], "comment": "Name the date.\nAnd how big the team was."},
                {"rubric_item_id": rubric[2], "comment": "I could not hear your own role here."}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let (driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "sidelearner").await;
    at_both_sizes(
        &client,
        &app,
        &[
            ("side-mock-question", format!("/mock/{round_id}"), None),
            ("side-mock-finish", format!("/mock/{round_id}/finish"), None),
            (
                "side-attempt",
                format!("/answers/{answer_id}"),
                Some("#coach-feedback-1"),
            ),
        ],
    )
    .await;
    // The summary once the round is over, its first answer not graded yet.
    let res = learner
        .post(&format!("/api/v1/mock-interviews/{round_id}/finish"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    at_both_sizes(
        &client,
        &app,
        &[(
            "side-mock-summary",
            format!("/mock/{round_id}/summary"),
            Some("#grade-1"),
        )],
    )
    .await;
    let intervals = text_of(&client, "#grade-1 .grades").await;
    assert!(intervals.contains("Good"), "{intervals}");
    log_out(&client).await;
    log_in(&client, &app, "sidecoach").await;
    at_both_sizes(
        &client,
        &app,
        &[(
            "side-coach-review",
            format!("/coaching/review/{answer_id}"),
            Some(".coach-item"),
        )],
    )
    .await;
    assert_eq!(text_of(&client, "#learner").await, "sidelearner");

    client.close().await.unwrap();
    drop(driver);
}
