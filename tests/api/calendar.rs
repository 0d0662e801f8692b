//! The private calendar feed: made, replaced and revoked in Settings, read
//! without a login, checked with an independent iCalendar parser (Python's
//! `icalendar`, which `scripts/test` installs).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::*;
use crate::scheduling::put_settings;

/// Makes (or replaces) the calendar link on the Settings page; returns its address.
async fn make_link(app: &TestApp, browser: &reqwest::Client) -> String {
    let settings = app.page(browser, "/settings").await;
    let page = browser
        .post(app.url("/settings/calendar"))
        .form(&[("csrf_token", csrf_from(&settings))])
        .expect_status(200)
        .await
        .text()
        .await
        .unwrap();
    let marker = "id=\"calendar-url\" value=\"";
    let start = page.find(marker).expect("the new link is shown") + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    // The page escapes the address as HTML does ('/' as &#x2f;).
    page[start..end]
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// The feed at `url` fetched without a login: (status, body).
async fn fetch(app: &TestApp, url: &str) -> (u16, String) {
    let res = app.client().get(url).send().await.unwrap();
    let status = res.status().as_u16();
    if status == 200 {
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(kind, "text/calendar; charset=utf-8");
    }
    (status, res.text().await.unwrap())
}

/// The feed's events as Python's `icalendar` reads them: summary, first day
/// and day after the last, UID.
#[derive(Debug, serde::Deserialize)]
struct Event {
    summary: String,
    start: NaiveDate,
    end: NaiveDate,
    uid: String,
    description: String,
}

fn parse_with_icalendar(feed: &str) -> Option<Vec<Event>> {
    if !starling_tests::python_module_available("icalendar", "icalendar") {
        return None;
    }
    let path = std::env::temp_dir().join(format!("starling-feed-{}.ics", rand::random::<u64>()));
    std::fs::write(&path, feed).unwrap();
    let script = r#"
import datetime, json, sys
import icalendar
with open(sys.argv[1], "rb") as f:
    data = f.read()
cal = icalendar.Calendar.from_ical(data)
assert cal.name == "VCALENDAR", cal.name
assert str(cal["VERSION"]) == "2.0"
assert cal.get("PRODID")
errors = [(c.name, c.errors) for c in cal.walk() if getattr(c, "errors", None)]
assert not errors, errors
events = []
for ev in cal.walk("VEVENT"):
    start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
    assert type(start) is datetime.date and type(end) is datetime.date, (start, end)
    assert ev.get("DTSTAMP") and ev.get("UID")
    events.append({"summary": str(ev["SUMMARY"]), "start": start.isoformat(),
                   "end": end.isoformat(), "uid": str(ev["UID"]),
                   "description": str(ev.get("DESCRIPTION", ""))})
print(json.dumps(events))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("run python3");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "icalendar rejected the feed: {}\n{feed}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// RFC 5545's framing, which a lenient parser may forgive: CRLF line ends
/// and lines of at most 75 octets.
fn assert_framing(feed: &str) {
    assert!(feed.starts_with("BEGIN:VCALENDAR\r\n"), "{feed}");
    assert!(feed.ends_with("END:VCALENDAR\r\n"), "{feed}");
    for line in feed.split("\r\n") {
        assert!(!line.contains('\n'), "a bare LF in {line:?}");
        assert!(line.len() <= 75, "a line over 75 octets: {line:?}");
    }
}

on_both_databases!(
    calendar_feed_shows_due_days_and_the_interview,
    |app: TestApp| async move {
        let user = app.api_user("cara").await;
        let browser = app.browser_as("cara").await;
        let today = Utc::now().date_naive();
        let interview = today + Days::new(12);
        let res = put_settings(
            &user,
            json!({
                "interview_date": interview.format("%Y-%m-%d").to_string(),
                "time_zone": "UTC",
                "rollover_hour": 0,
            }),
        )
        .await;
        assert_eq!(res.status(), 200);

        // No link yet: nothing answers, whatever the token looks like.
        for path in [
            format!("/calendar/{}.ics", "ab".repeat(32)),
            "/calendar/nonsense.ics".to_owned(),
            format!("/calendar/{}.ics", "zz".repeat(32)),
        ] {
            assert_eq!(fetch(&app, &app.url(&path)).await.0, 404, "{path}");
        }
        assert!(app
            .page(&browser, "/settings")
            .await
            .contains("No calendar link."));

        // Three questions answered and graded: their cards come due on
        // later days.
        let mut expected: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for rating in ["good", "easy", "good"] {
            let card = user.next().await.expect("a question");
            let answer = user.answer(card["question"]["id"].as_i64().unwrap()).await;
            let res = user
                .grade(
                    card["card_id"].as_i64().unwrap(),
                    rating,
                    answer["id"].as_i64(),
                )
                .await;
            assert_eq!(res.status(), 200);
            let graded: Value = res.json().await.unwrap();
            let due: DateTime<Utc> = graded["due"].as_str().unwrap().parse().unwrap();
            let day = due.date_naive().max(today);
            if day < today + Days::new(30) {
                *expected.entry(day).or_default() += 1;
            }
        }
        assert!(
            !expected.is_empty(),
            "the graded cards come due within 30 days"
        );

        let url = make_link(&app, &browser).await;
        assert!(
            url.starts_with(&app.url("/calendar/")) && url.ends_with(".ics"),
            "{url}"
        );
        let token = url
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".ics")
            .to_owned();
        let (status, feed) = fetch(&app, &url).await;
        assert_eq!(status, 200, "{feed}");
        assert_framing(&feed);
        if let Some(events) = parse_with_icalendar(&feed) {
            let interview_events: Vec<&Event> =
                events.iter().filter(|e| e.summary == "Interview").collect();
            assert_eq!(interview_events.len(), 1, "{events:?}");
            assert_eq!(interview_events[0].start, interview);
            assert_eq!(interview_events[0].end, interview + Days::new(1));
            let practice: BTreeMap<NaiveDate, String> = events
                .iter()
                .filter(|e| e.summary != "Interview")
                .map(|e| {
                    assert_eq!(e.end, e.start + Days::new(1), "{e:?}");
                    assert!(e.description.contains(&app.url("/practice")), "{e:?}");
                    (e.start, e.summary.clone())
                })
                .collect();
            let wanted: BTreeMap<NaiveDate, String> = expected
                .iter()
                .map(|(day, n)| {
                    let noun = if *n == 1 { "question" } else { "questions" };
                    (*day, format!("Practice: {n} {noun} due"))
                })
                .collect();
            assert_eq!(practice, wanted);
            let mut uids: Vec<&str> = events.iter().map(|e| e.uid.as_str()).collect();
            uids.sort_unstable();
            uids.dedup();
            assert_eq!(uids.len(), events.len(), "every event has its own UID");
        }

        // The link is shown once; Settings then only says one is active.
        let settings = app.page(&browser, "/settings").await;
        assert!(settings.contains("id=\"calendar-status\""));
        assert!(!settings.contains(&token), "the link is not shown again");

        // A month on, every card is overdue: one event today counts them all;
        // the interview has passed and is gone.
        app.time_travel(user.id().await, 40 * 24 * 60).await;
        let (_, later) = fetch(&app, &url).await;
        if let Some(events) = parse_with_icalendar(&later) {
            let total: u32 = expected.values().sum();
            let noun = if total == 1 { "question" } else { "questions" };
            let summaries: Vec<(NaiveDate, &str)> = events
                .iter()
                .map(|e| (e.start, e.summary.as_str()))
                .collect();
            let wanted = format!("Practice: {total} {noun} due");
            // Travelling moves the cards, not the interview date.
            assert_eq!(
                summaries,
                vec![(interview, "Interview"), (today, wanted.as_str())]
            );
        }

        // A new link replaces the old one, which stops working at once.
        let renewed = make_link(&app, &browser).await;
        assert_ne!(renewed, url);
        assert_eq!(fetch(&app, &url).await.0, 404);
        assert_eq!(fetch(&app, &renewed).await.0, 200);
        // Another learner's session cannot revoke it; its owner can.
        let other = app.registered_browser("dan").await;
        let other_settings = app.page(&other, "/settings").await;
        other
            .post(app.url("/settings/calendar/revoke"))
            .form(&[("csrf_token", csrf_from(&other_settings))])
            .expect_status(303)
            .await;
        assert_eq!(fetch(&app, &renewed).await.0, 200);
        let settings = app.page(&browser, "/settings").await;
        let res = browser
            .post(app.url("/settings/calendar/revoke"))
            .form(&[("csrf_token", csrf_from(&settings))])
            .expect_status(303)
            .await;
        assert_eq!(location(res), "/settings?calendar_revoked=1#calendar");
        assert_eq!(fetch(&app, &renewed).await.0, 404);
        let settings = app
            .page(&browser, "/settings?calendar_revoked=1#calendar")
            .await;
        assert!(settings.contains("Calendar link revoked"));
        assert!(settings.contains("No calendar link."));
        // Without the form's token nothing is made.
        browser
            .post(app.url("/settings/calendar"))
            .form(&[("csrf_token", "forged")])
            .expect_status(403)
            .await;
    }
);
