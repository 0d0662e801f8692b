//! `GET`/`PUT /drafts/{question_id}`: the answer being typed, saved as the
//! learner types so that nothing is lost on reload or logout.

use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    startup::AppState,
    store::answers::{self, StarFields},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(save);
}

#[derive(Serialize, ToSchema)]
struct DraftView {
    question_id: i32,
    #[serde(flatten)]
    text: StarFields,
    seconds_spent: i32,
    updated_at: DateTime<Utc>,
}

/// The answer being written to this question, as last saved.
#[utoipa::path(
    operation_id = "show_draft",
    tag = "practice",
    params(("question_id" = i32, Path, description = "The question's id")),
    responses((status = 200, description = "The draft", body = DraftView)),
)]
#[get("/drafts/{question_id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let found = answers::find_draft(&state.db, current.id(), *question_id)
        .await?
        .ok_or(AppError::NotFound("draft"))?;
    Ok(HttpResponse::Ok().json(DraftView {
        question_id: found.question_id,
        text: StarFields {
            situation: found.situation,
            task: found.task,
            action: found.action,
            result: found.result,
            reflection: found.reflection,
        },
        seconds_spent: found.seconds_spent,
        updated_at: found.updated_at,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct DraftBody {
    #[serde(flatten)]
    pub fields: StarFields,
    /// Time spent writing so far.
    #[serde(default)]
    pub seconds_spent: i64,
}

/// Saves the answer being written (the question page calls this while the learner types).
#[utoipa::path(
    operation_id = "save_draft",
    tag = "practice",
    params(("question_id" = i32, Path, description = "The question's id")),
    request_body = DraftBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 422, description = "A field is too long (`invalid`, with `field`)", body = crate::routes::api::openapi::ErrorBody),
    ),
)]
#[put("/drafts/{question_id}")]
async fn save(
    state: web::Data<AppState>,
    current: CurrentUser,
    question_id: web::Path<i32>,
    body: web::Json<DraftBody>,
) -> Result<HttpResponse, AppError> {
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
