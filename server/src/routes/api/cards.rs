//! `POST /cards/{id}/grade` (and `GET /cards/{id}`): FSRS scheduling of a grade.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use starling_domain::schedule::Rating;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    entities::card,
    error::ApiError,
    startup::AppState,
    store::practice,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(grade);
}

pub fn card_json(card: &card::Model) -> serde_json::Value {
    json!({
        "id": card.id,
        "question_id": card.question_id,
        "due": card.due,
        "scheduled_days": card.scheduled_days,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "state": card.state,
        "reps": card.reps,
        "lapses": card.lapses,
        "last_review": card.last_review,
        "step": card.step,
        "suspended": card.suspended,
        "buried_until": card.buried_until,
        "leech": card.leech,
    })
}

#[get("/cards/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let found = practice::own_card(&state.db, current.id(), *id).await?;
    let intervals: serde_json::Map<String, serde_json::Value> =
        practice::preview(&state.db, &current.user, &found, Utc::now())
            .await?
            .iter()
            .map(|o| (o.rating.as_str().to_owned(), json!(o.interval_label)))
            .collect();
    let mut body = card_json(&found);
    body["intervals"] = json!(intervals);
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
struct GradeRequest {
    rating: String,
    answer_id: Option<i32>,
}

#[post("/cards/{id}/grade")]
async fn grade(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<GradeRequest>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let rating: Rating = body.rating.parse().map_err(ApiError::from)?;
    let graded = practice::grade_card(
        &state.db,
        &current.user,
        *id,
        rating,
        body.answer_id,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(card_json(&graded)))
}
