//! The story bank: `GET`/`POST /stories`, `GET`/`PUT`/`DELETE /stories/{id}`,
//! and `GET /stories/matrix` (stories × competencies, with the gaps).

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::Utc;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::stories::{self, Matrix, StoryInput, StoryView},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/stories/matrix` before `/stories/{id}`, which would take it for an id.
    cfg.service(matrix)
        .service(list)
        .service(create)
        .service(show)
        .service(update)
        .service(remove);
}

/// Stories × the competencies the user practises, with the competencies no story covers.
#[utoipa::path(
    tag = "stories",
    responses((status = 200, description = "The matrix", body = Matrix)),
)]
#[get("/stories/matrix")]
async fn matrix(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(stories::matrix(&state.db, current.id()).await?))
}

/// The user's stories.
#[utoipa::path(
    operation_id = "list_stories",
    tag = "stories",
    responses((status = 200, description = "The stories", body = Vec<StoryView>)),
)]
#[get("/stories")]
async fn list(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(stories::list(&state.db, current.id()).await?))
}

/// Adds a story: a STAR outline tagged with the competencies it can answer.
#[utoipa::path(
    operation_id = "create_story",
    tag = "stories",
    request_body = StoryInput,
    responses(
        (status = 201, description = "The story", body = StoryView),
        (status = 422, description = "No title, a field too long or an unknown competency (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[post("/stories")]
async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<StoryInput>,
) -> Result<HttpResponse, AppError> {
    let saved = stories::save(&state.db, current.id(), None, body.into_inner(), Utc::now()).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// One story.
#[utoipa::path(
    operation_id = "show_story",
    tag = "stories",
    params(("id" = i32, Path, description = "The story's id")),
    responses((status = 200, description = "The story", body = StoryView)),
)]
#[get("/stories/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(stories::get(&state.db, current.id(), *id).await?))
}

/// Replaces a story.
#[utoipa::path(
    operation_id = "update_story",
    tag = "stories",
    params(("id" = i32, Path, description = "The story's id")),
    request_body = StoryInput,
    responses(
        (status = 200, description = "The story", body = StoryView),
        (status = 422, description = "No title, a field too long or an unknown competency (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[put("/stories/{id}")]
async fn update(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<StoryInput>,
) -> Result<HttpResponse, AppError> {
    let saved = stories::save(
        &state.db,
        current.id(),
        Some(*id),
        body.into_inner(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Deletes a story; attempts that started from it keep their text.
#[utoipa::path(
    operation_id = "delete_story",
    tag = "stories",
    params(("id" = i32, Path, description = "The story's id")),
    responses((status = 204, description = "Deleted")),
)]
#[delete("/stories/{id}")]
async fn remove(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    stories::delete(&state.db, current.id(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
