//! A learner's scheduling state for one question (FSRS memory and due date).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub question_id: i32,
    pub state: State,
    pub due: DateTimeUtc,
    pub stability: f64,
    pub difficulty: f64,
    pub last_review: Option<DateTimeUtc>,
    pub reps: i32,
    pub lapses: i32,
    pub scheduled_days: i32,
    pub created_at: DateTimeUtc,
    pub suspended: bool,
    pub buried_until: Option<DateTimeUtc>,
    pub leech: bool,
    /// The learning or relearning step the card is at.
    pub step: i32,
}

stored_words! {
    /// Where a card is in FSRS's cycle.
    pub enum State {
        New = "new",
        Learning = "learning",
        Review = "review",
        Relearning = "relearning",
    }
}

impl From<starling_domain::schedule::CardState> for State {
    fn from(state: starling_domain::schedule::CardState) -> Self {
        use starling_domain::schedule::CardState;
        match state {
            CardState::New => Self::New,
            CardState::Learning => Self::Learning,
            CardState::Review => Self::Review,
            CardState::Relearning => Self::Relearning,
        }
    }
}

impl From<State> for starling_domain::schedule::CardState {
    fn from(state: State) -> Self {
        match state {
            State::New => Self::New,
            State::Learning => Self::Learning,
            State::Review => Self::Review,
            State::Relearning => Self::Relearning,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
