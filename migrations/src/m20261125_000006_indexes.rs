//! Indexes the scheduling queries need at scale: a card's review history
//! (leech counts, undo, stats) without scanning every review log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReviewLogs {
    Table,
    CardId,
    ReviewedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_review_logs_card_time")
                    .table(ReviewLogs::Table)
                    .col(ReviewLogs::CardId)
                    .col(ReviewLogs::ReviewedAt)
                    .to_owned(),
            )
            .await
    }
}
