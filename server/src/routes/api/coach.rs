//! Coach links and the review queue: `POST /coach/invites`, `POST /coach/links
//! {code}`, `GET /coach/links`, `PATCH`/`DELETE /coach/links/{id}`,
//! `GET /coach/queue`, and sharing single answers on a link.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::ApiError,
    startup::AppState,
    store::coaching,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(invite)
        .service(join)
        .service(links)
        .service(update_link)
        .service(end_link)
        .service(queue)
        .service(assign)
        .service(calibration)
        .service(share)
        .service(unshare);
}

#[post("/coach/invites")]
async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let created = coaching::create_invite(&state.db, &current.user, Utc::now()).await?;
    Ok(HttpResponse::Created().json(json!({
        "code": created.code,
        "expires_at": created.expires_at,
        "uses_left": created.uses_left,
    })))
}

#[derive(Deserialize)]
struct JoinRequest {
    code: String,
}

#[post("/coach/links")]
async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<JoinRequest>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let link = coaching::join(&state.db, &current.user, &body.code, Utc::now()).await?;
    let view = coaching::links_of(&state.db, current.id())
        .await?
        .into_iter()
        .find(|l| l.id == link.id)
        .ok_or(ApiError::NotFound("link"))?;
    Ok(HttpResponse::Created().json(view))
}

#[get("/coach/links")]
async fn links(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(coaching::links_of(&state.db, current.id()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkUpdate {
    share_all: bool,
}

#[patch("/coach/links/{id}")]
async fn update_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<LinkUpdate>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    coaching::set_share_all(&state.db, current.id(), *id, body.share_all).await?;
    let view = coaching::links_of(&state.db, current.id())
        .await?
        .into_iter()
        .find(|l| l.id == *id)
        .ok_or(ApiError::NotFound("link"))?;
    Ok(HttpResponse::Ok().json(view))
}

#[delete("/coach/links/{id}")]
async fn end_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    coaching::end_link(&state.db, current.id(), *id, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[get("/coach/queue")]
async fn queue(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(coaching::queue(&state.db, current.id()).await?))
}

#[derive(Deserialize)]
struct ShareRequest {
    link_id: i32,
}

#[post("/answers/{id}/shares")]
async fn share(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<ShareRequest>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    coaching::share_answer(&state.db, current.id(), *id, body.link_id, true).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[delete("/answers/{id}/shares/{link_id}")]
async fn unshare(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let (answer_id, link_id) = path.into_inner();
    coaching::share_answer(&state.db, current.id(), answer_id, link_id, false).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[get("/calibration")]
async fn calibration(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(coaching::calibration(&state.db, current.id()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignRequest {
    learner_id: i32,
    question_id: Option<i32>,
    bank_id: Option<String>,
}

#[post("/coach/assignments")]
async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let assigned = coaching::assign(
        &state.db,
        &current.user,
        body.learner_id,
        body.question_id,
        body.bank_id.as_deref(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(json!({ "assigned": assigned })))
}
