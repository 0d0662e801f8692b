//! An index for a user's answers by time: the current streak asks, for each
//! of the last study days, whether an answer was written in it, and the
//! figures by day read a user's answers by date.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Answers {
    Table,
    UserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_answers_user_created")
                    .table(Answers::Table)
                    .col(Answers::UserId)
                    .col(Answers::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}
