//! Email for learners and coaches: an optional address per account, verified
//! by a signed link and changed only with the password; the learner's daily
//! reminder and the coach's digest (both opt-in); signed unsubscribe links
//! that need no login; and the outbox every message goes through
//! ([`outbox`]), filled by [`compose`].

pub mod compose;
pub mod outbox;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::Serialize;
use sha2::Sha256;

use crate::{
    entities::{
        mail_outbox::{self, Kind, Status},
        mail_setting::{self, Digest},
        user,
    },
    error::AppError,
    templates::Templates,
};

pub use compose::compose_due;
pub use outbox::{run_worker, send_due};

/// What composing an email needs: the address links point to, the server's
/// signing secret (for unsubscribe and verification links) and the templates.
#[derive(Clone, Copy)]
pub struct Letters<'a> {
    /// `https://starling.example.org`, no trailing slash.
    pub site: &'a str,
    pub secret: &'a [u8],
    pub templates: &'a Templates,
}

/// How long a verification link works.
pub const VERIFY_HOURS: i64 = 24;
/// Verification messages a user may have sent in a day (each one goes to an
/// address they typed, so this bounds what an account can make us send).
pub const VERIFY_PER_DAY: u64 = 5;
/// The hour emails go out until the user picks another.
pub const DEFAULT_SEND_HOUR: i32 = 8;
/// The longest address SMTP allows.
const MAX_ADDRESS_CHARS: usize = 254;

/// An account's email as Settings shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MailPrefs {
    pub email: Option<String>,
    pub pending_email: Option<String>,
    pub send_hour: i32,
    pub reminders: bool,
    pub digest: Digest,
    pub digest_inactive_days: i32,
}

impl Default for MailPrefs {
    fn default() -> Self {
        Self {
            email: None,
            pending_email: None,
            send_hour: DEFAULT_SEND_HOUR,
            reminders: false,
            digest: Digest::Off,
            digest_inactive_days: 3,
        }
    }
}

impl From<mail_setting::Model> for MailPrefs {
    fn from(row: mail_setting::Model) -> Self {
        Self {
            email: row.email,
            pending_email: row.pending_email,
            send_hour: row.send_hour,
            reminders: row.reminders,
            digest: row.digest,
            digest_inactive_days: row.digest_inactive_days,
        }
    }
}

pub async fn prefs_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<MailPrefs, sea_orm::DbErr> {
    Ok(mail_setting::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(MailPrefs::from)
        .unwrap_or_default())
}

/// The user's row, made with the defaults when there is none yet.
async fn ensure_row(db: &impl ConnectionTrait, user_id: i32) -> Result<(), sea_orm::DbErr> {
    mail_setting::Entity::insert(mail_setting::ActiveModel {
        user_id: Set(user_id),
        send_hour: Set(DEFAULT_SEND_HOUR),
        reminders: Set(false),
        digest: Set(Digest::Off),
        digest_inactive_days: Set(3),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(mail_setting::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], purpose: &str, parts: &[&str]) -> HmacSha256 {
    #[allow(clippy::expect_used)] // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"starling-mail\0");
    mac.update(purpose.as_bytes());
    for part in parts {
        mac.update(b"\0");
        mac.update(part.as_bytes());
    }
    mac
}

fn signature(secret: &[u8], purpose: &str, parts: &[&str]) -> String {
    hex::encode(mac(secret, purpose, parts).finalize().into_bytes())
}

fn signature_holds(secret: &[u8], purpose: &str, parts: &[&str], submitted: &str) -> bool {
    hex::decode(submitted)
        .is_ok_and(|bytes| mac(secret, purpose, parts).verify_slice(&bytes).is_ok())
}

/// What an unsubscribe link ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subscription {
    Reminder,
    Digest,
}

impl Subscription {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::Digest => "digest",
        }
    }

    /// How the confirmation page names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reminder => "daily practice reminders",
            Self::Digest => "the coach digest",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        match word {
            "reminder" => Some(Self::Reminder),
            "digest" => Some(Self::Digest),
            _ => None,
        }
    }

    fn kind(self) -> Kind {
        match self {
            Self::Reminder => Kind::Reminder,
            Self::Digest => Kind::Digest,
        }
    }
}

/// The token of a user's unsubscribe link: `{user}.{what}.{signature}`. It
/// never expires, so an old email's link still works.
pub fn unsubscribe_token(secret: &[u8], user_id: i32, what: Subscription) -> String {
    let id = user_id.to_string();
    let sig = signature(secret, "unsubscribe", &[&id, what.as_str()]);
    format!("{id}.{}.{sig}", what.as_str())
}

/// The user and subscription an unsubscribe token names, when its signature holds.
pub fn check_unsubscribe(secret: &[u8], token: &str) -> Option<(i32, Subscription)> {
    let mut parts = token.splitn(3, '.');
    let (id, what, sig) = (parts.next()?, parts.next()?, parts.next()?);
    let user_id: i32 = id.parse().ok()?;
    let what = Subscription::parse(what)?;
    signature_holds(secret, "unsubscribe", &[id, what.as_str()], sig).then_some((user_id, what))
}

/// Ends a subscription at once: the setting goes off and messages of that
/// kind not yet sent are cancelled. Returns whether the account exists.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    user_id: i32,
    what: Subscription,
) -> Result<bool, sea_orm::DbErr> {
    if user::Entity::find_by_id(user_id).count(db).await? == 0 {
        return Ok(false);
    }
    ensure_row(db, user_id).await?;
    let update =
        mail_setting::Entity::update_many().filter(mail_setting::Column::UserId.eq(user_id));
    match what {
        Subscription::Reminder => {
            update
                .col_expr(mail_setting::Column::Reminders, Expr::value(false))
                .exec(db)
                .await?
        }
        Subscription::Digest => {
            update
                .col_expr(mail_setting::Column::Digest, Expr::value(Digest::Off))
                .exec(db)
                .await?
        }
    };
    cancel_unsent(db, user_id, Some(what.kind())).await?;
    Ok(true)
}

/// Cancels the user's messages not sent yet (of one kind, or all).
async fn cancel_unsent(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: Option<Kind>,
) -> Result<(), sea_orm::DbErr> {
    let mut update = mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Status, Expr::value(Status::Cancelled))
        .filter(mail_outbox::Column::UserId.eq(user_id))
        .filter(mail_outbox::Column::Status.eq(Status::Pending));
    if let Some(kind) = kind {
        update = update.filter(mail_outbox::Column::Kind.eq(kind));
    }
    update.exec(db).await?;
    Ok(())
}

/// The token of a verification link for `email`, good until `expires`.
fn verify_token(secret: &[u8], user_id: i32, email: &str, expires: i64) -> String {
    let (id, until) = (user_id.to_string(), expires.to_string());
    let sig = signature(secret, "verify", &[&id, email, &until]);
    format!("{id}.{until}.{sig}")
}

/// A checked, trimmed address, or why it is not one.
pub fn parse_address(raw: &str) -> Result<String, AppError> {
    let address = raw.trim();
    let bad = |why: &str| {
        AppError::invalid(
            "email",
            format!("{address:?} is not an email address ({why}): write it as name@example.org"),
        )
    };
    if address.chars().count() > MAX_ADDRESS_CHARS {
        return Err(AppError::invalid(
            "email",
            format!("an email address has at most {MAX_ADDRESS_CHARS} characters"),
        ));
    }
    let parsed: lettre::Address = address
        .parse()
        .map_err(|err: lettre::address::AddressError| bad(&err.to_string()))?;
    if !parsed.domain().contains('.') && parsed.domain() != "localhost" {
        return Err(bad("the domain has no dot"));
    }
    Ok(parsed.to_string())
}

/// What changing the address did.
#[derive(Debug, PartialEq, Eq)]
pub enum AddressChange {
    /// A verification link went to the outbox for this address.
    Verifying(String),
    /// The address (verified or pending) was removed.
    Removed,
    /// It is the confirmed address already; a pending change is dropped.
    Unchanged(String),
}

impl AddressChange {
    /// What the change did, in a sentence for the user.
    pub fn message(&self) -> String {
        match self {
            Self::Verifying(address) => format!(
                "We sent a confirmation link to {address}: open it within {VERIFY_HOURS} hours to start getting email there."
            ),
            Self::Unchanged(address) => format!("{address} is already your confirmed address."),
            Self::Removed => "Email address removed: Starling sends you nothing.".to_owned(),
        }
    }

    /// The change in a word, for the address of the page that reports it
    /// (`/settings?address=verifying`): a reload then shows the page again
    /// instead of sending the form (and another verification message) twice.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Verifying(_) => "verifying",
            Self::Unchanged(_) => "unchanged",
            Self::Removed => "removed",
        }
    }

    /// The change [`Self::code`] names, as `prefs` show it now; `None` when
    /// they no longer do (the address was confirmed or changed since).
    pub fn from_code(code: &str, prefs: &MailPrefs) -> Option<Self> {
        match code {
            "verifying" => prefs.pending_email.clone().map(Self::Verifying),
            "unchanged" if prefs.pending_email.is_none() => {
                prefs.email.clone().map(Self::Unchanged)
            }
            "removed" if prefs.email.is_none() && prefs.pending_email.is_none() => {
                Some(Self::Removed)
            }
            _ => None,
        }
    }
}

/// Sets (or with an empty `raw`, removes) the user's address: a new one is
/// pending until its verification link is opened, and the old one, if any,
/// keeps receiving until then. The caller has checked the password.
pub async fn change_address(
    db: &impl ConnectionTrait,
    letters: Letters<'_>,
    user: &user::Model,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<AddressChange, AppError> {
    ensure_row(db, user.id).await?;
    if raw.trim().is_empty() {
        clear_address(db, user.id, true).await?;
        return Ok(AddressChange::Removed);
    }
    let address = parse_address(raw)?;
    if prefs_of(db, user.id).await?.email.as_deref() == Some(address.as_str()) {
        clear_address(db, user.id, false).await?;
        return Ok(AddressChange::Unchanged(address));
    }
    let sent_today = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::UserId.eq(user.id))
        .filter(mail_outbox::Column::Kind.eq(Kind::Verify))
        .filter(mail_outbox::Column::CreatedAt.gt(now - Duration::days(1)))
        .count(db)
        .await?;
    if sent_today >= VERIFY_PER_DAY {
        return Err(AppError::TooManyRequests {
            message: format!(
                "{VERIFY_PER_DAY} verification emails were sent for this account in the last 24 hours; try again tomorrow"
            ),
            retry_after: 3600,
        });
    }
    mail_setting::Entity::update_many()
        .col_expr(
            mail_setting::Column::PendingEmail,
            Expr::value(address.clone()),
        )
        .col_expr(mail_setting::Column::PendingSince, Expr::value(now))
        .filter(mail_setting::Column::UserId.eq(user.id))
        .exec(db)
        .await?;
    // Older verification messages not sent yet name an address no longer asked for.
    cancel_unsent(db, user.id, Some(Kind::Verify)).await?;
    let expires = (now + Duration::hours(VERIFY_HOURS)).timestamp();
    let link = format!(
        "{}/email/verify/{}",
        letters.site,
        verify_token(letters.secret, user.id, &address, expires)
    );
    let context = minijinja::context! {
        username => user.username, address => address, link => link, hours => VERIFY_HOURS,
        site => letters.site,
    };
    outbox::enqueue(
        db,
        outbox::NewMessage {
            user_id: user.id,
            kind: Kind::Verify,
            day: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            to: address.clone(),
            subject: "Confirm your email address for Starling".to_owned(),
            text: letters
                .templates
                .render("email/verify.txt", context.clone())?,
            html: letters.templates.render("email/verify.html", context)?,
            unsubscribe_url: None,
        },
        now,
    )
    .await?;
    Ok(AddressChange::Verifying(address))
}

/// Drops the pending address (and its confirmation messages not yet sent)
/// and, with `confirmed`, the confirmed one too (and every message not yet sent).
async fn clear_address(
    db: &impl ConnectionTrait,
    user_id: i32,
    confirmed: bool,
) -> Result<(), sea_orm::DbErr> {
    let none = || Expr::value(Option::<String>::None);
    let never = || Expr::value(Option::<DateTime<Utc>>::None);
    let mut update = mail_setting::Entity::update_many()
        .col_expr(mail_setting::Column::PendingEmail, none())
        .col_expr(mail_setting::Column::PendingSince, never())
        .filter(mail_setting::Column::UserId.eq(user_id));
    if confirmed {
        update = update
            .col_expr(mail_setting::Column::Email, none())
            .col_expr(mail_setting::Column::EmailVerifiedAt, never());
    }
    update.exec(db).await?;
    cancel_unsent(db, user_id, (!confirmed).then_some(Kind::Verify)).await
}

/// Opens a verification link: the pending address it names becomes the
/// account's address. Returns it; `None` when the link is forged, expired, or
/// for an address no longer pending.
pub async fn confirm_address(
    db: &impl ConnectionTrait,
    secret: &[u8],
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sea_orm::DbErr> {
    let mut parts = token.splitn(3, '.');
    let (Some(id), Some(until), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (Ok(user_id), Ok(expires)) = (id.parse::<i32>(), until.parse::<i64>()) else {
        return Ok(None);
    };
    if now.timestamp() >= expires {
        return Ok(None);
    }
    let Some(row) = mail_setting::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    let Some(pending) = row.pending_email else {
        // Opened twice: the address is already the account's.
        return Ok(row
            .email
            .filter(|email| signature_holds(secret, "verify", &[id, email, until], sig)));
    };
    if !signature_holds(secret, "verify", &[id, &pending, until], sig) {
        return Ok(None);
    }
    mail_setting::Entity::update_many()
        .col_expr(mail_setting::Column::Email, Expr::value(pending.clone()))
        .col_expr(mail_setting::Column::EmailVerifiedAt, Expr::value(now))
        .col_expr(
            mail_setting::Column::PendingEmail,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            mail_setting::Column::PendingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(mail_setting::Column::UserId.eq(user_id))
        .filter(mail_setting::Column::PendingEmail.eq(pending.clone()))
        .exec(db)
        .await?;
    Ok(Some(pending))
}

/// The most days of inactivity a digest can wait for.
pub const MAX_INACTIVE_DAYS: i32 = 60;

/// What the user wants sent, and when.
#[derive(Clone, Copy, Debug)]
pub struct PrefsChange {
    /// The hour (0-23, the user's time zone) emails go out.
    pub send_hour: i32,
    /// The learner's daily reminder.
    pub reminders: bool,
    /// The coach digest: `off`, `daily` or `weekly` (Mondays).
    pub digest: Digest,
    /// Learners who have not practised for this many days show in the digest.
    pub digest_inactive_days: i32,
}

/// Saves what the user wants sent; turning something off cancels its
/// messages not yet sent.
pub async fn save_prefs(
    db: &impl ConnectionTrait,
    user_id: i32,
    change: &PrefsChange,
) -> Result<(), AppError> {
    let PrefsChange {
        send_hour,
        reminders,
        digest,
        digest_inactive_days: inactive_days,
    } = *change;
    if !(0..=23).contains(&send_hour) {
        return Err(AppError::invalid(
            "send_hour",
            format!("the hour must be between 0 and 23, got {send_hour}"),
        ));
    }
    if !(1..=MAX_INACTIVE_DAYS).contains(&inactive_days) {
        return Err(AppError::invalid(
            "digest_inactive_days",
            format!("days without practice must be between 1 and {MAX_INACTIVE_DAYS}, got {inactive_days}"),
        ));
    }
    ensure_row(db, user_id).await?;
    mail_setting::Entity::update_many()
        .col_expr(mail_setting::Column::SendHour, Expr::value(send_hour))
        .col_expr(mail_setting::Column::Reminders, Expr::value(reminders))
        .col_expr(mail_setting::Column::Digest, Expr::value(digest))
        .col_expr(
            mail_setting::Column::DigestInactiveDays,
            Expr::value(inactive_days),
        )
        .filter(mail_setting::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if !reminders {
        cancel_unsent(db, user_id, Some(Kind::Reminder)).await?;
    }
    if digest == Digest::Off {
        cancel_unsent(db, user_id, Some(Kind::Digest)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unsubscribe_tokens_hold_only_as_signed() {
        let token = unsubscribe_token(b"secret", 42, Subscription::Digest);
        assert_eq!(
            check_unsubscribe(b"secret", &token),
            Some((42, Subscription::Digest))
        );
        assert_eq!(check_unsubscribe(b"other", &token), None);
        let forged = token.replacen("42.", "43.", 1);
        assert_eq!(check_unsubscribe(b"secret", &forged), None);
        let other_kind = token.replacen("digest", "reminder", 1);
        assert_eq!(check_unsubscribe(b"secret", &other_kind), None);
        for bad in ["", "1", "1.reminder", "x.reminder.00", "1.reminder.zz"] {
            assert_eq!(check_unsubscribe(b"secret", bad), None, "{bad}");
        }
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            parse_address("  ann@example.org ").unwrap(),
            "ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
        assert!(parse_address(&format!("{}@example.org", "a".repeat(260))).is_err());
    }
}
