//! Indexes for the practice queue's per-state searches (a user's due
//! learning or review cards and their started new cards become short range
//! scans instead of walks over all of the user's cards by due date) and for
//! counting a user's leeches without reading each of their cards.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cards {
    Table,
    UserId,
    State,
    Due,
    Leech,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_cards_user_state_due")
                    .table(Cards::Table)
                    .col(Cards::UserId)
                    .col(Cards::State)
                    .col(Cards::Due)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_cards_user_leech")
                    .table(Cards::Table)
                    .col(Cards::UserId)
                    .col(Cards::Leech)
                    .to_owned(),
            )
            .await
    }
}
