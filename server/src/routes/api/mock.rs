//! Mock interviews: `POST /mock-interviews {minutes, competencies}`,
//! `GET /mock-interviews`, `GET /mock-interviews/{id}` (the round with its
//! summary), `POST /mock-interviews/{id}/questions/{position}/answer`,
//! `POST /mock-interviews/{id}/questions/{position}/grade {rating}`,
//! `POST /mock-interviews/{id}/finish`.

use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use starling_domain::schedule::Rating;
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::{cards::CardView, drafts::DraftBody, openapi::ErrorBody},
    startup::AppState,
    store::mock,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(show)
        .service(answer)
        .service(grade)
        .service(finish);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewRound {
    /// The round's length: one question per 5 minutes.
    minutes: i64,
    /// Only these competencies (their keys); all the user practises when empty.
    #[serde(default)]
    competencies: Vec<String>,
}

/// Starts a mock interview: questions picked by due cards, untried competencies and weak spots.
#[utoipa::path(
    operation_id = "create_mock_interview",
    tag = "mock",
    request_body = NewRound,
    responses(
        (status = 201, description = "The round and its questions, in order", body = mock::Round),
        (status = 422, description = "Too short or too long, an unknown competency, or no questions (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[post("/mock-interviews")]
async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewRound>,
) -> Result<HttpResponse, AppError> {
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

/// The user's mock interviews, newest first.
#[utoipa::path(
    operation_id = "list_mock_interviews",
    tag = "mock",
    responses((status = 200, description = "The rounds", body = Vec<mock::Round>)),
)]
#[get("/mock-interviews")]
async fn list(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(mock::list(&state.db, current.id()).await?))
}

/// A round with its summary: time, words, hints, checklist and grade per question.
#[utoipa::path(
    operation_id = "show_mock_interview",
    tag = "mock",
    params(("id" = i32, Path, description = "The round's id")),
    responses((status = 200, description = "The round's summary", body = mock::Summary)),
)]
#[get("/mock-interviews/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(mock::summary(&state.db, current.id(), *id).await?))
}

/// Answers the round's current question (in order); the response has the follow-ups.
#[utoipa::path(
    operation_id = "answer_mock_question",
    tag = "mock",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("position" = i32, Path, description = "The question's position in the round, from 1"),
    ),
    request_body = DraftBody,
    responses(
        (status = 201, description = "The answer, its analysis and the follow-up questions", body = mock::Answered),
        (status = 409, description = "Already answered, an earlier question is unanswered, or the round is finished (`conflict`)", body = ErrorBody),
    ),
)]
#[post("/mock-interviews/{id}/questions/{position}/answer")]
async fn answer(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
    body: web::Json<DraftBody>,
) -> Result<HttpResponse, AppError> {
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

#[derive(Deserialize, ToSchema)]
struct GradeBody {
    #[schema(value_type = Rating)]
    rating: String,
}

#[derive(Serialize, ToSchema)]
struct GradedQuestion {
    position: i32,
    card: CardView,
}

/// Grades an answered question of the round: a review of its card, once.
#[utoipa::path(
    operation_id = "grade_mock_question",
    tag = "mock",
    params(
        ("id" = i32, Path, description = "The round's id"),
        ("position" = i32, Path, description = "The question's position in the round, from 1"),
    ),
    request_body = GradeBody,
    responses(
        (status = 200, description = "The card after the grade", body = GradedQuestion),
        (status = 422, description = "The question is not answered yet, or an unknown rating (`invalid`)", body = ErrorBody),
    ),
)]
#[post("/mock-interviews/{id}/questions/{position}/grade")]
async fn grade(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(i32, i32)>,
    body: web::Json<GradeBody>,
) -> Result<HttpResponse, AppError> {
    let (id, position) = path.into_inner();
    let rating: Rating = body.rating.parse().map_err(AppError::from)?;
    let card = mock::grade(&state.db, &current.user, id, position, rating, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(GradedQuestion {
        position,
        card: CardView::from(&card),
    }))
}

/// Ends a round early; unanswered questions stay unanswered.
#[utoipa::path(
    operation_id = "finish_mock_interview",
    tag = "mock",
    params(("id" = i32, Path, description = "The round's id")),
    responses((status = 200, description = "The round", body = mock::Round)),
)]
#[post("/mock-interviews/{id}/finish")]
async fn finish(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(mock::finish(&state.db, current.id(), *id, Utc::now()).await?))
}
