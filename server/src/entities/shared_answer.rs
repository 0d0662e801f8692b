//! An answer a learner shared on a link that shares only chosen answers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shared_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub link_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub answer_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
