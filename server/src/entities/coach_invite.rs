//! An invite code a coach gives a learner; single use and expiring by default.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "coach_invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub coach_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub uses_left: i32,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
