//! An interview question; list fields are JSON arrays of strings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bank_id: i32,
    pub competency_id: i32,
    pub key: String,
    pub prompt: String,
    pub variants: String,
    pub follow_ups: String,
    pub red_flags: String,
    pub tags: String,
    pub level: String,
    pub position: i32,
    pub retired: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::bank::Entity",
        from = "Column::BankId",
        to = "super::bank::Column::Id"
    )]
    Bank,
    #[sea_orm(
        belongs_to = "super::competency::Entity",
        from = "Column::CompetencyId",
        to = "super::competency::Column::Id"
    )]
    Competency,
}

impl Related<super::bank::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Bank.def()
    }
}

impl Related<super::competency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Competency.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
