//! Coach links and the review queue: `POST /coach/invites`, `POST /coach/links
//! {code}`, `GET /coach/links`, `PATCH`/`DELETE /coach/links/{id}`,
//! `GET /coach/queue`, and sharing single answers on a link.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::coaching::{self, Calibration, LinkView, QueueItem},
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

#[derive(Serialize, ToSchema)]
struct Invite {
    /// Give this to a learner, who joins with `POST /coach/links`.
    code: String,
    expires_at: DateTime<Utc>,
    uses_left: i32,
}

/// Creates an invite code a learner can join the coach with (coaches and admins only).
#[utoipa::path(
    tag = "coaching",
    responses(
        (status = 201, description = "The code", body = Invite),
        (status = 403, description = "Only coaches create invite codes (`forbidden`), or a missing CSRF header (`csrf_failed`)", body = ErrorBody),
    ),
)]
#[post("/coach/invites")]
async fn invite(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let created = coaching::create_invite(&state.db, &current.user, Utc::now()).await?;
    Ok(HttpResponse::Created().json(Invite {
        code: created.code,
        expires_at: created.expires_at,
        uses_left: created.uses_left,
    }))
}

#[derive(Deserialize, ToSchema)]
struct JoinRequest {
    /// A coach's invite code.
    code: String,
}

/// Links the user (as learner) to the coach whose invite code this is.
#[utoipa::path(
    tag = "coaching",
    request_body = JoinRequest,
    responses(
        (status = 201, description = "The link", body = LinkView),
        (status = 409, description = "Already linked to this coach (`conflict`)", body = ErrorBody),
        (status = 422, description = "An unknown, expired or used-up code, or one's own (`invalid`, field `code`)", body = ErrorBody),
    ),
)]
#[post("/coach/links")]
async fn join(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<JoinRequest>,
) -> Result<HttpResponse, AppError> {
    let link = coaching::join(&state.db, &current.user, &body.code, Utc::now()).await?;
    let view = coaching::links_of(&state.db, current.id())
        .await?
        .into_iter()
        .find(|l| l.id == link.id)
        .ok_or(AppError::NotFound("link"))?;
    Ok(HttpResponse::Created().json(view))
}

/// The user's active links, as coach and as learner.
#[utoipa::path(
    tag = "coaching",
    responses((status = 200, description = "The links", body = Vec<LinkView>)),
)]
#[get("/coach/links")]
async fn links(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coaching::links_of(&state.db, current.id()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LinkUpdate {
    /// Share every answer with the coach (otherwise only the ones shared one by one).
    share_all: bool,
}

/// The learner's side of a link: whether every answer is shared with the coach.
#[utoipa::path(
    tag = "coaching",
    params(("id" = i32, Path, description = "The link's id")),
    request_body = LinkUpdate,
    responses((status = 200, description = "The link", body = LinkView)),
)]
#[patch("/coach/links/{id}")]
async fn update_link(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<LinkUpdate>,
) -> Result<HttpResponse, AppError> {
    coaching::set_share_all(&state.db, current.id(), *id, body.share_all).await?;
    let view = coaching::links_of(&state.db, current.id())
        .await?
        .into_iter()
        .find(|l| l.id == *id)
        .ok_or(AppError::NotFound("link"))?;
    Ok(HttpResponse::Ok().json(view))
}

/// Ends a link (either side may).
#[utoipa::path(
    tag = "coaching",
    params(("id" = i32, Path, description = "The link's id")),
    responses((status = 204, description = "Ended")),
)]
#[delete("/coach/links/{id}")]
async fn end_link(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    coaching::end_link(&state.db, current.id(), *id, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The coach's review queue: shared answers of linked learners not yet reviewed by this coach.
#[utoipa::path(
    tag = "coaching",
    responses((status = 200, description = "The queue, oldest first", body = Vec<QueueItem>)),
)]
#[get("/coach/queue")]
async fn queue(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coaching::queue(&state.db, current.id()).await?))
}

#[derive(Deserialize, ToSchema)]
struct ShareRequest {
    /// The link to the coach to share with.
    link_id: i32,
}

/// Shares one attempt with a linked coach.
#[utoipa::path(
    tag = "coaching",
    params(("id" = i32, Path, description = "The attempt's id")),
    request_body = ShareRequest,
    responses((status = 204, description = "Shared")),
)]
#[post("/answers/{id}/shares")]
async fn share(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<ShareRequest>,
) -> Result<HttpResponse, AppError> {
    coaching::share_answer(&state.db, current.id(), *id, body.link_id, true).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stops sharing one attempt with a coach.
#[utoipa::path(
    tag = "coaching",
    params(
        ("id" = i32, Path, description = "The attempt's id"),
        ("link_id" = i32, Path, description = "The link's id"),
    ),
    responses((status = 204, description = "No longer shared")),
)]
#[delete("/answers/{id}/shares/{link_id}")]
async fn unshare(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (answer_id, link_id) = path.into_inner();
    coaching::share_answer(&state.db, current.id(), answer_id, link_id, false).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How the learner's self-reviews agree with their coaches', per checklist item.
#[utoipa::path(
    tag = "coaching",
    responses((status = 200, description = "Agreement per checklist item", body = Vec<Calibration>)),
)]
#[get("/calibration")]
async fn calibration(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coaching::calibration(&state.db, current.id()).await?))
}

/// One question or a whole bank; exactly one of the two.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AssignRequest {
    learner_id: i32,
    question_id: Option<i32>,
    bank_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Assigned {
    /// New cards made due for the learner.
    assigned: u64,
}

/// A coach puts questions into a linked learner's queue.
#[utoipa::path(
    tag = "coaching",
    request_body = AssignRequest,
    responses(
        (status = 201, description = "How many cards were assigned", body = Assigned),
        (status = 404, description = "No such linked learner, question or bank (`not_found`)", body = ErrorBody),
        (status = 422, description = "Neither or both of `question_id` and `bank_id` (`invalid`)", body = ErrorBody),
    ),
)]
#[post("/coach/assignments")]
async fn assign(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<AssignRequest>,
) -> Result<HttpResponse, AppError> {
    let assigned = coaching::assign(
        &state.db,
        &current.user,
        body.learner_id,
        body.question_id,
        body.bank_id.as_deref(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(Assigned { assigned }))
}
