//! Scheduling depth: `GET`/`PUT /settings`, `GET /scheduler` and
//! `POST /scheduler/optimize` (the learner's own FSRS parameters), `GET /plan`
//! (the interview plan), `PATCH /cards/{id}` (suspend, bury, clear a leech),
//! `POST /undo` (the last grade), `GET /leeches`, `GET /review-logs/export`.

use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::ApiError,
    routes::api::cards::card_json,
    startup::AppState,
    store::{
        practice,
        scheduler::{self, Settings, SettingsChange},
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings)
        .service(put_settings)
        .service(get_scheduler)
        .service(optimize)
        .service(plan)
        .service(update_card)
        .service(undo)
        .service(leeches)
        .service(export_log);
}

#[get("/settings")]
async fn get_settings(current: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(Settings::of(&current.user))
}

#[put("/settings")]
async fn put_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<SettingsChange>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let next = body.apply(&Settings::of(&current.user))?;
    let (user, moved) =
        scheduler::save_settings(&state.db, current.user.clone(), &next, Utc::now()).await?;
    let mut out = json!(Settings::of(&user));
    out["rescheduled"] = json!(moved);
    Ok(HttpResponse::Ok().json(out))
}

#[get("/scheduler")]
async fn get_scheduler(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(scheduler::view(&state.db, &current.user).await?))
}

#[post("/scheduler/optimize")]
async fn optimize(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let (job, created) =
        scheduler::request_optimization(&state.db, &current.user, Utc::now()).await?;
    if created {
        state.optimizer.notify_one();
    }
    Ok(HttpResponse::Accepted().json(job))
}

#[get("/plan")]
async fn plan(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    match scheduler::plan(&state.db, &current.user, Utc::now()).await? {
        Some(plan) => Ok(HttpResponse::Ok().json(plan)),
        None => Err(ApiError::NotFound("interview date ahead")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardChange {
    suspended: Option<bool>,
    /// Buried until the next study day starts.
    buried: Option<bool>,
    /// Only `false`: clears the leech flag.
    leech: Option<bool>,
}

#[patch("/cards/{id}")]
async fn update_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<CardChange>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let mut card = practice::own_card(&state.db, current.id(), *id).await?;
    if let Some(suspended) = body.suspended {
        card = practice::set_suspended(&state.db, current.id(), card.id, suspended).await?;
    }
    if let Some(buried) = body.buried {
        card = practice::set_buried(&state.db, &current.user, card.id, buried, Utc::now()).await?;
    }
    match body.leech {
        Some(true) => {
            return Err(ApiError::invalid(
                "leech",
                "a card becomes a leech by failing; only `false` (clear the flag) can be set",
            ))
        }
        Some(false) => card = practice::clear_leech(&state.db, current.id(), card.id).await?,
        None => {}
    }
    Ok(HttpResponse::Ok().json(card_json(&card)))
}

#[post("/undo")]
async fn undo(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let undone = practice::undo_last_grade(&state.db, &current.user, Utc::now()).await?;
    let card = practice::own_card(&state.db, current.id(), undone.card_id).await?;
    Ok(HttpResponse::Ok().json(json!({"undone": undone, "card": card_json(&card)})))
}

#[get("/leeches")]
async fn leeches(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(practice::leeches(&state.db, current.id()).await?))
}

#[get("/review-logs/export")]
async fn export_log(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let csv = scheduler::review_log_csv(&state.db, current.id()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "text/csv; charset=utf-8"))
        .insert_header((
            "content-disposition",
            "attachment; filename=\"starling-review-log.csv\"",
        ))
        .body(csv))
}
