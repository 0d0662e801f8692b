//! One question of a mock interview round, in order, with the answer given.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mock_questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mock_id: i32,
    pub position: i32,
    pub question_id: i32,
    pub card_id: Option<i32>,
    pub answer_id: Option<i32>,
    pub started_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    pub seconds_spent: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
