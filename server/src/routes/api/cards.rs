//! `POST /cards/{id}/grade` (and `GET /cards/{id}`): FSRS scheduling of a grade.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starling_domain::schedule::Rating;
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser, entities::card, error::AppError, routes::api::openapi::ErrorBody,
    startup::AppState, store::practice,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(grade);
}

/// A card's scheduling state.
#[derive(Serialize, ToSchema)]
pub struct CardView {
    id: i32,
    question_id: i32,
    due: DateTime<Utc>,
    scheduled_days: i32,
    /// FSRS memory stability in days (0 for a new card).
    stability: f64,
    /// FSRS difficulty, 1 to 10 (0 for a new card).
    difficulty: f64,
    #[schema(value_type = starling_domain::schedule::CardState)]
    state: String,
    reps: i32,
    lapses: i32,
    last_review: Option<DateTime<Utc>>,
    /// The learning or relearning step the card is on.
    step: i32,
    suspended: bool,
    buried_until: Option<DateTime<Utc>>,
    leech: bool,
}

impl From<&card::Model> for CardView {
    fn from(card: &card::Model) -> Self {
        Self {
            id: card.id,
            question_id: card.question_id,
            due: card.due,
            scheduled_days: card.scheduled_days,
            stability: card.stability,
            difficulty: card.difficulty,
            state: card.state.as_str().to_owned(),
            reps: card.reps,
            lapses: card.lapses,
            last_review: card.last_review,
            step: card.step,
            suspended: card.suspended,
            buried_until: card.buried_until,
            leech: card.leech,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct CardWithIntervals {
    #[serde(flatten)]
    card: CardView,
    /// What each grade would do, as a label: `{"again": "10m", "good": "3d", …}`.
    intervals: std::collections::BTreeMap<String, String>,
}

/// One of the user's cards, with what each grade would do now.
#[utoipa::path(
    operation_id = "show_card",
    tag = "practice",
    params(("id" = i32, Path, description = "The card's id")),
    responses((status = 200, description = "The card", body = CardWithIntervals)),
)]
#[get("/cards/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let found = practice::own_card(&state.db, current.id(), *id).await?;
    let intervals =
        crate::routes::api::practice::intervals(&state, &current, &found, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(CardWithIntervals {
        card: CardView::from(&found),
        intervals,
    }))
}

#[derive(Deserialize, ToSchema)]
struct GradeRequest {
    #[schema(value_type = Rating)]
    rating: String,
    /// The attempt being graded: grading the same attempt again does not advance the card twice.
    answer_id: Option<i32>,
}

/// Grades a card (FSRS): Again, Hard, Good or Easy.
#[utoipa::path(
    operation_id = "grade_card",
    tag = "practice",
    params(("id" = i32, Path, description = "The card's id")),
    request_body = GradeRequest,
    responses(
        (status = 200, description = "The card after the grade (the same card, unchanged, when this attempt was already graded)", body = CardView),
        (status = 409, description = "Another request graded the card at the same moment (`conflict`)", body = ErrorBody),
        (status = 422, description = "An unknown rating or an attempt at another question (`invalid`)", body = ErrorBody),
    ),
)]
#[post("/cards/{id}/grade")]
async fn grade(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<GradeRequest>,
) -> Result<HttpResponse, AppError> {
    let rating: Rating = body.rating.parse().map_err(AppError::from)?;
    let graded = practice::grade_card(
        &state.db,
        &current.user,
        *id,
        rating,
        body.answer_id,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CardView::from(&graded)))
}
