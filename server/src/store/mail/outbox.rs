//! The outbox: every email is a row first, then sent by whichever instance
//! claims it (an atomic update with a lease, as optimization jobs are
//! claimed), so several instances never send the same row twice while its
//! lease lasts. A failed send is retried with exponential backoff; requests
//! never wait for SMTP.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::{Condition, Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::Notify;

use super::Letters;
use crate::{
    entities::mail_outbox::{self, Kind, Status},
    mail::{Email, Mailer},
    templates::Templates,
};

/// How long a claim lasts: longer than one SMTP conversation may take.
const LEASE_SECONDS: i64 = 90;
/// Sends tried before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The first retry's wait; each later one doubles it, up to [`MAX_BACKOFF_MINUTES`].
const FIRST_BACKOFF_MINUTES: i64 = 1;
const MAX_BACKOFF_MINUTES: i64 = 60;
/// A reminder or digest not sent within this long after it was composed (no
/// instance running, say) is out of date, its figures those of an earlier
/// hour or day, and given up.
const STALE_AFTER_HOURS: i64 = 6;
/// Rows claimed per look.
const BATCH: u64 = 20;

/// The wait before the next attempt after `attempts` failed ones: 1, 2, 4 …
/// minutes, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 16) - 1;
    Duration::minutes((FIRST_BACKOFF_MINUTES << doublings).min(MAX_BACKOFF_MINUTES))
}

pub struct NewMessage {
    pub user_id: i32,
    pub kind: Kind,
    pub day: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe_url: Option<String>,
}

/// Puts a message in the outbox, unless one of its kind is there for the
/// user and day already. Returns whether it was added.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    insert(
        db,
        mail_outbox::ActiveModel {
            user_id: Set(message.user_id),
            kind: Set(message.kind),
            day: Set(message.day),
            status: Set(Status::Pending),
            to_address: Set(Some(message.to)),
            subject: Set(message.subject),
            text_body: Set(message.text),
            html_body: Set(message.html),
            unsubscribe_url: Set(message.unsubscribe_url),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await
}

/// Records that the user gets no message of this kind on `day` (nothing to
/// say), so the day is decided once.
pub async fn skip(
    db: &impl ConnectionTrait,
    user_id: i32,
    kind: Kind,
    day: String,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    insert(
        db,
        mail_outbox::ActiveModel {
            user_id: Set(user_id),
            kind: Set(kind),
            day: Set(day),
            status: Set(Status::Skipped),
            subject: Set(String::new()),
            text_body: Set(String::new()),
            html_body: Set(String::new()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await
}

async fn insert(
    db: &impl ConnectionTrait,
    row: mail_outbox::ActiveModel,
) -> Result<bool, sea_orm::DbErr> {
    let inserted = mail_outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                mail_outbox::Column::UserId,
                mail_outbox::Column::Kind,
                mail_outbox::Column::Day,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// What one look at the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u32,
    /// Failed this time, to be tried again later.
    pub retrying: u32,
    /// Given up (too many attempts, or out of date).
    pub given_up: u32,
}

/// Sends the messages due at `now` that this instance can claim.
pub async fn send_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<SendReport, sea_orm::DbErr> {
    let mut report = SendReport::default();
    let free = || {
        Condition::any()
            .add(mail_outbox::Column::ClaimedUntil.is_null())
            .add(mail_outbox::Column::ClaimedUntil.lt(now))
    };
    let ids: Vec<i32> = mail_outbox::Entity::find()
        .select_only()
        .column(mail_outbox::Column::Id)
        .filter(mail_outbox::Column::Status.eq(Status::Pending))
        .filter(mail_outbox::Column::NextAttemptAt.lte(now))
        .filter(free())
        .order_by_asc(mail_outbox::Column::NextAttemptAt)
        .order_by_asc(mail_outbox::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    for id in ids {
        let claimed = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::ClaimedBy, Expr::value(instance))
            .col_expr(
                mail_outbox::Column::ClaimedUntil,
                Expr::value(now + Duration::seconds(LEASE_SECONDS)),
            )
            .filter(mail_outbox::Column::Id.eq(id))
            .filter(mail_outbox::Column::Status.eq(Status::Pending))
            .filter(free())
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue; // Another instance has it, or it was cancelled.
        }
        let Some(row) = mail_outbox::Entity::find_by_id(id).one(db).await? else {
            continue;
        };
        let stale =
            row.kind != Kind::Verify && now - row.created_at > Duration::hours(STALE_AFTER_HOURS);
        // Err((why, give up)).
        let (attempts, outcome) = if stale {
            (
                row.attempts,
                Err(("out of date: not sent within its day".to_owned(), true)),
            )
        } else {
            let email = Email {
                to: row.to_address.clone().unwrap_or_default(),
                subject: row.subject.clone(),
                text: row.text_body.clone(),
                html: row.html_body.clone(),
                unsubscribe: row.unsubscribe_url.clone(),
            };
            let attempts = row.attempts + 1;
            let sent = mailer
                .send(&email)
                .await
                .map_err(|err| (err.to_string(), attempts >= MAX_ATTEMPTS));
            (attempts, sent)
        };
        let mut update = mail_outbox::Entity::update_many()
            .col_expr(mail_outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(
                mail_outbox::Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(mail_outbox::Column::Id.eq(id))
            .filter(mail_outbox::Column::ClaimedBy.eq(instance));
        match &outcome {
            Ok(reply) => {
                tracing::info!(outbox = id, kind = %row.kind, attempts, reply = %reply, "email sent");
                report.sent += 1;
                update = update
                    .col_expr(mail_outbox::Column::Status, Expr::value(Status::Sent))
                    .col_expr(mail_outbox::Column::SentAt, Expr::value(Utc::now()));
            }
            Err((error, true)) => {
                tracing::error!(outbox = id, kind = %row.kind, attempts, error = %error, "email given up");
                report.given_up += 1;
                update = update
                    .col_expr(mail_outbox::Column::Status, Expr::value(Status::Failed))
                    .col_expr(mail_outbox::Column::LastError, Expr::value(error.clone()));
            }
            Err((error, false)) => {
                let wait = backoff(attempts);
                tracing::warn!(
                    outbox = id, kind = %row.kind, attempts, retry_in_minutes = wait.num_minutes(), error = %error,
                    "email not sent; will retry"
                );
                report.retrying += 1;
                update = update
                    .col_expr(mail_outbox::Column::NextAttemptAt, Expr::value(now + wait))
                    .col_expr(mail_outbox::Column::LastError, Expr::value(error.clone()));
            }
        }
        update.exec(db).await?;
    }
    Ok(report)
}

/// How often the worker composes and sends without being woken.
const TICK: StdDuration = StdDuration::from_secs(30);

/// Composes reminders and digests and sends the outbox until `stop` turns
/// true: every [`TICK`], or at once when `notify` says a message was queued
/// here. Failures are logged and tried again at the next tick.
pub async fn run_worker(
    db: DatabaseConnection,
    mailer: Arc<Mailer>,
    site: String,
    secret: Vec<u8>,
    instance: String,
    notify: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let templates = Templates::new();
    let letters = Letters {
        site: &site,
        secret: &secret,
        templates: &templates,
    };
    while !*stop.borrow() {
        let now = Utc::now();
        if let Err(err) = super::compose_due(&db, letters, now).await {
            tracing::warn!(error = %err, "could not compose reminders and digests");
        }
        if let Err(err) = send_due(&db, &mailer, &instance, now).await {
            tracing::warn!(error = %err, "could not look at the outbox");
        }
        tokio::select! {
            _ = notify.notified() => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = tokio::time::sleep(TICK) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
