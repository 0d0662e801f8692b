//! `GET`/`PUT /drafts/{question_id}`: the answer being typed, saved as the
//! learner types so that nothing is lost on reload or logout.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::ApiError,
    startup::AppState,
    store::answers::{self, StarFields},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(save);
}

#[get("/drafts/{question_id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let found = answers::find_draft(&state.db, current.id(), *question_id)
        .await?
        .ok_or(ApiError::NotFound("draft"))?;
    Ok(HttpResponse::Ok().json(json!({
        "question_id": found.question_id,
        "situation": found.situation,
        "task": found.task,
        "action": found.action,
        "result": found.result,
        "reflection": found.reflection,
        "seconds_spent": found.seconds_spent,
        "updated_at": found.updated_at,
    })))
}

#[derive(Deserialize)]
struct DraftBody {
    #[serde(flatten)]
    fields: StarFields,
    #[serde(default)]
    seconds_spent: i64,
}

#[put("/drafts/{question_id}")]
async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
    body: web::Json<DraftBody>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let body = body.into_inner();
    answers::save_draft(
        &state.db,
        current.id(),
        *question_id,
        body.fields,
        body.seconds_spent,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
