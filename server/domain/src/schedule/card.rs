//! A learner's card for one question, where it is in its life (its state), and the four
//! ratings a review gives it.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How well the learner recalled their answer, as on the four grade buttons.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Again,
    Hard,
    Good,
    Easy,
}

impl Rating {
    /// All ratings in button order, the order of [`Scheduler::preview`](super::Scheduler::preview).
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// The wire name: "again", "hard", "good" or "easy".
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }

    /// The button label: "Again", "Hard", "Good" or "Easy".
    pub fn label(self) -> &'static str {
        match self {
            Rating::Again => "Again",
            Rating::Hard => "Hard",
            Rating::Good => "Good",
            Rating::Easy => "Easy",
        }
    }

    /// FSRS's and Anki's rating number, 1 (Again) to 4 (Easy); also the keyboard shortcut.
    /// The rating whose [`number`](Rating::number) this is, if any.
    pub fn from_number(number: i64) -> Option<Rating> {
        Rating::ALL
            .into_iter()
            .find(|r| i64::from(r.number()) == number)
    }

    pub fn number(self) -> u32 {
        match self {
            Rating::Again => 1,
            Rating::Hard => 2,
            Rating::Good => 3,
            Rating::Easy => 4,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rating name that is none of the four.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown rating `{0}`: expected again, hard, good, easy, or 1 to 4")]
pub struct UnknownRating(pub String);

impl FromStr for Rating {
    type Err = UnknownRating;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "again" | "1" => Ok(Rating::Again),
            "hard" | "2" => Ok(Rating::Hard),
            "good" | "3" => Ok(Rating::Good),
            "easy" | "4" => Ok(Rating::Easy),
            _ => Err(UnknownRating(s.to_owned())),
        }
    }
}

/// Where a card is in its life: never seen, being (re)learnt after Again, or in review.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardState {
    New,
    Learning,
    Review,
    Relearning,
}

impl CardState {
    /// The stored name: "new", "learning", "review" or "relearning".
    pub fn as_str(self) -> &'static str {
        match self {
            CardState::New => "new",
            CardState::Learning => "learning",
            CardState::Review => "review",
            CardState::Relearning => "relearning",
        }
    }
}

impl fmt::Display for CardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A card state name that is none of the four.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown card state `{0}`: expected new, learning, review or relearning")]
pub struct UnknownCardState(pub String);

impl FromStr for CardState {
    type Err = UnknownCardState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Ok(CardState::New),
            "learning" => Ok(CardState::Learning),
            "review" => Ok(CardState::Review),
            "relearning" => Ok(CardState::Relearning),
            _ => Err(UnknownCardState(s.to_owned())),
        }
    }
}

/// The scheduling state of one learner's card for one question.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub state: CardState,
    pub due: DateTime<Utc>,
    /// FSRS stability in days; meaningless while `reps == 0`.
    pub stability: f64,
    /// FSRS difficulty, 1 to 10; meaningless while `reps == 0`.
    pub difficulty: f64,
    pub last_review: Option<DateTime<Utc>>,
    pub reps: u32,
    pub lapses: u32,
    /// Study days between the last review and `due`; 0 while (re)learning.
    pub scheduled_days: u32,
    /// The learning or relearning step the card is at (0 for the first).
    #[serde(default)]
    pub step: u32,
}

impl Card {
    /// A card never reviewed, due right away.
    pub fn new(now: DateTime<Utc>) -> Card {
        Card {
            state: CardState::New,
            due: now,
            stability: 0.0,
            difficulty: 0.0,
            last_review: None,
            reps: 0,
            lapses: 0,
            scheduled_days: 0,
            step: 0,
        }
    }

    /// Never reviewed, so FSRS must start it from its initial memory state; either field
    /// says so, which keeps a half-initialised row from feeding FSRS zero stability.
    pub(super) fn is_new(&self) -> bool {
        self.reps == 0 || self.state == CardState::New
    }
}
