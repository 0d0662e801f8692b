//! A review of an answer against its checklist: by its author (self) or a coach.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub answer_id: i32,
    pub reviewer_id: i32,
    pub kind: Kind,
    pub comment: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub seen_at: Option<DateTimeUtc>,
}

stored_words! {
    /// Who wrote a review.
    pub enum Kind {
        /// The answer's author.
        Own = "self",
        Coach = "coach",
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
