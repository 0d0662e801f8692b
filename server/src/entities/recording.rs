//! A spoken rehearsal: audio recorded in the browser, kept with an attempt
//! (`answer_id`) or, before the attempt is sent, with the question's draft.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "recordings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub question_id: i32,
    pub answer_id: Option<i32>,
    pub mime: String,
    pub audio: Vec<u8>,
    pub bytes: i32,
    pub duration_ms: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
