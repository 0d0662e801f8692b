//! An account: learner, coach or admin, with its practice settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub role: crate::auth::Role,
    pub time_zone: String,
    pub new_per_day: i32,
    pub reviews_per_day: i32,
    pub desired_retention: f64,
    pub created_at: DateTimeUtc,
    pub maximum_interval_days: i32,
    pub rollover_hour: i32,
    /// Learning steps, such as "10m 1h" (minutes, hours or days).
    pub learning_steps: String,
    pub relearning_steps: String,
    /// The interview day, YYYY-MM-DD in the user's time zone.
    pub interview_date: Option<String>,
    /// Reviews of each practised competency wanted before the interview.
    pub interview_min_reviews: i32,
    /// Agains after which a card is a leech.
    pub leech_threshold: i32,
    /// The user's own FSRS weights as a JSON array; empty for the defaults.
    pub fsrs_parameters: String,
    /// When the learner put the first-run start on Today away.
    pub onboarded_at: Option<DateTimeUtc>,
    /// The learner's level (`first-time`, `experienced`, `manager-of-managers`),
    /// whose new questions come first; `None` for no preference.
    pub level: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
