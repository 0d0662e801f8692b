//! A competency a story can answer for, by the competency's key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "story_competencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub story_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub competency_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
