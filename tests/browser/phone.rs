//! Phones, keyboards and assistive technology: every main page at 390 × 844
//! without sideways scrolling and with axe-core finding nothing (learner and
//! coach, at phone and desktop width), the review page's grade buttons on the
//! first screen, the practice loop from the keyboard alone, and the same loop
//! with scripts turned off.

use super::*;
use fantoccini::key::Key;
use serde_json::Value;

const PHONE: (u32, u32) = (390, 844);
const SMALL_PHONE: (u32, u32) = (360, 740);
const DESKTOP: (u32, u32) = (1280, 1000);

/// axe.min.js: `AXE_CORE_JS` (scripts/test sets it from scripts/install-axe),
/// else the cache scripts/install-axe fills. `None` (said loudly) when it is
/// missing outside CI; in CI a missing checker fails the test.
pub(super) fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| {
                PathBuf::from(home)
                    .join(".cache/starling-axe/4.14.1/node_modules/axe-core/axe.min.js")
            })
        });
    match path.as_deref().map(std::fs::read_to_string) {
        Some(Ok(source)) if !source.is_empty() => Some(source),
        _ if in_ci() => panic!(
            "CI is set and axe-core was not found at {path:?}; run scripts/install-axe \
             (scripts/test does) or set AXE_CORE_JS"
        ),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "\n{stars}\nSKIPPING the accessibility checks: axe-core not found at {path:?}; \
                 run scripts/install-axe\n{stars}\n",
                stars = "*".repeat(78),
            );
            None
        }
    }
}

/// What a page check found wrong, collected over every page so that one run
/// shows all of it.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn assert_none(&self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

async fn resize(client: &Client, (width, height): (u32, u32)) {
    client.set_window_size(width, height).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
}

/// The page's width against the window's, with the elements that stick out.
pub(super) async fn overflow(client: &Client) -> Value {
    client
        .execute(
            r##"var w = window.innerWidth, out = [];
            document.querySelectorAll("body *").forEach(function (e) {
              var r = e.getBoundingClientRect();
              if (r.width > 0 && r.right > w + 1 && !e.closest(".table-scroll, .chart-frame, [hidden], details:not([open]) > :not(summary)")) {
                out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                  (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
                  " right=" + Math.round(r.right));
              }
            });
            return {scroll: document.documentElement.scrollWidth, inner: w, out: out.slice(0, 8)};"##,
            vec![],
        )
        .await
        .unwrap()
}

/// axe-core's violations on the current page, one line each.
pub(super) async fn axe(client: &Client, source: &str) -> Vec<String> {
    let loaded = client
        .execute(
            &format!(
                "{source}\n;return typeof axe === 'object' || typeof window.axe === 'object';"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(true), "axe-core did not load into the page");
    let result = client
        .execute_async(
            r#"var done = arguments[arguments.length - 1];
            window.axe.run(document).then(function (r) {
              done(r.violations.map(function (v) {
                return v.impact + " " + v.id + ": " + v.help + " — " +
                  v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); }).join(" | ");
              }));
            }, function (e) { done(["axe failed: " + e]); });"#,
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Opens `path` and checks it at phone width (no sideways scroll, axe) and at
/// desktop width (axe); `name` is for the screenshots and the findings.
async fn check_page(
    client: &Client,
    app: &TestApp,
    path: &str,
    name: &str,
    axe_js: Option<&str>,
    findings: &mut Findings,
) {
    client.goto(&app.url(path)).await.unwrap();
    check_current(client, name, axe_js, findings).await;
}

async fn check_current(client: &Client, name: &str, axe_js: Option<&str>, findings: &mut Findings) {
    client.wait().for_element(css("main h1")).await.unwrap();
    let title = client.title().await.unwrap();
    if title.starts_with('4') || title.starts_with('5') {
        findings.0.push(format!("{name}: an error page ({title})"));
        return;
    }
    // The narrowest phones first, then the 390 px one the screenshots show.
    for size in [SMALL_PHONE, PHONE] {
        resize(client, size).await;
        let fit = overflow(client).await;
        let (scroll, inner) = (
            fit["scroll"].as_i64().unwrap(),
            fit["inner"].as_i64().unwrap(),
        );
        assert!(
            (360..=430).contains(&inner),
            "the window is {inner} px wide, not a phone's"
        );
        if scroll > inner {
            findings.0.push(format!(
                "{name}: {scroll} px wide at {inner} px; sticking out: {}",
                fit["out"]
            ));
        }
    }
    screenshot(client, &format!("phone-{name}")).await;
    if let Some(source) = axe_js {
        for v in axe(client, source).await {
            findings.0.push(format!("{name} at 390 px: {v}"));
        }
        resize(client, DESKTOP).await;
        for v in axe(client, source).await {
            findings.0.push(format!("{name} at 1280 px: {v}"));
        }
    }
    resize(client, PHONE).await;
}

/// The rectangles of the elements `selector` matches.
async fn rects(client: &Client, selector: &str) -> Vec<Value> {
    client
        .execute(
            r#"return Array.prototype.map.call(document.querySelectorAll(arguments[0]), function (e) {
              var r = e.getBoundingClientRect();
              return {top: r.top, bottom: r.bottom, width: r.width, height: r.height,
                      inner: window.innerHeight, text: (e.textContent || "").trim().slice(0, 40)};
            });"#,
            vec![json!(selector)],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

// Every main page, learner and coach, at phone width and on a desktop.
// SQLite only: the layout does not depend on the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_passes_axe() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let axe_js = axe_source();
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let started = Instant::now();
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");

    // Through the API: a coach, a linked learner with a story, a graded
    // answer and a second attempt at it (for Compare), and a mock round.
    let coach = app.coach_user("pcoach").await;
    let learner = app.api_user("plearner").await;
    learner.join_coach(&coach).await;
    let res = learner
        .post("/api/v1/stories")
        .json(&json!({
            "title": "The on-call rota that burned people out",
            "situation": "Our on-call rota burned out two engineers in a quarter.",
            "task": "I owned the rota and the team's health.",
            "action": "I split the rota, wrote runbooks and paid for weekend cover.",
            "result": "Pages per week fell from 30 to 8 and nobody left.",
            "reflection": "I watch pager load monthly now.",
            "competencies": ["delegation"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let story_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let card = learner.next().await.expect("a first question");
    let question_id = card["question"]["id"].as_i64().unwrap();
    let first = learner.answer(question_id).await["id"].as_i64().unwrap();
    let res = learner
        .grade(card["card_id"].as_i64().unwrap(), "good", Some(first))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let second = learner.answer(question_id).await["id"].as_i64().unwrap();
    // An answer to a question with red flags, one of them a long unbroken word.
    let res = learner
        .post("/api/v1/banks?format=toml")
        .body(
            "[bank]\nid = \"flags\"\ntitle = \"Flags\"\n[[competency]]\nid = \"c\"\nname = \"C\"\n\
             [[question]]\nid = \"q\"\ncompetency = \"c\"\nprompt = \"Tell me about a hard call.\"\n\
             red_flags = [\"Blames the person and describes no action of their own\", \
             \"Supercalifragilisticexpialidociously-unaccountable-and-unreflective\"]\n",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let flagged: Vec<Value> = learner.get_json("/api/v1/questions?bank=flags").await;
    let flagged = learner.answer(flagged[0]["id"].as_i64().unwrap()).await["id"]
        .as_i64()
        .unwrap();
    let res = learner
        .post("/api/v1/mock-interviews")
        .json(&json!({"minutes": 15, "competencies": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let round = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let (driver, client) = browser(&chromedriver).await;
    resize(&client, PHONE).await;
    let axe_js = axe_js.as_deref();
    let mut findings = Findings::default();

    for (path, name) in [("/login", "login"), ("/register", "register")] {
        check_page(&client, &app, path, name, axe_js, &mut findings).await;
    }
    log_in(&client, &app, "plearner").await;

    // The practice loop: Today, a question, its review.
    check_page(&client, &app, "/today", "today", axe_js, &mut findings).await;
    click(&client, "#nav-start").await;
    wait_for_path(&client, "a question page", is_question_page).await;
    check_current(&client, "question", axe_js, &mut findings).await;
    for (field, text) in [
        (
            "#situation",
            "Our team missed three releases in a row last spring.",
        ),
        (
            "#task",
            "I had to get us back to a release every two weeks.",
        ),
        (
            "#action",
            "I mapped the blockers with each engineer and automated the deploy.",
        ),
        ("#result", "We shipped the next six releases on time."),
        (
            "#reflection",
            "I review the release plan with the team every Monday now.",
        ),
    ] {
        type_into(&client, field, text).await;
    }
    // The timer never covers a field's label, wherever the page is scrolled to.
    for field in ["situation", "task", "action", "result", "reflection"] {
        let covered = client
            .execute(
                r#"var f = document.getElementById(arguments[0]);
                f.focus();
                f.scrollIntoView({block: "nearest"});
                var label = document.querySelector('label[for="' + arguments[0] + '"]').getBoundingClientRect();
                var timer = document.getElementById("timer").getBoundingClientRect();
                return label.top < timer.bottom - 1 && label.bottom > timer.top + 1;"#,
                vec![json!(field)],
            )
            .await
            .unwrap();
        if covered == json!(true) {
            findings
                .0
                .push(format!("question: the timer covers the {field} label"));
        }
    }
    click(&client, "#submit-answer").await;
    wait_for_path(&client, "the review page", is_review_page).await;
    check_current(&client, "review", axe_js, &mut findings).await;
    // The grade buttons are on the first screen, and every control is a 44 px target.
    client
        .execute("window.scrollTo(0, 0); return true;", vec![])
        .await
        .unwrap();
    let grades = rects(&client, ".grades button").await;
    assert_eq!(grades.len(), 4, "four grade buttons: {grades:?}");
    for g in &grades {
        let (top, bottom, inner) = (
            g["top"].as_f64().unwrap(),
            g["bottom"].as_f64().unwrap(),
            g["inner"].as_f64().unwrap(),
        );
        assert!(
            top >= 0.0 && bottom <= inner,
            "grade button {} is not on the first screen at 390 × 844: {g}",
            g["text"]
        );
    }
    for selector in ["main button", "label.check", ".grades button"] {
        for r in rects(&client, selector).await {
            let (w, h) = (r["width"].as_f64().unwrap(), r["height"].as_f64().unwrap());
            if w > 0.0 && (w < 44.0 || h < 44.0) {
                findings.0.push(format!(
                    "review: {selector} {:?} is {w:.0} × {h:.0} px",
                    r["text"]
                ));
            }
        }
    }
    screenshot(&client, "phone-review-first-screen").await;
    click(&client, "#grade-good").await;
    wait_for_path(&client, "the next question", is_question_page).await;

    for (path, name) in [
        (format!("/answers/{first}"), "attempt"),
        ("/history".to_owned(), "history"),
        (format!("/answers/compare?a={first}&b={second}"), "compare"),
        ("/stories".to_owned(), "stories"),
        ("/stories/new".to_owned(), "story-new"),
        (format!("/stories/{story_id}"), "story"),
        ("/progress".to_owned(), "progress"),
        ("/questions".to_owned(), "questions"),
        ("/banks".to_owned(), "banks"),
        ("/banks/import".to_owned(), "bank-import"),
        (format!("/answers/{flagged}/review"), "review-red-flags"),
        ("/coaching".to_owned(), "coaching-learner"),
        ("/calibration".to_owned(), "calibration-learner"),
        ("/settings".to_owned(), "settings"),
        ("/leeches".to_owned(), "leeches"),
        ("/mock".to_owned(), "mock"),
        (format!("/mock/{round}"), "mock-question"),
        (format!("/mock/{round}/summary"), "mock-summary"),
        ("/api".to_owned(), "api"),
    ] {
        check_page(&client, &app, &path, name, axe_js, &mut findings).await;
    }

    // The menu opens without script help, fits, and leads to the pages.
    client.goto(&app.url("/today")).await.unwrap();
    click(&client, "#menu summary").await;
    let fit = overflow(&client).await;
    if fit["scroll"].as_i64() > fit["inner"].as_i64() {
        findings.0.push(format!("the open menu sticks out: {fit}"));
    }
    screenshot(&client, "phone-menu").await;
    click(&client, r#"#menu a[href="/settings"]"#).await;
    wait_for_path(&client, "/settings from the menu", |p| p == "/settings").await;

    // The coach's pages.
    click(&client, "#menu summary").await;
    click(&client, ".menu-logout button").await;
    wait_for_path(&client, "/login after logging out", |p| p == "/login").await;
    log_in(&client, &app, "pcoach").await;
    for (path, name) in [
        ("/today".to_owned(), "coach-today"),
        ("/coaching".to_owned(), "coaching-coach"),
        ("/coaching/queue".to_owned(), "coach-queue"),
        (format!("/coaching/review/{second}"), "coach-review"),
        (
            format!("/coaching/review/{flagged}"),
            "coach-review-red-flags",
        ),
        ("/calibration".to_owned(), "calibration-coach"),
    ] {
        check_page(&client, &app, &path, name, axe_js, &mut findings).await;
    }

    client.close().await.unwrap();
    drop(driver);
    findings.assert_none();
    eprintln!(
        "phone and axe browser test passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Sends keys to whatever has the focus, as a person at the keyboard would.
async fn press(client: &Client, keys: &str) {
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

// From an empty question page to the next question with the keyboard alone:
// type, Ctrl+Enter, tick two items (Space, Tab, Space), 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_from_the_keyboard_alone() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let learner = app.api_user("keyboarder").await;
    let (driver, client) = browser(&chromedriver).await;
    log_in(&client, &app, "keyboarder").await;
    // The first Tab reaches the skip link, and Enter on it moves to the main content.
    client
        .execute("document.activeElement.blur(); return true;", vec![])
        .await
        .unwrap();
    client
        .find(css("body"))
        .await
        .unwrap()
        .send_keys(&Key::Tab.to_string())
        .await
        .unwrap();
    let first = client
        .execute("return document.activeElement.className;", vec![])
        .await
        .unwrap();
    assert_eq!(
        first,
        json!("skip-link"),
        "the first Tab stop is not the skip link"
    );
    press(&client, &Key::Enter.to_string()).await;
    let landed = client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(
        landed,
        json!("main"),
        "the skip link did not lead to the main content"
    );
    // The focus ring: at least 3:1 against the page (the accent on the background).
    let ring = client
        .execute(
            "var a = document.querySelector('#start'); a.focus(); \
             var s = getComputedStyle(a); return [s.outlineStyle, s.outlineColor, s.outlineWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        ring[0],
        json!("none"),
        "no focus ring on a focused link: {ring}"
    );
    click(&client, "#start").await;
    let first = wait_for_path(&client, "the first question", is_question_page).await;

    // The page starts in the first field; Tab moves from field to field.
    let focused = client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(
        focused,
        json!("situation"),
        "the question page starts elsewhere"
    );
    let answer = [
        "A key customer's launch was at risk.",
        "I owned the delivery plan.",
        "I cut scope with the customer and moved two engineers over.",
        "We launched on the date with 95% of the scope.",
        "I now agree the cut line at kickoff.",
    ];
    for (i, text) in answer.iter().enumerate() {
        let keys = if i + 1 < answer.len() {
            format!("{text}{}", Key::Tab)
        } else {
            (*text).to_owned()
        };
        press(&client, &keys).await;
    }
    // 1: Ctrl+Enter submits.
    press(&client, &format!("{}{}", Key::Control, Key::Enter)).await;
    let review = wait_for_path(&client, "the review page", is_review_page).await;
    let answer_id: i64 = review
        .trim_start_matches("/answers/")
        .trim_end_matches("/review")
        .parse()
        .unwrap();
    client.wait().for_element(css("#grade-good")).await.unwrap();
    let focused = client
        .execute("return document.activeElement.type;", vec![])
        .await
        .unwrap();
    assert_eq!(
        focused,
        json!("checkbox"),
        "the review page starts elsewhere"
    );
    // A digit typed into the comment is text, not a grade.
    client
        .execute(
            "document.getElementById('comment').focus(); return true;",
            vec![],
        )
        .await
        .unwrap();
    press(&client, "4").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(client.current_url().await.unwrap().path(), review);
    assert_eq!(value_of(&client, "#comment").await, "4");
    client
        .execute(
            "var c = document.getElementById('comment'); c.value = ''; \
             document.querySelector('#review-form input[type=checkbox]').focus(); return true;",
            vec![],
        )
        .await
        .unwrap();
    // 2-4: Space ticks the focused first item, Tab, Space ticks the second.
    press(&client, " ").await;
    press(&client, &Key::Tab.to_string()).await;
    press(&client, " ").await;
    // The shortcuts list opens with ? and closes with Escape.
    press(&client, "?").await;
    let open = client
        .execute("return document.getElementById('shortcuts').open;", vec![])
        .await
        .unwrap();
    assert_eq!(open, json!(true), "? did not open the list of shortcuts");
    screenshot(&client, "keyboard-shortcuts").await;
    press(&client, &Key::Escape.to_string()).await;
    // 5: 3 grades Good.
    press(&client, "3").await;
    let next = wait_for_path(&client, "the next question", is_question_page).await;
    assert_ne!(next, first, "grading Good showed the same question again");
    let notice = wait_for_text(&client, "#graded-notice", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        notice.starts_with("Good — back"),
        "the notice says {notice:?}"
    );
    screenshot(&client, "keyboard-next").await;

    // What the keys did, checked through the API.
    let saved: Value = learner
        .get_json(&format!("/api/v1/answers/{answer_id}"))
        .await;
    assert_eq!(saved["action"], answer[2]);
    assert_eq!(saved["result"], answer[3]);
    let checked = saved["reviews"][0]["checked"]
        .as_array()
        .unwrap_or_else(|| panic!("no review saved: {saved}"));
    assert_eq!(checked.len(), 2, "two items ticked: {saved}");
    assert_eq!(saved["grade"]["rating"], "good", "{saved}");

    client.close().await.unwrap();
    drop(driver);
}

/// A browser session with scripts turned off, phone-sized.
async fn connect_without_scripts(driver: &ChromeDriver) -> Client {
    connect_with(
        driver,
        &[
            "--window-size=390,844",
            "--blink-settings=scriptEnabled=false",
        ],
        json!({"profile.managed_default_content_settings.javascript": 2}),
    )
    .await
}

// Without JavaScript, on a phone: the menu, a question, its review, a grade
// and the notice after it all work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_on_a_phone_without_javascript() {
    let Some(chromedriver) = find_chromedriver() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    app.api_user("noscript").await;
    let mut driver = ChromeDriver::start(&chromedriver);
    driver.wait_ready().await;
    let client = connect_without_scripts(&driver).await;
    log_in(&client, &app, "noscript").await;
    // Scripts really are off: the shortcuts link stays hidden.
    let shown = client
        .find(css("#shortcuts-link"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap();
    assert!(!shown, "the shortcuts link shows although scripts are off");
    click(&client, "#menu summary").await;
    click(&client, r#"#menu a[href="/history"]"#).await;
    wait_for_path(&client, "/history from the menu", |p| p == "/history").await;
    click(&client, "#nav-start").await;
    wait_for_path(&client, "a question", is_question_page).await;
    type_into(&client, "#situation", "Two teams disagreed on an API.").await;
    type_into(
        &client,
        "#action",
        "I ran a design review and wrote down the decision.",
    )
    .await;
    type_into(
        &client,
        "#result",
        "The API shipped in 3 weeks instead of 8.",
    )
    .await;
    click(&client, "#submit-answer").await;
    wait_for_path(&client, "the review page", is_review_page).await;
    // A person scrolls the item above the grade bar before tapping it.
    let first_box = client.find(css("label.check input")).await.unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'}); return true;",
            vec![serde_json::to_value(&first_box).unwrap()],
        )
        .await
        .unwrap();
    screenshot(&client, "noscript-review").await;
    first_box.click().await.unwrap();
    assert!(
        first_box.is_selected().await.unwrap(),
        "the first item did not tick"
    );
    click(&client, "#grade-good").await;
    wait_for_path(&client, "the next question", is_question_page).await;
    let notice = wait_for_text(&client, "#graded-notice", Duration::from_secs(10), |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        notice.starts_with("Good — back"),
        "the notice says {notice:?}"
    );
    screenshot(&client, "noscript-next").await;
    client.close().await.unwrap();
    drop(driver);
}
