//! sea-orm entities, one module per table; the schema itself lives in the
//! `migrations` crate.

pub mod answer;
pub mod api_token;
pub mod assignment;
pub mod bank;
pub mod bank_choice;
pub mod card;
pub mod coach_invite;
pub mod coach_link;
pub mod competency;
pub mod draft;
pub mod question;
pub mod recording;
pub mod review;
pub mod review_item;
pub mod review_item_comment;
pub mod review_log;
pub mod rubric_item;
pub mod session;
pub mod setting;
pub mod shared_answer;
pub mod skipped_competency;
pub mod story;
pub mod story_competency;
pub mod user;
