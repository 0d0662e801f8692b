//! One written STAR answer: an attempt at a question.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub question_id: i32,
    pub card_id: Option<i32>,
    pub attempt: i32,
    pub situation: String,
    pub task: String,
    pub action: String,
    pub result: String,
    pub reflection: String,
    pub seconds_spent: i32,
    pub created_at: DateTimeUtc,
    pub story_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
