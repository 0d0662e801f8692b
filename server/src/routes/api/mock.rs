//! Mock interviews: `POST /mock-interviews {minutes, competencies}`,
//! `GET /mock-interviews`, `GET /mock-interviews/{id}` (the round with its
//! summary), `POST /mock-interviews/{id}/questions/{position}/answer`,
//! `POST /mock-interviews/{id}/questions/{position}/grade {rating}`,
//! `POST /mock-interviews/{id}/finish`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use starling_domain::schedule::Rating;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::ApiError,
    routes::api::cards::card_json,
    startup::AppState,
    store::{answers::StarFields, mock},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(answer)
        .service(grade)
        .service(finish);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRound {
    minutes: i64,
    #[serde(default)]
    competencies: Vec<String>,
}

#[post("/mock-interviews")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewRound>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let round = mock::create(
        &state.db,
        &current.user,
        body.minutes,
        &body.competencies,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(round))
}

#[get("/mock-interviews")]
async fn list(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(mock::list(&state.db, current.id()).await?))
}

#[get("/mock-interviews/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(mock::summary(&state.db, current.id(), *id).await?))
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(flatten)]
    fields: StarFields,
    #[serde(default)]
    seconds_spent: i64,
}

#[post("/mock-interviews/{id}/questions/{position}/answer")]
async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
    body: web::Json<AnswerBody>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let (id, position) = path.into_inner();
    let body = body.into_inner();
    let answered = mock::answer(
        &state.db,
        &current.user,
        id,
        position,
        body.fields,
        body.seconds_spent,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(answered))
}

#[derive(Deserialize)]
struct GradeBody {
    rating: String,
}

#[post("/mock-interviews/{id}/questions/{position}/grade")]
async fn grade(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
    body: web::Json<GradeBody>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let (id, position) = path.into_inner();
    let rating: Rating = body.rating.parse().map_err(ApiError::from)?;
    let card = mock::grade(&state.db, &current.user, id, position, rating, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(json!({"position": position, "card": card_json(&card)})))
}

#[post("/mock-interviews/{id}/finish")]
async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    Ok(HttpResponse::Ok().json(mock::finish(&state.db, current.id(), *id, Utc::now()).await?))
}
