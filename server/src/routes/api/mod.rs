//! The JSON API under `/api/v1` (see PRODUCT.md): bearer tokens for clients,
//! the session cookie plus a CSRF header for the pages' own scripts.

mod answers;
mod auth;
pub mod banks;
pub mod cards;
mod coach;
mod drafts;
mod me;
mod mock;
pub mod openapi;
mod practice;
mod questions;
mod recordings;
mod scheduler;
mod stats;
mod stories;

use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(openapi::configure)
        .configure(auth::configure)
        .configure(me::configure)
        .configure(questions::configure)
        .configure(practice::configure)
        .configure(recordings::configure)
        .configure(answers::configure)
        .configure(cards::configure)
        .configure(scheduler::configure)
        .configure(drafts::configure)
        .configure(banks::configure)
        .configure(coach::configure)
        .configure(stories::configure)
        .configure(mock::configure)
        .configure(stats::configure)
        .default_service(web::to(unknown_endpoint));
}

async fn unknown_endpoint() -> HttpResponse {
    ApiError::NotFound("endpoint").error_response()
}
