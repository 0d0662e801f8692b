//! Email: each account's optional, verified address and what it wants sent
//! (the learner's reminder and its hour, the coach's digest), and the outbox
//! every message goes through. An outbox row is unique per user, kind and
//! day, so a reminder is composed once however many instances look; it is
//! sent by whichever instance claims it, and retried with backoff.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailSettings {
    Table,
    UserId,
    Email,
    EmailVerifiedAt,
    PendingEmail,
    PendingSince,
    SendHour,
    Reminders,
    Digest,
    DigestInactiveDays,
}

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    UserId,
    Kind,
    Day,
    Status,
    ToAddress,
    Subject,
    TextBody,
    HtmlBody,
    UnsubscribeUrl,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailSettings::Table)
                    .col(integer(MailSettings::UserId).primary_key())
                    .col(string_len_null(MailSettings::Email, 254))
                    .col(timestamp_with_time_zone_null(MailSettings::EmailVerifiedAt))
                    .col(string_len_null(MailSettings::PendingEmail, 254))
                    .col(timestamp_with_time_zone_null(MailSettings::PendingSince))
                    .col(integer(MailSettings::SendHour).default(8))
                    .col(boolean(MailSettings::Reminders).default(false))
                    .col(string_len(MailSettings::Digest, 8).default("off"))
                    .col(integer(MailSettings::DigestInactiveDays).default(3))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailSettings::Table, MailSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailOutbox::Table)
                    .col(pk_auto(MailOutbox::Id))
                    .col(integer(MailOutbox::UserId))
                    .col(string_len(MailOutbox::Kind, 16))
                    .col(string_len(MailOutbox::Day, 40))
                    .col(string_len(MailOutbox::Status, 12))
                    .col(string_len_null(MailOutbox::ToAddress, 254))
                    .col(text(MailOutbox::Subject))
                    .col(text(MailOutbox::TextBody))
                    .col(text(MailOutbox::HtmlBody))
                    .col(text_null(MailOutbox::UnsubscribeUrl))
                    .col(integer(MailOutbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(MailOutbox::NextAttemptAt))
                    .col(string_len_null(MailOutbox::ClaimedBy, 64))
                    .col(timestamp_with_time_zone_null(MailOutbox::ClaimedUntil))
                    .col(text_null(MailOutbox::LastError))
                    .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailOutbox::Table, MailOutbox::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_user_kind_day")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::UserId)
                    .col(MailOutbox::Kind)
                    .col(MailOutbox::Day)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_outbox_status_next")
                    .table(MailOutbox::Table)
                    .col(MailOutbox::Status)
                    .col(MailOutbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }
}
