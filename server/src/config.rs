//! Layered settings: built-in defaults, then an optional `starling.toml`, then
//! `STARLING_*` environment variables (which win).

use std::path::Path;

use serde::Deserialize;

/// What the server needs to start. Tests build one directly.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub addr: String,
    pub log: String,
    /// Key for signing CSRF tokens; generated and stored in the database when absent.
    pub secret: Option<String>,
    pub open_registration: bool,
    pub session_days: i64,
    /// Load the embedded default bank on start (idempotent).
    pub load_default_bank: bool,
    /// Limits on imported bank files.
    pub max_bank_bytes: usize,
    pub max_bank_questions: usize,
    pub max_prompt_chars: usize,
    pub max_rubric_item_chars: usize,
    /// Limits on spoken rehearsals recorded in the browser.
    pub max_recording_bytes: usize,
    pub max_recording_seconds: usize,
    /// Take the client's address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// Mark cookies `Secure` (serve over HTTPS, or behind a proxy that does).
    pub secure_cookies: bool,
    /// Passwords checked or hashed at once (each takes 19 MiB); 0: one per core.
    pub password_hashing_concurrency: usize,
    /// Logins and registrations that may wait for a turn (at most 3 s each);
    /// any more get 503 `busy` at once.
    pub password_hashing_queue: usize,
    /// The address people reach the server at (`https://starling.example.org`),
    /// for links that leave the browser: calendar feeds, emails. Without it the
    /// address a request came in on is used.
    pub public_url: Option<String>,
    /// The SMTP server email goes out through: `smtp://user:pass@host:587`
    /// (STARTTLS required; `?tls=opportunistic` or `?tls=none` for a relay on
    /// the same machine) or `smtps://user:pass@host:465` (implicit TLS).
    /// Without it Starling sends no email.
    pub smtp_url: Option<String>,
    /// The sender of Starling's email: `Starling <starling@example.org>`.
    pub mail_from: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://starling.db?mode=rwc".to_owned(),
            addr: "127.0.0.1:8080".to_owned(),
            log: "info".to_owned(),
            secret: None,
            open_registration: true,
            session_days: 30,
            load_default_bank: true,
            max_bank_bytes: 5 * 1024 * 1024,
            max_bank_questions: 5_000,
            max_prompt_chars: 2_000,
            max_rubric_item_chars: 500,
            max_recording_bytes: 10 * 1024 * 1024,
            max_recording_seconds: 300,
            trust_forwarded_for: false,
            secure_cookies: false,
            password_hashing_concurrency: 0,
            password_hashing_queue: 32,
            public_url: None,
            smtp_url: None,
            mail_from: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{name}: expected true or false, got {value:?}")]
    Bool { name: &'static str, value: String },
    #[error("{name}: expected a whole number, got {value:?}")]
    Number { name: &'static str, value: String },
    #[error("{name}: expected an http:// or https:// address such as https://starling.example.org, got {value:?}")]
    Url { name: &'static str, value: String },
}

/// The keys a `starling.toml` may carry; every one is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    addr: Option<String>,
    log: Option<String>,
    secret: Option<String>,
    open_registration: Option<bool>,
    session_days: Option<i64>,
    max_bank_bytes: Option<usize>,
    max_bank_questions: Option<usize>,
    max_prompt_chars: Option<usize>,
    max_rubric_item_chars: Option<usize>,
    max_recording_bytes: Option<usize>,
    max_recording_seconds: Option<usize>,
    trust_forwarded_for: Option<bool>,
    secure_cookies: Option<bool>,
    password_hashing_concurrency: Option<usize>,
    password_hashing_queue: Option<usize>,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
}

impl Config {
    /// The limits imported bank files are held to.
    pub fn bank_limits(&self) -> starling_domain::bank::Limits {
        starling_domain::bank::Limits {
            max_file_bytes: self.max_bank_bytes,
            max_questions: self.max_bank_questions,
            max_prompt_chars: self.max_prompt_chars,
            max_rubric_item_chars: self.max_rubric_item_chars,
            ..starling_domain::bank::Limits::default()
        }
    }

    /// Defaults < `starling.toml` (or the file named by `STARLING_CONFIG`) < environment.
    pub fn load() -> Result<Self, ConfigError> {
        let explicit = std::env::var("STARLING_CONFIG").ok();
        let path = explicit
            .clone()
            .unwrap_or_else(|| "starling.toml".to_owned());
        let mut config = Self::default();
        if explicit.is_some() || Path::new(&path).exists() {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let file: FileConfig = toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.clone(),
                source: Box::new(source),
            })?;
            config.apply_file(file)?;
        }
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_file(&mut self, file: FileConfig) -> Result<(), ConfigError> {
        if let Some(v) = &file.public_url {
            self.public_url = Some(parse_url("public_url", v)?);
        }
        if file.smtp_url.is_some() {
            self.smtp_url = file.smtp_url;
        }
        if file.mail_from.is_some() {
            self.mail_from = file.mail_from;
        }
        if let Some(v) = file.database_url {
            self.database_url = v;
        }
        if let Some(v) = file.addr {
            self.addr = v;
        }
        if let Some(v) = file.log {
            self.log = v;
        }
        if file.secret.is_some() {
            self.secret = file.secret;
        }
        if let Some(v) = file.open_registration {
            self.open_registration = v;
        }
        if let Some(v) = file.session_days {
            self.session_days = v;
        }
        if let Some(v) = file.trust_forwarded_for {
            self.trust_forwarded_for = v;
        }
        if let Some(v) = file.secure_cookies {
            self.secure_cookies = v;
        }
        for (target, value) in [
            (&mut self.max_bank_bytes, file.max_bank_bytes),
            (&mut self.max_bank_questions, file.max_bank_questions),
            (&mut self.max_prompt_chars, file.max_prompt_chars),
            (&mut self.max_rubric_item_chars, file.max_rubric_item_chars),
            (&mut self.max_recording_bytes, file.max_recording_bytes),
            (&mut self.max_recording_seconds, file.max_recording_seconds),
            (
                &mut self.password_hashing_concurrency,
                file.password_hashing_concurrency,
            ),
            (
                &mut self.password_hashing_queue,
                file.password_hashing_queue,
            ),
        ] {
            if let Some(v) = value {
                *target = v;
            }
        }
        Ok(())
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = var("STARLING_DATABASE_URL").or_else(|| var("DATABASE_URL")) {
            self.database_url = v;
        }
        if let Some(v) = var("STARLING_ADDR") {
            self.addr = v;
        }
        if let Some(v) = var("STARLING_LOG") {
            self.log = v;
        }
        if let Some(v) = var("STARLING_SECRET") {
            self.secret = Some(v);
        }
        if let Some(v) = var("STARLING_OPEN_REGISTRATION") {
            self.open_registration = parse_bool("STARLING_OPEN_REGISTRATION", &v)?;
        }
        if let Some(v) = var("STARLING_TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = parse_bool("STARLING_TRUST_FORWARDED_FOR", &v)?;
        }
        if let Some(v) = var("STARLING_SECURE_COOKIES") {
            self.secure_cookies = parse_bool("STARLING_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = var("STARLING_PUBLIC_URL") {
            self.public_url = Some(parse_url("STARLING_PUBLIC_URL", &v)?);
        }
        if let Some(v) = var("STARLING_SMTP_URL") {
            self.smtp_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = var("STARLING_MAIL_FROM") {
            self.mail_from = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = var("STARLING_SESSION_DAYS") {
            self.session_days = parse_number("STARLING_SESSION_DAYS", &v)?;
        }
        for (name, target) in [
            ("STARLING_MAX_BANK_BYTES", &mut self.max_bank_bytes),
            ("STARLING_MAX_BANK_QUESTIONS", &mut self.max_bank_questions),
            ("STARLING_MAX_PROMPT_CHARS", &mut self.max_prompt_chars),
            (
                "STARLING_MAX_RUBRIC_ITEM_CHARS",
                &mut self.max_rubric_item_chars,
            ),
            (
                "STARLING_MAX_RECORDING_BYTES",
                &mut self.max_recording_bytes,
            ),
            (
                "STARLING_MAX_RECORDING_SECONDS",
                &mut self.max_recording_seconds,
            ),
            (
                "STARLING_PASSWORD_HASHING_CONCURRENCY",
                &mut self.password_hashing_concurrency,
            ),
            (
                "STARLING_PASSWORD_HASHING_QUEUE",
                &mut self.password_hashing_queue,
            ),
        ] {
            if let Some(v) = var(name) {
                *target = parse_number(name, &v)?;
            }
        }
        Ok(())
    }
}

fn parse_number<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Number {
        name,
        value: value.to_owned(),
    })
}

/// An absolute http(s) address without a trailing slash.
fn parse_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(ConfigError::Url {
            name,
            value: value.to_owned(),
        }),
    }
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Bool {
            name,
            value: value.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn environment_wins_over_file_and_defaults() {
        let mut config = Config::default();
        config
            .apply_file(FileConfig {
                addr: Some("0.0.0.0:9000".into()),
                log: Some("debug".into()),
                ..FileConfig::default()
            })
            .unwrap();
        config
            .apply_env(|name| match name {
                "DATABASE_URL" => Some("postgres://x/y".into()),
                "STARLING_LOG" => Some("warn".into()),
                "STARLING_OPEN_REGISTRATION" => Some("false".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.addr, "0.0.0.0:9000");
        assert_eq!(config.log, "warn");
        assert_eq!(config.database_url, "postgres://x/y");
        assert!(!config.open_registration);
    }

    #[test]
    fn starling_database_url_beats_database_url() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "DATABASE_URL" => Some("postgres://a/b".into()),
                "STARLING_DATABASE_URL" => Some("sqlite://c.db".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.database_url, "sqlite://c.db");
    }

    #[test]
    fn public_url_is_an_absolute_address() {
        let mut config = Config::default();
        config
            .apply_env(|name| {
                (name == "STARLING_PUBLIC_URL").then(|| " https://starling.example.org/ ".into())
            })
            .unwrap();
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://starling.example.org")
        );
        for bad in ["starling.example.org", "https://", "ftp://x", "https://a b"] {
            let err = Config::default()
                .apply_env(|name| (name == "STARLING_PUBLIC_URL").then(|| bad.into()))
                .unwrap_err();
            assert!(err.to_string().contains("STARLING_PUBLIC_URL"), "{bad}");
        }
    }

    #[test]
    fn bad_boolean_is_an_error() {
        let mut config = Config::default();
        let err = config
            .apply_env(|name| (name == "STARLING_OPEN_REGISTRATION").then(|| "maybe".into()))
            .unwrap_err();
        assert!(err.to_string().contains("STARLING_OPEN_REGISTRATION"));
    }
}
