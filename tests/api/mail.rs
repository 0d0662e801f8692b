//! `starling mail test ADDRESS` against a real SMTP server on loopback
//! (Python's aiosmtpd, which `scripts/test` installs): the message arrives
//! with a plain-text and an HTML part; a server that is down, or that offers
//! no STARTTLS when it is required, is reported and the command fails.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output},
    time::{Duration, Instant},
};

use super::{banks::starling_binary, operations::free_port};

/// aiosmtpd on a free loopback port, keeping what it receives in a maildir;
/// stopped when dropped.
pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    maildir: PathBuf,
}

impl SmtpServer {
    pub(crate) fn start() -> Option<Self> {
        Self::start_on(free_port())
    }

    /// aiosmtpd on `port` (one a test kept free, say, to start the server late).
    pub(crate) fn start_on(port: u16) -> Option<Self> {
        if !starling_tests::python_module_available("aiosmtpd", "aiosmtpd") {
            return None;
        }
        let maildir =
            std::env::temp_dir().join(format!("starling-maildir-{}", rand::random::<u64>()));
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .spawn()
            .expect("start aiosmtpd");
        let server = Self {
            child,
            port,
            maildir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    /// Every message received, as raw text.
    pub(crate) fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

/// `starling mail test ADDRESS` with these mail settings and no others.
fn mail_test(smtp_url: &str, from: &str, address: &str) -> Output {
    let dir = std::env::temp_dir();
    let binary = starling_binary();
    let started = Instant::now();
    let out = Command::new(binary)
        .args(["mail", "test", address])
        .current_dir(&dir)
        .env("STARLING_CONFIG", Path::new("/dev/null"))
        .env("STARLING_SMTP_URL", smtp_url)
        .env("STARLING_MAIL_FROM", from)
        .env("STARLING_LOG", "warn")
        .output()
        .expect("run starling mail test");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "mail test took {:?}",
        started.elapsed()
    );
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn mail_test_sends_through_a_real_smtp_server() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}?tls=none", server.port);
    let out = mail_test(&url, "Starling <starling@example.org>", "ann@example.org");
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        said.contains(&format!("127.0.0.1:{} (no TLS)", server.port)),
        "{said}"
    );
    assert!(said.contains("answered 250"), "{said}");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    for wanted in [
        "From: Starling <starling@example.org>",
        "To: ann@example.org",
        "Subject: Starling test message",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "the server can send email",
    ] {
        assert!(message.contains(wanted), "{wanted:?} in {message}");
    }
    assert!(!message.contains("<img"), "no images, no tracking pixels");

    // STARTTLS is required unless the URL says otherwise; aiosmtpd offers none.
    let out = mail_test(
        &format!("smtp://127.0.0.1:{}", server.port),
        "starling@example.org",
        "ann@example.org",
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("(STARTTLS)"), "{}", text(&out));
    assert_eq!(server.messages().len(), 1, "nothing sent without TLS");
}

#[test]
fn mail_test_reports_a_server_that_is_down_or_a_bad_setting() {
    // Nothing listens on this port.
    let port = free_port();
    let out = mail_test(
        &format!("smtp://127.0.0.1:{port}?tls=none"),
        "starling@example.org",
        "ann@example.org",
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains(&format!("127.0.0.1:{port}")) && said.to_lowercase().contains("refused"),
        "{said}"
    );

    for (url, from, address, wanted) in [
        (
            "http://mail.example.org",
            "s@example.org",
            "a@example.org",
            "smtp://",
        ),
        (
            "smtp://h?tls=maybe",
            "s@example.org",
            "a@example.org",
            "tls=",
        ),
        (
            "smtp://h?tls=none",
            "not an address",
            "a@example.org",
            "STARLING_MAIL_FROM",
        ),
        (
            "smtp://h?tls=none",
            "s@example.org",
            "nobody",
            "not an email address",
        ),
        ("", "s@example.org", "a@example.org", "STARLING_SMTP_URL"),
    ] {
        let out = mail_test(url, from, address);
        assert!(!out.status.success(), "{url} {from} {address}");
        assert!(text(&out).contains(wanted), "{wanted:?} in {}", text(&out));
    }
    // The password never shows.
    let out = mail_test(
        &format!("smtp://ann:hunter2@127.0.0.1:{port}?tls=none"),
        "s@example.org",
        "a@example.org",
    );
    assert!(!text(&out).contains("hunter2"), "{}", text(&out));
}
