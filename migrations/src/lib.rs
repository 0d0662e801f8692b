//! Starling's database schema, as sea-orm migrations applied at start-up.
//! The same migrations run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_practice_choices;
mod m20261125_000003_coaching;
mod m20261125_000004_stories_recordings;
mod m20261125_000005_scheduling;
mod m20261125_000006_indexes;
mod m20261125_000007_login_failures;
mod m20261125_000008_card_indexes;
mod m20261204_000001_onboarded_at;
mod m20261205_000001_red_flags;
mod m20261205_000002_user_level;
mod m20261205_000003_answer_time_index;
mod m20261206_000001_calendar_feeds;
mod m20261207_000001_mail;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_practice_choices::Migration),
            Box::new(m20261125_000003_coaching::Migration),
            Box::new(m20261125_000004_stories_recordings::Migration),
            Box::new(m20261125_000005_scheduling::Migration),
            Box::new(m20261125_000006_indexes::Migration),
            Box::new(m20261125_000007_login_failures::Migration),
            Box::new(m20261125_000008_card_indexes::Migration),
            Box::new(m20261204_000001_onboarded_at::Migration),
            Box::new(m20261205_000001_red_flags::Migration),
            Box::new(m20261205_000002_user_level::Migration),
            Box::new(m20261205_000003_answer_time_index::Migration),
            Box::new(m20261206_000001_calendar_feeds::Migration),
            Box::new(m20261207_000001_mail::Migration),
        ]
    }
}
