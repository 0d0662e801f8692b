//! sea-orm entities, one module per table; the schema itself lives in the
//! `migrations` crate.

pub mod answer;
pub mod api_token;
pub mod bank;
pub mod bank_choice;
pub mod card;
pub mod competency;
pub mod draft;
pub mod question;
pub mod review;
pub mod review_item;
pub mod review_log;
pub mod rubric_item;
pub mod session;
pub mod setting;
pub mod skipped_competency;
pub mod user;
