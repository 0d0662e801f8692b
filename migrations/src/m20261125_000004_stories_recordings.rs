//! Reusable stories tagged with competencies, the story an answer started
//! from, and spoken rehearsals: audio kept with an attempt (or with the
//! question's draft until the attempt is sent).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Stories {
    Table,
    Id,
    UserId,
    Title,
    Situation,
    Task,
    Action,
    Result,
    Reflection,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StoryCompetencies {
    Table,
    StoryId,
    CompetencyKey,
}

#[derive(DeriveIden)]
enum Recordings {
    Table,
    Id,
    UserId,
    QuestionId,
    AnswerId,
    Mime,
    Audio,
    Bytes,
    DurationMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
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
    StoryId,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Stories::Table)
                    .col(pk_auto(Stories::Id))
                    .col(integer(Stories::UserId))
                    .col(string_len(Stories::Title, 200))
                    .col(text(Stories::Situation))
                    .col(text(Stories::Task))
                    .col(text(Stories::Action))
                    .col(text(Stories::Result))
                    .col(text(Stories::Reflection))
                    .col(timestamp_with_time_zone(Stories::CreatedAt))
                    .col(timestamp_with_time_zone(Stories::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (Stories::Table, Stories::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stories_user")
                    .table(Stories::Table)
                    .col(Stories::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StoryCompetencies::Table)
                    .col(integer(StoryCompetencies::StoryId))
                    .col(string_len(StoryCompetencies::CompetencyKey, 100))
                    .primary_key(
                        Index::create()
                            .col(StoryCompetencies::StoryId)
                            .col(StoryCompetencies::CompetencyKey),
                    )
                    .foreign_key(&mut cascade(
                        (StoryCompetencies::Table, StoryCompetencies::StoryId),
                        (Stories::Table, Stories::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Recordings::Table)
                    .col(pk_auto(Recordings::Id))
                    .col(integer(Recordings::UserId))
                    .col(integer(Recordings::QuestionId))
                    .col(integer_null(Recordings::AnswerId))
                    .col(string_len(Recordings::Mime, 100))
                    .col(blob(Recordings::Audio))
                    .col(integer(Recordings::Bytes))
                    .col(integer(Recordings::DurationMs))
                    .col(timestamp_with_time_zone(Recordings::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Recordings::Table, Recordings::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Recordings::Table, Recordings::QuestionId),
                        (Questions::Table, Questions::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Recordings::Table, Recordings::AnswerId),
                        (Answers::Table, Answers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recordings_answer")
                    .table(Recordings::Table)
                    .col(Recordings::AnswerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recordings_user_question")
                    .table(Recordings::Table)
                    .col(Recordings::UserId)
                    .col(Recordings::QuestionId)
                    .to_owned(),
            )
            .await?;
        // No foreign key: SQLite cannot add one to an existing table; the
        // store clears the column when a story is deleted.
        manager
            .alter_table(
                Table::alter()
                    .table(Answers::Table)
                    .add_column(integer_null(Answers::StoryId))
                    .to_owned(),
            )
            .await
    }
}
