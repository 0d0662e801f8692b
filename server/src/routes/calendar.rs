//! `GET /calendar/{token}.ics`: a learner's private calendar feed, read by
//! calendar apps without a login (the secret token in the address is the
//! key; Settings makes, replaces and revokes it).

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::Utc;

use crate::{error::AppError, startup::AppState, store::calendar};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(feed);
}

/// How long calendar apps and proxies may keep a fetched feed.
const CACHE_SECONDS: u32 = 15 * 60;

#[get("/calendar/{token}.ics")]
async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let feed = calendar::find_feed(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound("calendar"))?;
    let body = calendar::feed_text(&state.db, &feed, Utc::now(), &site_url(&state, &req)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CACHE_CONTROL,
            format!("private, max-age={CACHE_SECONDS}"),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"starling.ics\"",
        ))
        .body(body))
}

/// The server's address for links that leave the browser: the configured
/// public address, else the one this request came in on.
pub fn site_url(state: &AppState, req: &HttpRequest) -> String {
    match &state.config.public_url {
        Some(url) => url.clone(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}
