//! Starling's pure domain logic: FSRS scheduling in study days, the built-in STAR
//! checklist, and the native TOML question-bank format. No I/O, no database, no web.

pub mod bank;
pub mod checklist;
pub mod schedule;
