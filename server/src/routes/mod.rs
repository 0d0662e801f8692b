//! HTTP routes, one module per URL area: the JSON API under `/api/v1`, and
//! the server-rendered pages.

pub mod accounts;
pub mod api;
pub mod api_docs;
pub mod assets;
pub mod banks;
pub mod calendar;
pub mod cards;
pub mod coaching;
pub mod health;
pub mod history;
pub mod mail;
pub mod mock;
pub mod page;
pub mod practice;
pub mod progress;
pub mod review;
pub mod settings;
pub mod stories;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(api::csrf_guard))
            .configure(api::configure),
    )
    .configure(health::configure)
    .configure(api_docs::configure)
    .configure(assets::configure)
    .configure(accounts::configure)
    .configure(practice::configure)
    .configure(review::configure)
    .configure(history::configure)
    .configure(progress::configure)
    .configure(settings::configure)
    .configure(calendar::configure)
    .configure(mail::configure)
    .configure(cards::configure)
    .configure(banks::configure)
    .configure(coaching::configure)
    .configure(stories::configure)
    .configure(mock::configure)
    .default_service(web::to(page::not_found));
}
