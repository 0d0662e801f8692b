//! Outgoing email over SMTP with lettre: the transport named by
//! `STARLING_SMTP_URL`, the sender `STARLING_MAIL_FROM`, and messages with a
//! plain-text and an HTML part (no images, nothing fetched from elsewhere).

use std::time::Duration;

use lettre::{
    message::{
        header::{ContentType, HeaderName, HeaderValue},
        Mailbox, MultiPart, SinglePart,
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::config::Config;

/// How long one SMTP conversation may take, connection to the last reply.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("STARLING_SMTP_URL: {0}")]
    Url(String),
    #[error("STARLING_MAIL_FROM is not set: give the sender, such as \"Starling <starling@example.org>\"")]
    NoSender,
    #[error("{what} {value:?} is not an email address ({reason})")]
    Address {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("the message cannot be built: {0}")]
    Build(String),
    #[error("the SMTP server {relay} did not take the message: {reason}")]
    Smtp { relay: String, reason: String },
}

/// One email: a subject and the same text twice, plain and HTML.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The signed one-click unsubscribe link (RFC 8058), sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post`.
    pub unsubscribe: Option<String>,
}

/// The configured SMTP server and sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where mail goes, for messages and logs: `host:port (STARTTLS)`,
    /// never the credentials.
    relay: String,
}

impl Mailer {
    /// The mailer `config` describes; `None` when no SMTP server is set.
    pub fn from_config(config: &Config) -> Result<Option<Self>, MailError> {
        let Some(url) = config.smtp_url.as_deref() else {
            return Ok(None);
        };
        let (lettre_url, relay) = transport_url(url)?;
        let from_text = config.mail_from.as_deref().ok_or(MailError::NoSender)?;
        let from = parse_mailbox("STARLING_MAIL_FROM", from_text)?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url)
            .map_err(|err| MailError::Url(err.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Some(Self {
            transport,
            from,
            relay,
        }))
    }

    /// `host:port (TLS mode)`.
    pub fn relay(&self) -> &str {
        &self.relay
    }

    /// Sends `email`; returns the server's reply to the message (`250 …`).
    pub async fn send(&self, email: &Email) -> Result<String, MailError> {
        let to = parse_mailbox("the address", &email.to)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str())
            .message_id(None);
        if let Some(url) = &email.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|err| MailError::Build(err.to_string()))?;
        let response = self
            .transport
            .send(message)
            .await
            .map_err(|err| MailError::Smtp {
                relay: self.relay.clone(),
                reason: smtp_reason(&err),
            })?;
        let lines: Vec<&str> = response.message().collect();
        Ok(format!("{} {}", response.code(), lines.join(" ")))
    }
}

/// An SMTP error with its causes (lettre's own text stops at the first).
fn smtp_reason(err: &lettre::transport::smtp::Error) -> String {
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        source = cause.source();
    }
    reason
}

fn parse_mailbox(what: &'static str, value: &str) -> Result<Mailbox, MailError> {
    value
        .trim()
        .parse()
        .map_err(|err: lettre::address::AddressError| MailError::Address {
            what,
            value: value.to_owned(),
            reason: err.to_string(),
        })
}

/// Starling's SMTP URL as lettre reads it, and the relay as shown. `smtp://`
/// requires STARTTLS unless `?tls=opportunistic` or `?tls=none` says
/// otherwise; `smtps://` is TLS from the first byte.
fn transport_url(text: &str) -> Result<(String, String), MailError> {
    let bad = |reason: &str| MailError::Url(reason.to_owned());
    let mut url = url::Url::parse(text.trim()).map_err(|err| MailError::Url(err.to_string()))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            bad("no host; expected smtp://user:pass@host:587 or smtps://user:pass@host:465")
        })?
        .to_owned();
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let (mode, port, lettre_tls) = match (url.scheme(), tls.as_deref()) {
        ("smtp", None | Some("required")) => ("STARTTLS", 587, Some("required")),
        ("smtp", Some("opportunistic")) => ("STARTTLS if offered", 587, Some("opportunistic")),
        ("smtp", Some("none")) => ("no TLS", 25, None),
        ("smtps", None) => ("TLS", 465, None),
        ("smtp" | "smtps", Some(other)) => {
            return Err(MailError::Url(format!(
                "tls={other:?}: use tls=required (the default), tls=opportunistic or tls=none with smtp://"
            )))
        }
        (scheme, _) => {
            return Err(MailError::Url(format!(
                "the scheme {scheme:?}: use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
            )))
        }
    };
    let port = url.port().unwrap_or(port);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "tls")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        if let Some(tls) = lettre_tls {
            query.append_pair("tls", tls);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    if url.port().is_none() {
        url.set_port(Some(port))
            .map_err(|()| bad("the port cannot be set"))?;
    }
    Ok((url.to_string(), format!("{host}:{port} ({mode})")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn smtp_requires_starttls_unless_told_otherwise() {
        let (url, relay) = transport_url("smtp://ann:s%40cret@mail.example.org").unwrap();
        assert_eq!(url, "smtp://ann:s%40cret@mail.example.org:587?tls=required");
        assert_eq!(relay, "mail.example.org:587 (STARTTLS)");
        let (url, relay) = transport_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(url, "smtp://127.0.0.1:2525");
        assert_eq!(relay, "127.0.0.1:2525 (no TLS)");
        let (url, _) = transport_url("smtp://h:25?tls=opportunistic").unwrap();
        assert_eq!(url, "smtp://h:25?tls=opportunistic");
        let (url, relay) = transport_url("smtps://u:p@h").unwrap();
        assert_eq!(url, "smtps://u:p@h:465");
        assert_eq!(relay, "h:465 (TLS)");
        for bad in [
            "http://h",
            "smtp://h?tls=maybe",
            "smtps://h?tls=none",
            "smtp://",
            "nonsense",
        ] {
            assert!(transport_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_relay_never_shows_the_password() {
        let (_, relay) = transport_url("smtp://ann:hunter2@mail.example.org:587").unwrap();
        assert!(!relay.contains("hunter2") && !relay.contains("ann"));
    }
}
