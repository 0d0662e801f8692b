//! Reminders, digests and the outbox against a real SMTP server on loopback
//! (Python's aiosmtpd, which `scripts/test` installs): a reminder comes once
//! at the learner's hour with the figures Today shows, none on a day with
//! nothing due, none after unsubscribing; two instances never send twice; a
//! coach digest lists exactly the answers waiting; an SMTP server that is
//! down is retried with backoff while requests go on. The composer and the
//! sender are called with the time they should believe it is.

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use starling::{
    config::Config,
    entities::{mail_outbox, user},
    mail::Mailer,
    store::mail::{self as mail_store, Letters, PrefsChange},
    templates::Templates,
};

use super::{mail::SmtpServer, operations::free_port, scheduling::put_settings, *};

const SITE: &str = "http://starling.test";

/// The app's signing secret (kept in its database), so links the test
/// composes work on the app.
async fn secret(app: &TestApp) -> Vec<u8> {
    starling::store::accounts::signing_secret(&app.db, None)
        .await
        .unwrap()
}

fn mailer(port: u16) -> Mailer {
    let config = Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}?tls=none")),
        mail_from: Some("Starling <starling@example.org>".to_owned()),
        ..Config::default()
    };
    Mailer::from_config(&config).unwrap().unwrap()
}

/// A received message as Python's `email` package reads it.
#[derive(Debug, serde::Deserialize)]
struct Received {
    to: String,
    subject: String,
    list_unsubscribe: Option<String>,
    list_unsubscribe_post: Option<String>,
    text: String,
    html: String,
}

fn parse(raw: &str) -> Received {
    let script = r#"
import email, email.policy, json, sys
msg = email.message_from_string(sys.stdin.read(), policy=email.policy.default)
text = msg.get_body(preferencelist=("plain",))
html = msg.get_body(preferencelist=("html",))
print(json.dumps({"to": str(msg["To"]), "subject": str(msg["Subject"]),
  "list_unsubscribe": msg["List-Unsubscribe"] and str(msg["List-Unsubscribe"]),
  "list_unsubscribe_post": msg["List-Unsubscribe-Post"] and str(msg["List-Unsubscribe-Post"]),
  "text": text.get_content(), "html": html.get_content()}))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "unreadable message:\n{raw}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn received(smtp: &SmtpServer) -> Vec<Received> {
    smtp.messages().iter().map(|m| parse(m)).collect()
}

async fn user_row(app: &TestApp, name: &str) -> user::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Gives `name` a confirmed address (through the store, as the address
/// form and the verification link do it; this app has no SMTP server, so
/// its own worker sends nothing) and turns on what `prefs` says through the
/// Settings form. The verification message stays in the outbox (see
/// [`send_verifications`]).
async fn subscribe(app: &TestApp, name: &str, prefs: PrefsChange) -> String {
    let address = format!("{name}@example.org");
    let user = user_row(app, name).await;
    let templates = Templates::new();
    let secret = secret(app).await;
    let letters = Letters {
        site: SITE,
        secret: &secret,
        templates: &templates,
    };
    mail_store::change_address(&app.db, letters, &user, &address, Utc::now())
        .await
        .unwrap();
    let link = verification_link(app, user.id).await;
    let token = link.rsplit('/').next().unwrap();
    let confirmed = mail_store::confirm_address(&app.db, &secret, token, Utc::now())
        .await
        .unwrap();
    assert_eq!(confirmed.as_deref(), Some(address.as_str()));
    let browser = app.browser_as(name).await;
    let settings = app.page(&browser, "/settings").await;
    let page = browser
        .post(app.url("/settings/email/prefs"))
        .form(&prefs_form(&csrf_from(&settings), &prefs))
        .send()
        .await
        .unwrap();
    assert_eq!(location(page), "/settings?mail_saved=1#email");
    address
}

fn prefs_form(csrf: &str, prefs: &PrefsChange) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("csrf_token", csrf.to_owned()),
        ("send_hour", prefs.send_hour.to_string()),
        ("digest", prefs.digest.as_str().to_owned()),
        (
            "digest_inactive_days",
            prefs.digest_inactive_days.to_string(),
        ),
    ];
    if prefs.reminders {
        form.push(("reminders", "on".to_owned()));
    }
    form
}

/// The link in the user's latest verification message (from the outbox).
async fn verification_link(app: &TestApp, user_id: i32) -> String {
    let rows = outbox(app).await;
    let row = rows
        .iter()
        .rfind(|r| r.user_id == user_id && r.kind == mail_outbox::Kind::Verify)
        .expect("a verification message");
    let start = row.text_body.find("/email/verify/").unwrap();
    let end = row.text_body[start..].find('\n').unwrap() + start;
    app.url(&row.text_body[start..end])
}

/// Sends the verification messages queued so far (at the real time they
/// were queued); returns how many went.
async fn send_verifications(app: &TestApp, smtp: &SmtpServer) -> u32 {
    mail_store::send_due(&app.db, &mailer(smtp.port), "setup", Utc::now())
        .await
        .unwrap()
        .sent
}

/// The Settings address form, sent as a browser does.
async fn post_address(
    app: &TestApp,
    browser: &reqwest::Client,
    csrf: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .post(app.url("/settings/email"))
        .form(&[
            ("csrf_token", csrf),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The page a successful address change sends the browser to (303), as it
/// reads; reading it twice, as a reload does, changes nothing.
async fn reported(app: &TestApp, browser: &reqwest::Client, res: reqwest::Response) -> String {
    let to = location(res);
    assert!(to.starts_with("/settings?address="), "{to}");
    let queued = outbox(app).await.len();
    let page = app.page(browser, &to).await;
    assert_eq!(app.page(browser, &to).await, page);
    assert_eq!(outbox(app).await.len(), queued, "a reload sends nothing");
    page
}

/// The POST a mail app sends for `List-Unsubscribe-Post` (RFC 8058), without a login.
async fn one_click(app: &TestApp, path: &str) -> reqwest::Response {
    app.client()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

/// A server (on SQLite) whose SMTP server is down: nothing listens on its port.
async fn app_with_smtp_down() -> TestApp {
    let dead = free_port();
    TestApp::spawn_with(Backend::Sqlite, |config| {
        config.smtp_url = Some(format!("smtp://127.0.0.1:{dead}?tls=none"));
        config.mail_from = Some("Starling <starling@example.org>".to_owned());
    })
    .await
    .expect("a SQLite app")
}

async fn outbox(app: &TestApp) -> Vec<mail_outbox::Model> {
    use sea_orm::QueryOrder;
    mail_outbox::Entity::find()
        .order_by_asc(mail_outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

fn reminders_at(hour: i32) -> PrefsChange {
    PrefsChange {
        send_hour: hour,
        reminders: true,
        digest: starling::entities::mail_setting::Digest::Off,
        digest_inactive_days: 3,
    }
}

/// Today (UTC) at `h:m`.
fn today_at(h: u32, m: u32) -> DateTime<Utc> {
    let day = Utc::now().date_naive();
    Utc.from_utc_datetime(&day.and_hms_opt(h, m, 0).unwrap())
}

async fn compose(app: &TestApp, now: DateTime<Utc>) -> u32 {
    let templates = Templates::new();
    let secret = secret(app).await;
    let letters = Letters {
        site: SITE,
        secret: &secret,
        templates: &templates,
    };
    mail_store::compose_due(&app.db, letters, now)
        .await
        .unwrap()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

on_both_databases!(
    a_reminder_comes_once_at_the_hour_with_the_figures,
    |app: TestApp| async move {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let rita = app.api_user("rita").await;
        let nora = app.api_user("nora").await;
        for learner in [&rita, &nora] {
            let res = put_settings(learner, json!({"time_zone": "UTC", "rollover_hour": 0})).await;
            assert_eq!(res.status(), 200);
        }
        // Rita practised three questions 40 days ago: all are due now. She
        // wrote an answer today (a 1-day streak) and her interview is in 8 days.
        for rating in ["good", "easy", "good"] {
            let card = rita.next().await.expect("a question");
            let answer = rita.answer(card["question"]["id"].as_i64().unwrap()).await;
            let res = rita
                .grade(
                    card["card_id"].as_i64().unwrap(),
                    rating,
                    answer["id"].as_i64(),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
        let rita_id = rita.id().await;
        app.time_travel(rita_id, 40 * 24 * 60).await;
        let interview = Utc::now().date_naive() + Days::new(8);
        let res = put_settings(&rita, json!({"interview_date": day(interview)})).await;
        assert_eq!(res.status(), 200);
        let today: Value = rita.get_json("/api/v1/practice/today").await;
        let due = today["due"].as_u64().unwrap();
        assert!(due >= 3, "{today}");
        let card = rita.next().await.unwrap();
        rita.answer(card["question"]["id"].as_i64().unwrap()).await;

        // Nora has only new questions: nothing due.
        subscribe(&app, "rita", reminders_at(12)).await;
        subscribe(&app, "nora", reminders_at(12)).await;
        assert_eq!(send_verifications(&app, &smtp).await, 2);

        // Before the hour: nothing.
        assert_eq!(compose(&app, today_at(11, 59)).await, 0);
        // At the hour: Rita's reminder; Nora's day is decided as skipped.
        let at = today_at(12, 0) + Duration::seconds(30);
        assert_eq!(compose(&app, at).await, 1);
        // Later the same day, however often it is looked at: nothing more.
        for later in [at, today_at(12, 1), today_at(18, 0), today_at(23, 59)] {
            assert_eq!(compose(&app, later).await, 0);
        }
        let rows = outbox(&app).await;
        let reminders: Vec<_> = rows
            .iter()
            .filter(|r| r.kind == mail_outbox::Kind::Reminder)
            .collect();
        assert_eq!(reminders.len(), 2, "{reminders:?}");
        let nora_id = nora.id().await as i32;
        assert!(reminders
            .iter()
            .any(|r| r.user_id == nora_id && r.status == mail_outbox::Status::Skipped));

        let mailer = mailer(smtp.port);
        let report = mail_store::send_due(&app.db, &mailer, "one", at)
            .await
            .unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        assert_eq!(
            mail_store::send_due(&app.db, &mailer, "one", today_at(13, 0))
                .await
                .unwrap()
                .sent,
            0
        );
        // The verification messages came first: count only the reminders.
        let messages: Vec<Received> = received(&smtp)
            .into_iter()
            .filter(|m| m.subject.starts_with("Starling: "))
            .collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        let message = &messages[0];
        assert_eq!(message.to, "rita@example.org");
        let summary = format!("{due} questions due today · interview in 8 days · 1-day streak");
        assert_eq!(message.subject, format!("Starling: {summary}"));
        assert!(message.text.contains(&summary), "{}", message.text);
        assert!(
            message.text.contains("http://starling.test/practice"),
            "{}",
            message.text
        );
        // minijinja writes '/' in attributes as &#x2f;, which HTML reads as '/'.
        let html = message.html.replace("&#x2f;", "/");
        assert!(
            html.contains("href=\"http://starling.test/practice\""),
            "{html}"
        );
        assert!(!message.html.contains("<img"), "no images");
        let unsubscribe = message.list_unsubscribe.clone().expect("List-Unsubscribe");
        assert_eq!(
            message.list_unsubscribe_post.as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        let unsubscribe = unsubscribe
            .trim_matches(|c| c == '<' || c == '>')
            .to_owned();
        assert!(
            unsubscribe.starts_with("http://starling.test/unsubscribe/"),
            "{unsubscribe}"
        );
        assert!(message.text.contains(&unsubscribe));

        // Tomorrow with an interview in 4 days, Nora is reminded although
        // nothing is due (the final week).
        let res = put_settings(
            &nora,
            json!({"interview_date": day(Utc::now().date_naive() + Days::new(5))}),
        )
        .await;
        assert_eq!(res.status(), 200);
        let tomorrow = at + Duration::days(1);
        assert_eq!(compose(&app, tomorrow).await, 2);
        mail_store::send_due(&app.db, &mailer, "one", tomorrow)
            .await
            .unwrap();
        let nora_mail: Vec<Received> = received(&smtp)
            .into_iter()
            .filter(|m| m.to == "nora@example.org" && m.subject.starts_with("Starling: "))
            .collect();
        assert_eq!(nora_mail.len(), 1);
        assert_eq!(
            nora_mail[0].subject,
            "Starling: Nothing due today · interview in 4 days"
        );

        // Unsubscribing in one click (the signed link, no login, as a mail
        // app posts it): no reminder the day after, and a forged link does nothing.
        let token = unsubscribe.rsplit('/').next().unwrap().to_owned();
        let anonymous = app.client();
        let page = anonymous
            .get(app.url(&format!("/unsubscribe/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page
            .text()
            .await
            .unwrap()
            .contains("Stop daily practice reminders"));
        let flipped = if token.ends_with('0') { '1' } else { '0' };
        let forged = format!("{}{flipped}", &token[..token.len() - 1]);
        for path in [
            format!("/unsubscribe/{forged}"),
            "/unsubscribe/1.reminder.00".to_owned(),
        ] {
            let res = one_click(&app, &path).await;
            assert_eq!(res.status(), 404, "{path}");
        }
        let after_forgery = mail_store::prefs_of(&app.db, rita_id as i32).await.unwrap();
        assert!(after_forgery.reminders);
        let res = one_click(&app, &format!("/unsubscribe/{token}")).await;
        assert_eq!(res.status(), 200);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("You will get no more daily practice reminders"));
        assert!(
            !mail_store::prefs_of(&app.db, rita_id as i32)
                .await
                .unwrap()
                .reminders
        );
        let day_after = tomorrow + Duration::days(1);
        compose(&app, day_after).await;
        assert!(!outbox(&app)
            .await
            .iter()
            .any(|r| r.user_id == rita_id as i32
                && r.kind == mail_outbox::Kind::Reminder
                && r.day == day(day_after.date_naive())));
    }
);

on_both_databases!(two_instances_never_send_twice, |app: TestApp| async move {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let interview = day(Utc::now().date_naive() + Days::new(3));
    for name in ["ada", "ben", "cyd", "dee"] {
        let learner = app.api_user(name).await;
        let res = put_settings(
            &learner,
            json!({"time_zone": "UTC", "interview_date": interview}),
        )
        .await;
        assert_eq!(res.status(), 200);
        subscribe(&app, name, reminders_at(0)).await;
    }
    assert_eq!(send_verifications(&app, &smtp).await, 4);
    let now = today_at(12, 0);
    let second = starling::db::connect(&app.database_url).await.unwrap();
    let templates = Templates::new();
    let secret = secret(&app).await;
    let letters = Letters {
        site: SITE,
        secret: &secret,
        templates: &templates,
    };
    let (m1, m2) = (mailer(smtp.port), mailer(smtp.port));
    // Two instances compose and send at the same moment, on their own connections.
    let one = async {
        let composed = mail_store::compose_due(&app.db, letters, now)
            .await
            .unwrap();
        let sent = mail_store::send_due(&app.db, &m1, "instance-1", now)
            .await
            .unwrap();
        (composed, sent.sent)
    };
    let two = async {
        let composed = mail_store::compose_due(&second, letters, now)
            .await
            .unwrap();
        let sent = mail_store::send_due(&second, &m2, "instance-2", now)
            .await
            .unwrap();
        (composed, sent.sent)
    };
    let ((c1, s1), (c2, s2)) = tokio::join!(one, two);
    assert_eq!(c1 + c2, 4, "each reminder composed once");
    // What one instance left is taken by either on its next look.
    let s3 = mail_store::send_due(&second, &m2, "instance-2", now)
        .await
        .unwrap()
        .sent;
    let s4 = mail_store::send_due(&app.db, &m1, "instance-1", now)
        .await
        .unwrap()
        .sent;
    let reminders: Vec<Received> = received(&smtp)
        .into_iter()
        .filter(|m| m.subject.starts_with("Starling: "))
        .collect();
    assert_eq!(reminders.len(), 4, "{reminders:?}");
    let mut to: Vec<&str> = reminders.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "ada@example.org",
            "ben@example.org",
            "cyd@example.org",
            "dee@example.org"
        ]
    );
    assert_eq!(s1 + s2 + s3 + s4, 4);
    assert!(outbox(&app)
        .await
        .iter()
        .all(|r| r.status == mail_outbox::Status::Sent && r.attempts == 1));
});

on_both_databases!(
    a_coach_digest_lists_exactly_the_waiting_answers,
    |app: TestApp| async move {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let coach = app.coach_user("cole").await;
        let lena = app.api_user("lena").await;
        let liam = app.api_user("liam").await;
        let lou = app.api_user("lou").await;
        let zed = app.api_user("zed").await; // not Cole's learner
        for learner in [&lena, &liam, &lou] {
            learner.join_coach(&coach).await;
        }
        let mut waiting = Vec::new();
        let (reviewed, rubric) = lena.answer_next().await;
        waiting.push(lena.answer_next().await.0);
        waiting.push(liam.answer_next().await.0);
        zed.answer_next().await;
        coach
            .post(&format!("/api/v1/answers/{reviewed}/reviews"))
            .json(&json!({"checked": [rubric[0]], "comment": "Good"}))
            .expect_status(201)
            .await;
        let interview = Utc::now().date_naive() + Days::new(3);
        let res = put_settings(
            &liam,
            json!({"time_zone": "UTC", "interview_date": day(interview)}),
        )
        .await;
        assert_eq!(res.status(), 200);
        subscribe(
            &app,
            "cole",
            PrefsChange {
                send_hour: 7,
                reminders: false,
                digest: starling::entities::mail_setting::Digest::Daily,
                digest_inactive_days: 2,
            },
        )
        .await;
        assert_eq!(send_verifications(&app, &smtp).await, 1);
        let now = today_at(7, 5);
        assert_eq!(compose(&app, now).await, 1);
        assert_eq!(compose(&app, now).await, 0);
        mail_store::send_due(&app.db, &mailer(smtp.port), "one", now)
            .await
            .unwrap();
        let digests: Vec<Received> = received(&smtp)
            .into_iter()
            .filter(|m| m.subject.starts_with("Starling daily digest"))
            .collect();
        assert_eq!(digests.len(), 1);
        let digest = &digests[0];
        assert_eq!(digest.to, "cole@example.org");
        assert_eq!(
            digest.subject,
            "Starling daily digest: 2 answers to review · 1 interview this week"
        );
        let mut listed: Vec<i64> = digest
            .text
            .match_indices("/coaching/review/")
            .map(|(at, m)| {
                let rest = &digest.text[at + m.len()..];
                rest[..rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len())]
                    .parse()
                    .unwrap()
            })
            .collect();
        listed.sort();
        waiting.sort();
        assert_eq!(listed, waiting, "{}", digest.text);
        assert!(
            digest.text.contains(&format!(
                "- liam: {} (in 3 days)",
                people_day(interview, Utc::now().date_naive())
            )),
            "{}",
            digest.text
        );
        // Lou never practised; Lena and Liam practised today.
        assert!(
            digest.text.contains("- lou: has not practised yet"),
            "{}",
            digest.text
        );
        assert!(
            !digest.text.contains("- lena: last practised"),
            "{}",
            digest.text
        );
        assert!(!digest.text.contains("zed"), "{}", digest.text);
        assert!(digest
            .list_unsubscribe
            .as_deref()
            .is_some_and(|u| u.contains("/unsubscribe/")));
        let html = digest.html.replace("&#x2f;", "/");
        assert!(
            html.contains(&format!("/coaching/review/{}", waiting[0])),
            "{html}"
        );
    }
);

on_both_databases!(
    an_smtp_server_that_is_down_is_retried_with_backoff,
    |app: TestApp| async move {
        if !starling_tests::python_module_available("aiosmtpd", "aiosmtpd") {
            return;
        }
        let learner = app.api_user("vera").await;
        let interview = day(Utc::now().date_naive() + Days::new(2));
        let res = put_settings(
            &learner,
            json!({"time_zone": "UTC", "interview_date": interview}),
        )
        .await;
        assert_eq!(res.status(), 200);
        subscribe(&app, "vera", reminders_at(9)).await;
        app.db
            .execute_unprepared("DELETE FROM mail_outbox")
            .await
            .unwrap();
        let port = free_port();
        let mailer = mailer(port);
        let now = today_at(9, 0);
        assert_eq!(compose(&app, now).await, 1);
        assert_eq!(outbox(&app).await.len(), 1);
        // Nothing listens: the reminder waits.
        let report = mail_store::send_due(&app.db, &mailer, "one", now)
            .await
            .unwrap();
        assert_eq!((report.sent, report.retrying), (0, 1), "{report:?}");
        let rows = outbox(&app).await;
        for row in &rows {
            assert_eq!(row.status, mail_outbox::Status::Pending);
            assert_eq!(row.attempts, 1);
            assert_eq!(row.next_attempt_at, now + Duration::minutes(1));
            assert!(row.last_error.as_deref().is_some_and(|e| !e.is_empty()));
            assert_eq!(row.claimed_until, None);
        }
        // The server goes on serving meanwhile.
        let today: Value = learner.get_json("/api/v1/practice/today").await;
        assert!(today["due"].is_u64());
        // Before the backoff is over nothing is tried; the second failure doubles it.
        let report = mail_store::send_due(&app.db, &mailer, "one", now + Duration::seconds(30))
            .await
            .unwrap();
        assert_eq!((report.sent, report.retrying), (0, 0));
        let second = now + Duration::minutes(1);
        let report = mail_store::send_due(&app.db, &mailer, "one", second)
            .await
            .unwrap();
        assert_eq!(report.retrying, 1);
        assert!(outbox(&app)
            .await
            .iter()
            .all(|r| r.attempts == 2 && r.next_attempt_at == second + Duration::minutes(2)));
        // The server comes up: the next look after the backoff sends it once.
        let smtp = SmtpServer::start_on(port).unwrap();
        let report = mail_store::send_due(&app.db, &mailer, "one", second + Duration::minutes(2))
            .await
            .unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        assert_eq!(received(&smtp).len(), 1);
        assert!(outbox(&app)
            .await
            .iter()
            .all(|r| r.status == mail_outbox::Status::Sent && r.attempts == 3));
    }
);

on_both_databases!(
    email_settings_need_smtp_the_password_and_a_confirmed_address,
    |app: TestApp| async move {
        // This app has no SMTP server: Settings says so and takes no address.
        let browser = app.registered_browser("sam").await;
        let settings = app.page(&browser, "/settings").await;
        assert!(settings.contains("Email reminders are not available on this server"));
        assert!(!settings.contains("id=\"email-form\""));
        let res = post_address(
            &app,
            &browser,
            csrf_from(&settings).as_str(),
            "sam@example.org",
            "correct horse battery",
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(outbox(&app).await.is_empty());
    }
);

/// A server whose SMTP server is down still answers the address form at
/// once (the verification goes to the outbox); a wrong password changes
/// nothing; the link confirms the address, a forged or replaced one does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_form_never_waits_for_smtp() {
    let app = app_with_smtp_down().await;
    let browser = app.registered_browser("tess").await;
    let settings = app.page(&browser, "/settings").await;
    assert!(settings.contains("id=\"email-form\""));
    let csrf = csrf_from(&settings);
    let wrong = post_address(
        &app,
        &browser,
        csrf.as_str(),
        "tess@example.org",
        "not my password",
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("that is not your password"));
    let bad = post_address(
        &app,
        &browser,
        csrf.as_str(),
        "tess at example",
        "correct horse battery",
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert!(outbox(&app).await.is_empty());
    let started = std::time::Instant::now();
    for address in ["old@example.org", "tess@example.org"] {
        let res = post_address(
            &app,
            &browser,
            csrf.as_str(),
            address,
            "correct horse battery",
        )
        .await;
        assert!(reported(&app, &browser, res)
            .await
            .contains(&format!("We sent a confirmation link to {address}")));
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let user = user_row(&app, "tess").await;
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].status,
        mail_outbox::Status::Cancelled,
        "the replaced address's link is not sent"
    );
    let link = verification_link(&app, user.id).await;
    assert!(link.contains("/email/verify/"));
    // The first address's link (from the cancelled message) does not confirm.
    let first = {
        let start = rows[0].text_body.find("/email/verify/").unwrap();
        let end = rows[0].text_body[start..].find('\n').unwrap() + start;
        app.url(&rows[0].text_body[start..end])
    };
    assert_eq!(app.client().get(&first).send().await.unwrap().status(), 404);
    let flipped = if link.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flipped}", &link[..link.len() - 1]);
    assert_eq!(
        app.client().get(&forged).send().await.unwrap().status(),
        404
    );
    let res = app.client().get(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Starling can now send email to tess@example.org"));
    let again = post_address(
        &app,
        &browser,
        &csrf,
        "tess@example.org",
        "correct horse battery",
    )
    .await;
    assert!(reported(&app, &browser, again)
        .await
        .contains("tess@example.org is already your confirmed address."));
    let settings = app.page(&browser, "/settings").await;
    assert!(
        settings.contains("Email goes to <strong>tess@example.org</strong>"),
        "{settings}"
    );
    // A hostile account cannot make the server send without end.
    let mut refused = None;
    for i in 0..10 {
        let res = post_address(
            &app,
            &browser,
            csrf.as_str(),
            format!("x{i}@example.org").as_str(),
            "correct horse battery",
        )
        .await;
        if res.status() == 429 {
            refused = Some(i);
            break;
        }
    }
    assert_eq!(refused, Some(3), "five verification messages a day");
    // Removing the address needs the password too, and ends everything.
    let removed = post_address(&app, &browser, &csrf, "", "correct horse battery").await;
    assert!(reported(&app, &browser, removed)
        .await
        .contains("Email address removed"));
    let prefs = mail_store::prefs_of(&app.db, user.id).await.unwrap();
    assert_eq!((prefs.email, prefs.pending_email), (None, None));
    assert!(outbox(&app)
        .await
        .iter()
        .all(|r| r.status != mail_outbox::Status::Pending));
}

// Two real instances with SMTP on one database, started together: their
// mail workers both look at once, and each message still goes out once.
on_both_databases!(
    two_running_instances_send_each_message_once,
    |app: TestApp| async move {
        let Some(smtp) = SmtpServer::start() else {
            return;
        };
        let interview = day(Utc::now().date_naive() + Days::new(3));
        for name in ["gil", "hal"] {
            let learner = app.api_user(name).await;
            let res = put_settings(
                &learner,
                json!({"time_zone": "UTC", "interview_date": interview}),
            )
            .await;
            assert_eq!(res.status(), 200);
            subscribe(&app, name, reminders_at(0)).await;
        }
        let config = Config {
            database_url: app.database_url.clone(),
            addr: "127.0.0.1:0".to_owned(),
            log: "warn".to_owned(),
            smtp_url: Some(format!("smtp://127.0.0.1:{}?tls=none", smtp.port)),
            mail_from: Some("Starling <starling@example.org>".to_owned()),
            public_url: Some(SITE.to_owned()),
            ..Config::default()
        };
        let (one, two) = tokio::join!(
            starling::startup::Application::build(config.clone()),
            starling::startup::Application::build(config)
        );
        for instance in [one.unwrap(), two.unwrap()] {
            tokio::spawn(instance.run_until_stopped());
        }
        // Two verifications and two reminders; then a few more looks.
        let started = std::time::Instant::now();
        while smtp.messages().len() < 4 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "only {} messages arrived",
                smtp.messages().len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        let mut subjects: Vec<(String, String)> = received(&smtp)
            .into_iter()
            .map(|m| (m.to, m.subject))
            .collect();
        subjects.sort();
        assert_eq!(subjects.len(), 4, "{subjects:?}");
        assert_eq!(
            subjects
                .iter()
                .filter(|(_, s)| s.starts_with("Starling: Nothing due today · interview in 3 days"))
                .count(),
            2,
            "{subjects:?}"
        );
        let claimed_by: std::collections::BTreeSet<Option<String>> = outbox(&app)
            .await
            .into_iter()
            .map(|r| {
                assert_eq!(r.status, mail_outbox::Status::Sent);
                assert_eq!(r.attempts, 1);
                r.claimed_by
            })
            .collect();
        assert!(!claimed_by.contains(&None));
    }
);

on_both_databases!(email_settings_through_the_api, |app: TestApp| async move {
    let user = app.api_user("ivy").await;
    let view: Value = user.get_json("/api/v1/me/email").await;
    assert_eq!(view["available"], false);
    assert_eq!(view["email"], Value::Null);
    assert_eq!(view["reminders"], false);
    let res = user
        .put("/api/v1/me/email")
        .json(&json!({"reminders": true, "send_hour": 7}))
        .expect_status(200)
        .await;
    let view: Value = res.json().await.unwrap();
    assert_eq!(
        (view["reminders"].clone(), view["send_hour"].clone()),
        (json!(true), json!(7))
    );
    assert_eq!(view["digest"], "off");
    for (body, field) in [
        (json!({"send_hour": 24}), "send_hour"),
        (json!({"digest": "hourly"}), "digest"),
        (json!({"digest_inactive_days": 0}), "digest_inactive_days"),
    ] {
        let res = user
            .put("/api/v1/me/email")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let error: Value = res.json().await.unwrap();
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    // This server has no SMTP server: no address is taken.
    let res = user
        .post("/api/v1/me/email/address")
        .json(&json!({"email": "ivy@example.org", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(outbox(&app).await.is_empty());
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_sets_an_address_with_the_password() {
    let app = app_with_smtp_down().await;
    let user = app.api_user("jay").await;
    let address = |password: &str| {
        user.post("/api/v1/me/email/address")
            .json(&json!({"email": "jay@example.org", "password": password}))
            .send()
    };
    let wrong = address("nope").await.unwrap();
    assert_eq!(wrong.status(), 422);
    let error: Value = wrong.json().await.unwrap();
    assert_eq!(error["error"]["field"], "password");
    let res = address("correct horse battery").await.unwrap();
    assert_eq!(res.status(), 202);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["available"], true);
    assert_eq!(view["pending_email"], "jay@example.org");
    assert_eq!(view["email"], Value::Null);
    assert!(view["message"]
        .as_str()
        .unwrap()
        .contains("confirmation link"));
}
