//! One email to send (or a day's decision not to send one): unique per
//! user, kind and day, claimed by one instance at a time, retried with
//! backoff.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub kind: Kind,
    /// The user's local date (`2026-12-05`) for reminders and digests; the
    /// request's time for verification messages.
    pub day: String,
    pub status: Status,
    pub to_address: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub unsubscribe_url: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

stored_words! {
    /// What a message is.
    pub enum Kind {
        Reminder = "reminder",
        Digest = "digest",
        Verify = "verify",
    }
}

stored_words! {
    /// Where a message is.
    pub enum Status {
        /// To send (again) at `next_attempt_at`.
        Pending = "pending",
        Sent = "sent",
        /// Given up: too many attempts, or the day it was for is over.
        Failed = "failed",
        /// Nothing to say that day; kept so the day is decided once.
        Skipped = "skipped",
        /// The user unsubscribed or removed the address before it went.
        Cancelled = "cancelled",
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
