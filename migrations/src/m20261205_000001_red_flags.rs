//! A question's red flags: what a weak answer to it shows, a JSON list of
//! strings like `follow_ups`; questions imported before have none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Questions {
    Table,
    RedFlags,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Questions::Table)
                    .add_column(text(Questions::RedFlags).default("[]"))
                    .to_owned(),
            )
            .await
    }
}
