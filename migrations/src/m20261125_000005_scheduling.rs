//! Scheduling depth: per-user scheduler settings and FSRS parameters,
//! background optimization jobs claimed in the database, suspended, buried
//! and leech cards, learning steps, the card as it was before each grade
//! (for undo), and mock interview rounds.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    MaximumIntervalDays,
    RolloverHour,
    LearningSteps,
    RelearningSteps,
    InterviewDate,
    InterviewMinReviews,
    LeechThreshold,
    FsrsParameters,
}

#[derive(DeriveIden)]
enum Cards {
    Table,
    Suspended,
    BuriedUntil,
    Leech,
    Step,
}

#[derive(DeriveIden)]
enum ReviewLogs {
    Table,
    CardBefore,
    UndoneAt,
}

#[derive(DeriveIden)]
enum OptimizeJobs {
    Table,
    Id,
    UserId,
    Status,
    ProgressCurrent,
    ProgressTotal,
    ClaimedBy,
    HeartbeatAt,
    CreatedAt,
    FinishedAt,
    Error,
    ReviewsUsed,
    LogLossBefore,
    RmseBefore,
    LogLossAfter,
    RmseAfter,
    ParametersBefore,
    ParametersAfter,
}

#[derive(DeriveIden)]
enum MockInterviews {
    Table,
    Id,
    UserId,
    Minutes,
    Competencies,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum MockQuestions {
    Table,
    Id,
    MockId,
    Position,
    QuestionId,
    CardId,
    AnswerId,
    StartedAt,
    AnsweredAt,
    SecondsSpent,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    // One column per statement: SQLite alters one column at a time.
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            integer(Users::MaximumIntervalDays)
                .default(36500)
                .to_owned(),
            integer(Users::RolloverHour).default(4).to_owned(),
            string_len(Users::LearningSteps, 200)
                .default("10m")
                .to_owned(),
            string_len(Users::RelearningSteps, 200)
                .default("10m")
                .to_owned(),
            // A calendar date, YYYY-MM-DD, in the user's time zone.
            string_len_null(Users::InterviewDate, 10).to_owned(),
            integer(Users::InterviewMinReviews).default(2).to_owned(),
            integer(Users::LeechThreshold).default(4).to_owned(),
            // JSON array of FSRS weights; empty for FSRS's defaults.
            text(Users::FsrsParameters).default("").to_owned(),
        ] {
            add_column(manager, Users::Table, column).await?;
        }
        for column in [
            boolean(Cards::Suspended).default(false).to_owned(),
            timestamp_with_time_zone_null(Cards::BuriedUntil).to_owned(),
            boolean(Cards::Leech).default(false).to_owned(),
            integer(Cards::Step).default(0).to_owned(),
        ] {
            add_column(manager, Cards::Table, column).await?;
        }
        for column in [
            // JSON of the card's scheduling fields before this grade, for undo.
            text_null(ReviewLogs::CardBefore).to_owned(),
            timestamp_with_time_zone_null(ReviewLogs::UndoneAt).to_owned(),
        ] {
            add_column(manager, ReviewLogs::Table, column).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(OptimizeJobs::Table)
                    .col(pk_auto(OptimizeJobs::Id))
                    .col(integer(OptimizeJobs::UserId))
                    // queued, running, done, failed
                    .col(string_len(OptimizeJobs::Status, 16))
                    .col(integer(OptimizeJobs::ProgressCurrent).default(0))
                    .col(integer(OptimizeJobs::ProgressTotal).default(0))
                    .col(string_len_null(OptimizeJobs::ClaimedBy, 64))
                    .col(timestamp_with_time_zone_null(OptimizeJobs::HeartbeatAt))
                    .col(timestamp_with_time_zone(OptimizeJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(OptimizeJobs::FinishedAt))
                    .col(text_null(OptimizeJobs::Error))
                    .col(integer(OptimizeJobs::ReviewsUsed).default(0))
                    .col(double_null(OptimizeJobs::LogLossBefore))
                    .col(double_null(OptimizeJobs::RmseBefore))
                    .col(double_null(OptimizeJobs::LogLossAfter))
                    .col(double_null(OptimizeJobs::RmseAfter))
                    .col(text_null(OptimizeJobs::ParametersBefore))
                    .col(text_null(OptimizeJobs::ParametersAfter))
                    .foreign_key(&mut cascade(
                        (OptimizeJobs::Table, OptimizeJobs::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_optimize_jobs_user")
                    .table(OptimizeJobs::Table)
                    .col(OptimizeJobs::UserId)
                    .col(OptimizeJobs::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MockInterviews::Table)
                    .col(pk_auto(MockInterviews::Id))
                    .col(integer(MockInterviews::UserId))
                    .col(integer(MockInterviews::Minutes))
                    // JSON array of competency keys asked for; empty for all.
                    .col(text(MockInterviews::Competencies))
                    .col(timestamp_with_time_zone(MockInterviews::CreatedAt))
                    .col(timestamp_with_time_zone_null(MockInterviews::FinishedAt))
                    .foreign_key(&mut cascade(
                        (MockInterviews::Table, MockInterviews::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MockQuestions::Table)
                    .col(pk_auto(MockQuestions::Id))
                    .col(integer(MockQuestions::MockId))
                    .col(integer(MockQuestions::Position))
                    .col(integer(MockQuestions::QuestionId))
                    .col(integer_null(MockQuestions::CardId))
                    .col(integer_null(MockQuestions::AnswerId))
                    .col(timestamp_with_time_zone_null(MockQuestions::StartedAt))
                    .col(timestamp_with_time_zone_null(MockQuestions::AnsweredAt))
                    .col(integer(MockQuestions::SecondsSpent).default(0))
                    .foreign_key(&mut cascade(
                        (MockQuestions::Table, MockQuestions::MockId),
                        (MockInterviews::Table, MockInterviews::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (MockQuestions::Table, MockQuestions::QuestionId),
                        (Questions::Table, Questions::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MockQuestions::Table, MockQuestions::AnswerId)
                            .to(Answers::Table, Answers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mock_questions_position")
                    .table(MockQuestions::Table)
                    .col(MockQuestions::MockId)
                    .col(MockQuestions::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
