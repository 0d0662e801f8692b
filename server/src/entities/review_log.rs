//! One grade of a card: the rating and the memory state it led to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "review_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub card_id: i32,
    pub user_id: i32,
    pub answer_id: Option<i32>,
    pub rating: i16,
    pub state_before: super::card::State,
    pub elapsed_days: i32,
    pub scheduled_days: i32,
    pub stability: f64,
    pub difficulty: f64,
    pub due: DateTimeUtc,
    pub reviewed_at: DateTimeUtc,
    /// The card's scheduling fields before this grade (JSON), for undo.
    pub card_before: Option<String>,
    /// Set when the grade was undone; undone grades count for nothing.
    pub undone_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
