//! Starling: a self-hosted practice server for behavioral management
//! interviews. The binary in `main.rs` only parses the command line and calls in here.

pub mod argon;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod metrics;
pub mod nul_guard;
pub mod routes;
pub mod startup;
pub mod store;
pub mod templates;
