//! The minijinja environment with the templates and static assets embedded in
//! the binary; HTML templates are autoescaped.

use include_dir::{include_dir, Dir};
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::error::AppError;

static TEMPLATE_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../templates");

pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        // Debug builds (and so the tests) fail on a misspelt variable.
        env.set_undefined_behavior(if cfg!(debug_assertions) {
            UndefinedBehavior::Strict
        } else {
            UndefinedBehavior::Lenient
        });
        env.set_loader(|name| {
            Ok(TEMPLATE_DIR
                .get_file(name)
                .and_then(|file| file.contents_utf8())
                .map(str::to_owned))
        });
        env.add_filter("datetime", format_datetime);
        env.add_filter("day", format_day);
        env.add_filter("duration", format_duration);
        env.add_filter("code_spans", code_spans);
        // The built-in STAR items by key, for naming the item a hint supports.
        env.add_global(
            "star_item_text",
            Value::from_iter(
                starling_domain::checklist::star_checklist()
                    .iter()
                    .map(|item| (item.key.clone(), item.text.clone())),
            ),
        );
        // The learner levels, for the level choice on Settings and Today.
        env.add_global(
            "levels",
            Value::from_iter(starling_domain::level::Level::ALL.into_iter().map(|level| {
                minijinja::context! {
                    value => level.as_str(),
                    name => level.name(),
                    description => level.description(),
                }
            })),
        );
        Self { env }
    }

    pub fn render(&self, name: &str, context: Value) -> Result<String, AppError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|err| AppError::Internal(anyhow::anyhow!("rendering {name}: {err:#}")))
    }
}

/// Text made safe to put into HTML, in an element or an attribute.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text with `backtick` spans shown as code: the text is escaped, the
/// spans wrapped in `<code>`.
fn code_spans(text: &str) -> Value {
    let mut html = String::with_capacity(text.len() + 16);
    for (i, part) in text.split('`').enumerate() {
        let escaped = escape_html(part);
        if i % 2 == 1 {
            html.push_str("<code>");
            html.push_str(&escaped);
            html.push_str("</code>");
        } else {
            html.push_str(&escaped);
        }
    }
    Value::from_safe_string(html)
}

/// An embedded static asset and its content type.
pub fn static_asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    if path.contains("..") {
        return None;
    }
    let file = TEMPLATE_DIR.get_file(format!("static/{path}"))?;
    let content_type = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Some((file.contents(), content_type))
}

/// The one way dates are shown to people: `Fri 11 Dec`, with the year only
/// when it is not the current year in that time zone (`Thu 3 Dec 2025`).
fn people_day(date: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    if date.year() == today.year() {
        date.format("%a %-d %b").to_string()
    } else {
        date.format("%a %-d %b %Y").to_string()
    }
}

fn zone(time_zone: Option<String>) -> chrono_tz::Tz {
    time_zone
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

/// `2026-11-25T10:00:00Z` → `Wed 25 Nov, 11:00` in the given time zone.
fn format_datetime(value: String, time_zone: Option<String>) -> String {
    datetime_at(&value, zone(time_zone), chrono::Utc::now())
}

fn datetime_at(value: &str, tz: chrono_tz::Tz, now: chrono::DateTime<chrono::Utc>) -> String {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|dt| {
            let local = dt.with_timezone(&tz);
            format!(
                "{}, {}",
                people_day(local.date_naive(), now.with_timezone(&tz).date_naive()),
                local.format("%H:%M")
            )
        })
        .unwrap_or_else(|_| value.to_owned())
}

/// A date (`2026-12-11`) or an instant (RFC 3339, shown in the given time
/// zone) → `Fri 11 Dec`.
fn format_day(value: String, time_zone: Option<String>) -> String {
    day_at(&value, zone(time_zone), chrono::Utc::now())
}

fn day_at(value: &str, tz: chrono_tz::Tz, now: chrono::DateTime<chrono::Utc>) -> String {
    let today = now.with_timezone(&tz).date_naive();
    if let Ok(date) = value.parse::<chrono::NaiveDate>() {
        return people_day(date, today);
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|dt| people_day(dt.with_timezone(&tz).date_naive(), today))
        .unwrap_or_else(|_| value.to_owned())
}

/// Seconds → `1:05`.
fn format_duration(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn filters_format_for_people() {
        assert_eq!(format_duration(65), "1:05");
        let now: chrono::DateTime<chrono::Utc> = "2026-12-04T12:00:00Z".parse().unwrap();
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            datetime_at("2026-11-25T10:03:00Z", chrono_tz::UTC, now),
            "Wed 25 Nov, 10:03"
        );
        assert_eq!(
            datetime_at("2026-11-25T23:03:00Z", berlin, now),
            "Thu 26 Nov, 00:03"
        );
        assert_eq!(
            datetime_at("2025-12-03T10:03:00Z", berlin, now),
            "Wed 3 Dec 2025, 11:03"
        );
        assert_eq!(day_at("2026-12-11", berlin, now), "Fri 11 Dec");
        assert_eq!(day_at("2027-01-08", berlin, now), "Fri 8 Jan 2027");
        assert_eq!(day_at("2026-12-03T23:30:00Z", berlin, now), "Fri 4 Dec");
        assert_eq!(day_at("not a date", berlin, now), "not a date");
    }

    #[test]
    fn assets_are_embedded_and_paths_cannot_escape() {
        assert!(static_asset("app.css").is_some());
        assert!(static_asset("../base.html").is_none());
    }
}
