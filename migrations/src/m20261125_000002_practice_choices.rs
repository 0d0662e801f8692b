//! Which banks and competencies a learner practises: choices are stored only
//! where they differ from the default (every visible bank, every competency).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BankChoices {
    Table,
    UserId,
    BankId,
    Practise,
}

#[derive(DeriveIden)]
enum SkippedCompetencies {
    Table,
    UserId,
    CompetencyId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Banks {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Competencies {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BankChoices::Table)
                    .col(integer(BankChoices::UserId))
                    .col(integer(BankChoices::BankId))
                    .col(boolean(BankChoices::Practise))
                    .primary_key(
                        Index::create()
                            .col(BankChoices::UserId)
                            .col(BankChoices::BankId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BankChoices::Table, BankChoices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BankChoices::Table, BankChoices::BankId)
                            .to(Banks::Table, Banks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SkippedCompetencies::Table)
                    .col(integer(SkippedCompetencies::UserId))
                    .col(integer(SkippedCompetencies::CompetencyId))
                    .primary_key(
                        Index::create()
                            .col(SkippedCompetencies::UserId)
                            .col(SkippedCompetencies::CompetencyId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SkippedCompetencies::Table, SkippedCompetencies::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                SkippedCompetencies::Table,
                                SkippedCompetencies::CompetencyId,
                            )
                            .to(Competencies::Table, Competencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }
}
