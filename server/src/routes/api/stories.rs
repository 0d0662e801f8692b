//! The story bank: `GET`/`POST /stories`, `GET`/`PUT`/`DELETE /stories/{id}`,
//! and `GET /stories/matrix` (stories × competencies, with the gaps).

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::Utc;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::ApiError,
    startup::AppState,
    store::stories::{self, StoryInput},
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

#[get("/stories/matrix")]
async fn matrix(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stories::matrix(&state.db, current.id()).await?))
}

#[get("/stories")]
async fn list(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stories::list(&state.db, current.id()).await?))
}

#[post("/stories")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<StoryInput>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let saved = stories::save(&state.db, current.id(), None, body.into_inner(), Utc::now()).await?;
    Ok(HttpResponse::Created().json(saved))
}

#[get("/stories/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stories::get(&state.db, current.id(), *id).await?))
}

#[put("/stories/{id}")]
async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<StoryInput>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
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

#[delete("/stories/{id}")]
async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    stories::delete(&state.db, current.id(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
