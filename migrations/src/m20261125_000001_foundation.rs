//! Accounts, sessions, question banks, cards with their review log, answers,
//! reviews and drafts: the daily practice loop.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    TimeZone,
    NewPerDay,
    ReviewsPerDay,
    DesiredRetention,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    TokenHash,
    UserId,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Banks {
    Table,
    Id,
    Key,
    Title,
    Description,
    OwnerId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Competencies {
    Table,
    Id,
    BankId,
    Key,
    Name,
    Description,
    Position,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    BankId,
    CompetencyId,
    Key,
    Prompt,
    Variants,
    FollowUps,
    Tags,
    Level,
    Position,
    Retired,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RubricItems {
    Table,
    Id,
    QuestionId,
    Key,
    Text,
    Help,
    Position,
    Retired,
}

#[derive(DeriveIden)]
enum Cards {
    Table,
    Id,
    UserId,
    QuestionId,
    State,
    Due,
    Stability,
    Difficulty,
    LastReview,
    Reps,
    Lapses,
    ScheduledDays,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    UserId,
    QuestionId,
    CardId,
    Attempt,
    Situation,
    Task,
    Action,
    Result,
    Reflection,
    SecondsSpent,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReviewLogs {
    Table,
    Id,
    CardId,
    UserId,
    AnswerId,
    Rating,
    StateBefore,
    ElapsedDays,
    ScheduledDays,
    Stability,
    Difficulty,
    Due,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    AnswerId,
    ReviewerId,
    Kind,
    Comment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewItems {
    Table,
    ReviewId,
    RubricItemId,
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Id,
    UserId,
    QuestionId,
    Situation,
    Task,
    Action,
    Result,
    Reflection,
    SecondsSpent,
    UpdatedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 64))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::TimeZone, 64).default("UTC"))
                    .col(integer(Users::NewPerDay).default(5))
                    .col(integer(Users::ReviewsPerDay).default(100))
                    .col(double(Users::DesiredRetention).default(0.9))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::TokenHash, 64).primary_key())
                    .col(integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(&mut fk(
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(string_len(ApiTokens::TokenHash, 64).primary_key())
                    .col(integer(ApiTokens::UserId))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .foreign_key(&mut fk(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Banks::Table)
                    .col(pk_auto(Banks::Id))
                    .col(string_len_uniq(Banks::Key, 64))
                    .col(string(Banks::Title))
                    .col(text(Banks::Description))
                    .col(integer_null(Banks::OwnerId))
                    .col(timestamp_with_time_zone(Banks::CreatedAt))
                    .col(timestamp_with_time_zone(Banks::UpdatedAt))
                    .foreign_key(&mut fk(
                        Banks::Table,
                        Banks::OwnerId,
                        Users::Table,
                        Users::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Competencies::Table)
                    .col(pk_auto(Competencies::Id))
                    .col(integer(Competencies::BankId))
                    .col(string_len(Competencies::Key, 64))
                    .col(string(Competencies::Name))
                    .col(text(Competencies::Description))
                    .col(integer(Competencies::Position))
                    .foreign_key(&mut fk(
                        Competencies::Table,
                        Competencies::BankId,
                        Banks::Table,
                        Banks::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_competencies_bank_key")
                    .table(Competencies::Table)
                    .col(Competencies::BankId)
                    .col(Competencies::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::BankId))
                    .col(integer(Questions::CompetencyId))
                    .col(string_len(Questions::Key, 64))
                    .col(text(Questions::Prompt))
                    .col(text(Questions::Variants))
                    .col(text(Questions::FollowUps))
                    .col(text(Questions::Tags))
                    .col(text(Questions::Level))
                    .col(integer(Questions::Position))
                    .col(boolean(Questions::Retired).default(false))
                    .col(timestamp_with_time_zone(Questions::UpdatedAt))
                    .foreign_key(&mut fk(
                        Questions::Table,
                        Questions::BankId,
                        Banks::Table,
                        Banks::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Questions::Table,
                        Questions::CompetencyId,
                        Competencies::Table,
                        Competencies::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_questions_bank_key")
                    .table(Questions::Table)
                    .col(Questions::BankId)
                    .col(Questions::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RubricItems::Table)
                    .col(pk_auto(RubricItems::Id))
                    .col(integer_null(RubricItems::QuestionId))
                    .col(string_len(RubricItems::Key, 64))
                    .col(text(RubricItems::Text))
                    .col(text(RubricItems::Help))
                    .col(integer(RubricItems::Position))
                    .col(boolean(RubricItems::Retired).default(false))
                    .foreign_key(&mut fk(
                        RubricItems::Table,
                        RubricItems::QuestionId,
                        Questions::Table,
                        Questions::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rubric_items_question")
                    .table(RubricItems::Table)
                    .col(RubricItems::QuestionId)
                    .col(RubricItems::Key)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Cards::Table)
                    .col(pk_auto(Cards::Id))
                    .col(integer(Cards::UserId))
                    .col(integer(Cards::QuestionId))
                    .col(string_len(Cards::State, 16))
                    .col(timestamp_with_time_zone(Cards::Due))
                    .col(double(Cards::Stability))
                    .col(double(Cards::Difficulty))
                    .col(timestamp_with_time_zone_null(Cards::LastReview))
                    .col(integer(Cards::Reps))
                    .col(integer(Cards::Lapses))
                    .col(integer(Cards::ScheduledDays))
                    .col(timestamp_with_time_zone(Cards::CreatedAt))
                    .foreign_key(&mut fk(
                        Cards::Table,
                        Cards::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Cards::Table,
                        Cards::QuestionId,
                        Questions::Table,
                        Questions::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cards_user_question")
                    .table(Cards::Table)
                    .col(Cards::UserId)
                    .col(Cards::QuestionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cards_user_due")
                    .table(Cards::Table)
                    .col(Cards::UserId)
                    .col(Cards::Due)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(pk_auto(Answers::Id))
                    .col(integer(Answers::UserId))
                    .col(integer(Answers::QuestionId))
                    .col(integer_null(Answers::CardId))
                    .col(integer(Answers::Attempt))
                    .col(text(Answers::Situation))
                    .col(text(Answers::Task))
                    .col(text(Answers::Action))
                    .col(text(Answers::Result))
                    .col(text(Answers::Reflection))
                    .col(integer(Answers::SecondsSpent))
                    .col(timestamp_with_time_zone(Answers::CreatedAt))
                    .foreign_key(&mut fk(
                        Answers::Table,
                        Answers::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Answers::Table,
                        Answers::QuestionId,
                        Questions::Table,
                        Questions::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Answers::Table,
                        Answers::CardId,
                        Cards::Table,
                        Cards::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answers_user_question_attempt")
                    .table(Answers::Table)
                    .col(Answers::UserId)
                    .col(Answers::QuestionId)
                    .col(Answers::Attempt)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewLogs::Table)
                    .col(pk_auto(ReviewLogs::Id))
                    .col(integer(ReviewLogs::CardId))
                    .col(integer(ReviewLogs::UserId))
                    .col(integer_null(ReviewLogs::AnswerId))
                    .col(small_integer(ReviewLogs::Rating))
                    .col(string_len(ReviewLogs::StateBefore, 16))
                    .col(integer(ReviewLogs::ElapsedDays))
                    .col(integer(ReviewLogs::ScheduledDays))
                    .col(double(ReviewLogs::Stability))
                    .col(double(ReviewLogs::Difficulty))
                    .col(timestamp_with_time_zone(ReviewLogs::Due))
                    .col(timestamp_with_time_zone(ReviewLogs::ReviewedAt))
                    .foreign_key(&mut fk(
                        ReviewLogs::Table,
                        ReviewLogs::CardId,
                        Cards::Table,
                        Cards::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ReviewLogs::Table,
                        ReviewLogs::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ReviewLogs::Table,
                        ReviewLogs::AnswerId,
                        Answers::Table,
                        Answers::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_review_logs_user_time")
                    .table(ReviewLogs::Table)
                    .col(ReviewLogs::UserId)
                    .col(ReviewLogs::ReviewedAt)
                    .to_owned(),
            )
            .await?;
        // One grade per answer: a retried or double-clicked grade is recognised
        // instead of advancing the card twice.
        manager
            .create_index(
                Index::create()
                    .name("idx_review_logs_answer")
                    .table(ReviewLogs::Table)
                    .col(ReviewLogs::AnswerId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(pk_auto(Reviews::Id))
                    .col(integer(Reviews::AnswerId))
                    .col(integer(Reviews::ReviewerId))
                    .col(string_len(Reviews::Kind, 16))
                    .col(text(Reviews::Comment))
                    .col(timestamp_with_time_zone(Reviews::CreatedAt))
                    .col(timestamp_with_time_zone(Reviews::UpdatedAt))
                    .foreign_key(&mut fk(
                        Reviews::Table,
                        Reviews::AnswerId,
                        Answers::Table,
                        Answers::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Reviews::Table,
                        Reviews::ReviewerId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reviews_answer_reviewer")
                    .table(Reviews::Table)
                    .col(Reviews::AnswerId)
                    .col(Reviews::ReviewerId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReviewItems::Table)
                    .col(integer(ReviewItems::ReviewId))
                    .col(integer(ReviewItems::RubricItemId))
                    .primary_key(
                        Index::create()
                            .col(ReviewItems::ReviewId)
                            .col(ReviewItems::RubricItemId),
                    )
                    .foreign_key(&mut fk(
                        ReviewItems::Table,
                        ReviewItems::ReviewId,
                        Reviews::Table,
                        Reviews::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ReviewItems::Table,
                        ReviewItems::RubricItemId,
                        RubricItems::Table,
                        RubricItems::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Drafts::Table)
                    .col(pk_auto(Drafts::Id))
                    .col(integer(Drafts::UserId))
                    .col(integer(Drafts::QuestionId))
                    .col(text(Drafts::Situation))
                    .col(text(Drafts::Task))
                    .col(text(Drafts::Action))
                    .col(text(Drafts::Result))
                    .col(text(Drafts::Reflection))
                    .col(integer(Drafts::SecondsSpent))
                    .col(timestamp_with_time_zone(Drafts::UpdatedAt))
                    .foreign_key(&mut fk(
                        Drafts::Table,
                        Drafts::UserId,
                        Users::Table,
                        Users::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        Drafts::Table,
                        Drafts::QuestionId,
                        Questions::Table,
                        Questions::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_drafts_user_question")
                    .table(Drafts::Table)
                    .col(Drafts::UserId)
                    .col(Drafts::QuestionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
