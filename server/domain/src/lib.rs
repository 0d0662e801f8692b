//! Starling's pure domain logic: FSRS scheduling in study days, answer analysis, the built-in STAR
//! checklist, question banks in TOML, JSON, YAML, CSV/TSV, Markdown and Anki text, and the
//! Progress page's SVG charts. No I/O, no database, no web.

pub mod analysis;
pub mod answer_export;
pub mod audio;
pub mod bank;
pub mod charts;
pub mod checklist;
pub mod compare;
pub mod level;
pub mod mock;
pub mod optimize;
pub mod progress;
pub mod schedule;
pub mod streak;
pub mod words;
pub mod workload;
