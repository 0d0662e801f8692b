//! The minijinja environment with the templates and static assets embedded in
//! the binary; HTML templates are autoescaped.

use include_dir::{include_dir, Dir};
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::error::ApiError;

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
        env.add_filter("duration", format_duration);
        env.add_filter("code_spans", code_spans);
        Self { env }
    }

    pub fn render(&self, name: &str, context: Value) -> Result<String, ApiError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|err| ApiError::Internal(anyhow::anyhow!("rendering {name}: {err:#}")))
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

/// `2026-11-25T10:00:00Z` → `25 Nov 2026, 11:00` in the given time zone.
fn format_datetime(value: String, time_zone: Option<String>) -> String {
    let tz: chrono_tz::Tz = time_zone
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    chrono::DateTime::parse_from_rfc3339(&value)
        .map(|dt| dt.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string())
        .unwrap_or(value)
}

/// Seconds → `1:05`.
fn format_duration(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_format_for_people() {
        assert_eq!(format_duration(65), "1:05");
        assert_eq!(
            format_datetime("2026-11-25T10:03:00Z".into(), None),
            "25 Nov 2026, 10:03"
        );
        assert_eq!(
            format_datetime("2026-11-25T10:03:00Z".into(), Some("Europe/Berlin".into())),
            "25 Nov 2026, 11:03"
        );
    }

    #[test]
    fn assets_are_embedded_and_paths_cannot_escape() {
        assert!(static_asset("app.css").is_some());
        assert!(static_asset("../base.html").is_none());
    }
}
