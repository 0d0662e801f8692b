//! API tests: the real server on port 0, each test on SQLite and on
//! PostgreSQL with a database of its own.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod accounts;
mod anki_packages;
mod bank_files;
mod bank_upgrade;
mod banks;
mod calendar;
mod coaching;
mod csrf_walk;
mod faults;
mod isolation;
mod levels;
mod mail;
mod mock;
mod next_step;
mod openapi;
mod operations;
mod pages;
mod pages_state;
mod plain_words;
mod practice;
mod red_flags;
mod rehearsal;
mod reminders;
mod robustness;
mod scheduling;
mod security;
mod side_by_side;
mod stats;
mod stories;
mod suggestions;

pub use serde_json::{json, Value};
pub use starling_tests::{
    csrf_from, location, on_both_databases, people_day, ApiUser, Backend, ExpectStatus, TestApp,
};
