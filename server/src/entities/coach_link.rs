//! A coach linked to a learner; an ended link grants nothing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "coach_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub coach_id: i32,
    pub learner_id: i32,
    pub share_all: bool,
    pub created_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
