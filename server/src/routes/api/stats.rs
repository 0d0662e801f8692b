//! `GET /stats`: the learner's progress figures, the same the Progress page draws.

use actix_web::{get, web, HttpResponse};
use chrono::Utc;

use crate::{auth::CurrentUser, error::AppError, startup::AppState, store::stats};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(my_stats);
}

/// The learner's progress: review calendar, due forecast, retention, coverage per competency, streak.
#[utoipa::path(
    tag = "stats",
    responses((status = 200, description = "The figures the Progress page draws", body = stats::Stats)),
)]
#[get("/stats")]
async fn my_stats(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(stats::stats(&state.db, &current.user, Utc::now()).await?))
}
