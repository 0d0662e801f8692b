//! Starling: a self-hosted practice server for behavioral management
//! interviews. The binary in `main.rs` only parses the command line and calls in here.

pub mod argon;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod mail;
pub mod metrics;
pub mod nul_guard;
pub mod routes;
pub mod startup;
pub mod store;
pub mod templates;

/// The cores this process may use (2 when the system cannot tell): what the
/// bounds on parallel work (password hashing, bank parsing, comparisons, the
/// SQLite pool) are sized by.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}
