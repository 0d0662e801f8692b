//! An account's email address (optional, verified by a link) and the email
//! it wants: the learner's daily reminder and the coach's digest.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// The verified address; nothing is sent without one.
    pub email: Option<String>,
    pub email_verified_at: Option<DateTimeUtc>,
    /// An address waiting for its verification link to be opened.
    pub pending_email: Option<String>,
    pub pending_since: Option<DateTimeUtc>,
    /// The hour (0-23, the user's time zone) reminders and digests go out.
    pub send_hour: i32,
    /// Whether the learner wants the daily reminder.
    pub reminders: bool,
    pub digest: Digest,
    /// Learners who have not practised for this many days show in the digest.
    pub digest_inactive_days: i32,
}

stored_words! {
    /// How often a coach gets the digest.
    pub enum Digest {
        Off = "off",
        Daily = "daily",
        Weekly = "weekly",
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
