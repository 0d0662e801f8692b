//! Coaches and learners: invite codes, links (ended links stay for history),
//! questions a coach assigns,
//! answers shared on "only what I share" links, per-item coach comments, and
//! when the learner saw a coach's review.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CoachInvites {
    Table,
    Id,
    CoachId,
    Code,
    UsesLeft,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CoachLinks {
    Table,
    Id,
    CoachId,
    LearnerId,
    ShareAll,
    CreatedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum SharedAnswers {
    Table,
    LinkId,
    AnswerId,
}

#[derive(DeriveIden)]
enum ReviewItemComments {
    Table,
    ReviewId,
    RubricItemId,
    Comment,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    CoachId,
    LearnerId,
    QuestionId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    SeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RubricItems {
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CoachInvites::Table)
                    .col(pk_auto(CoachInvites::Id))
                    .col(integer(CoachInvites::CoachId))
                    .col(string_len_uniq(CoachInvites::Code, 32))
                    .col(integer(CoachInvites::UsesLeft))
                    .col(timestamp_with_time_zone(CoachInvites::ExpiresAt))
                    .col(timestamp_with_time_zone(CoachInvites::CreatedAt))
                    .foreign_key(&mut cascade(
                        (CoachInvites::Table, CoachInvites::CoachId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CoachLinks::Table)
                    .col(pk_auto(CoachLinks::Id))
                    .col(integer(CoachLinks::CoachId))
                    .col(integer(CoachLinks::LearnerId))
                    .col(boolean(CoachLinks::ShareAll).default(true))
                    .col(timestamp_with_time_zone(CoachLinks::CreatedAt))
                    .col(timestamp_with_time_zone_null(CoachLinks::EndedAt))
                    .foreign_key(&mut cascade(
                        (CoachLinks::Table, CoachLinks::CoachId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (CoachLinks::Table, CoachLinks::LearnerId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_coach_links_pair")
                    .table(CoachLinks::Table)
                    .col(CoachLinks::CoachId)
                    .col(CoachLinks::LearnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SharedAnswers::Table)
                    .col(integer(SharedAnswers::LinkId))
                    .col(integer(SharedAnswers::AnswerId))
                    .primary_key(
                        Index::create()
                            .col(SharedAnswers::LinkId)
                            .col(SharedAnswers::AnswerId),
                    )
                    .foreign_key(&mut cascade(
                        (SharedAnswers::Table, SharedAnswers::LinkId),
                        (CoachLinks::Table, CoachLinks::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (SharedAnswers::Table, SharedAnswers::AnswerId),
                        (Answers::Table, Answers::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewItemComments::Table)
                    .col(integer(ReviewItemComments::ReviewId))
                    .col(integer(ReviewItemComments::RubricItemId))
                    .col(text(ReviewItemComments::Comment))
                    .primary_key(
                        Index::create()
                            .col(ReviewItemComments::ReviewId)
                            .col(ReviewItemComments::RubricItemId),
                    )
                    .foreign_key(&mut cascade(
                        (ReviewItemComments::Table, ReviewItemComments::ReviewId),
                        (Reviews::Table, Reviews::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (ReviewItemComments::Table, ReviewItemComments::RubricItemId),
                        (RubricItems::Table, RubricItems::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(pk_auto(Assignments::Id))
                    .col(integer(Assignments::CoachId))
                    .col(integer(Assignments::LearnerId))
                    .col(integer(Assignments::QuestionId))
                    .col(timestamp_with_time_zone(Assignments::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Assignments::Table, Assignments::CoachId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Assignments::Table, Assignments::LearnerId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (Assignments::Table, Assignments::QuestionId),
                        (Questions::Table, Questions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignments_learner_question")
                    .table(Assignments::Table)
                    .col(Assignments::LearnerId)
                    .col(Assignments::QuestionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reviews::Table)
                    .add_column(timestamp_with_time_zone_null(Reviews::SeenAt))
                    .to_owned(),
            )
            .await
    }
}
