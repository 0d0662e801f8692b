//! A checklist item: a built-in STAR item (no question) or a question's own.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rubric_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub question_id: Option<i32>,
    pub key: String,
    pub text: String,
    pub help: String,
    pub position: i32,
    pub retired: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
