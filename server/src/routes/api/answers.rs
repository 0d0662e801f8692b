//! `POST /answers`, `GET /answers/{id}`, `POST /answers/{id}/reviews`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starling_domain::{analysis::Analysis, schedule::Rating};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::{
        answers::{self, stored_rating, ReviewInput, ReviewView, StarFields},
        coaching,
        compare::{self as comparison, Comparison},
        questions::{self, RubricEntry},
        recordings::{self, RecordingInfo},
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Registered before `/answers/{id}`, which would take "export" for an id.
    cfg.service(export)
        .service(compare)
        .service(create)
        .service(show)
        .service(review);
}

#[derive(Deserialize, ToSchema)]
struct NewAnswer {
    question_id: i32,
    #[serde(flatten)]
    fields: StarFields,
    /// Time spent writing the answer.
    #[serde(default)]
    seconds_spent: i64,
    /// The story the answer started from, if any (one of the user's).
    story_id: Option<i32>,
}

#[derive(Serialize, ToSchema)]
struct CreatedAnswer {
    id: i32,
    /// 1 for the first attempt at this question, then 2, 3, …
    attempt: i32,
    question_id: i32,
    /// The card the attempt practises (none for a question the user has no card for).
    card_id: Option<i32>,
    story_id: Option<i32>,
    analysis: Analysis,
    /// The draft's recording, moved onto the attempt.
    recording: Option<RecordingInfo>,
}

/// Sends an attempt at a question; the draft (and its recording) moves onto it.
#[utoipa::path(
    operation_id = "create_answer",
    tag = "practice",
    request_body = NewAnswer,
    responses(
        (status = 201, description = "The attempt, with its automatic analysis", body = CreatedAnswer),
        (status = 404, description = "No such question, or no such story of the user's (`not_found`)", body = ErrorBody),
        (status = 422, description = "Every field is empty, or one is too long (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[post("/answers")]
async fn create(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewAnswer>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let saved = answers::create_answer(
        &state.db,
        current.id(),
        body.question_id,
        body.fields,
        body.seconds_spent,
        body.story_id,
        Utc::now(),
    )
    .await?;
    let recording = recordings::answer_info(&state.db, &saved).await?;
    Ok(HttpResponse::Created().json(CreatedAnswer {
        id: saved.id,
        attempt: saved.attempt,
        question_id: saved.question_id,
        card_id: saved.card_id,
        story_id: saved.story_id,
        analysis: answers::analyse(&saved),
        recording,
    }))
}

#[derive(Serialize, ToSchema)]
struct AnswerView {
    id: i32,
    question_id: i32,
    card_id: Option<i32>,
    attempt: i32,
    #[serde(flatten)]
    text: StarFields,
    seconds_spent: i32,
    created_at: DateTime<Utc>,
    /// The whole checklist the reviews refer to: the STAR items, then the question's own.
    checklist: Vec<RubricEntry>,
    /// The self-review and coach reviews.
    reviews: Vec<ReviewView>,
    grade: Option<GradeView>,
    analysis: Analysis,
    recording: Option<RecordingInfo>,
    /// The story the attempt started from (shown to its author only).
    story_id: Option<i32>,
}

#[derive(Serialize, ToSchema)]
struct GradeView {
    #[schema(value_type = Rating)]
    rating: &'static str,
    reviewed_at: DateTime<Utc>,
    /// When the card became due again after this grade.
    due: DateTime<Utc>,
}

/// One attempt with its reviews and grade (the author's, or one shared with the coach asking).
#[utoipa::path(
    operation_id = "show_answer",
    tag = "practice",
    params(("id" = i32, Path, description = "The attempt's id")),
    responses((status = 200, description = "The attempt", body = AnswerView)),
)]
#[get("/answers/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (found, reader) = coaching::readable_answer(&state.db, current.id(), *id).await?;
    if reader == coaching::Reader::Author {
        coaching::mark_feedback_seen(&state.db, found.id, Utc::now()).await?;
    }
    let reviews = answers::reviews_of(&state.db, found.id).await?;
    let checklist = questions::checklist(&state.db, found.question_id).await?;
    let grade = answers::grade_of(&state.db, found.id).await?;
    let recording = recordings::answer_info(&state.db, &found).await?;
    let analysis = answers::analyse(&found);
    Ok(HttpResponse::Ok().json(AnswerView {
        id: found.id,
        question_id: found.question_id,
        card_id: found.card_id,
        attempt: found.attempt,
        text: answers::fields_of(&found),
        seconds_spent: found.seconds_spent,
        created_at: found.created_at,
        checklist,
        reviews,
        grade: grade.map(|g| GradeView {
            rating: stored_rating(g.rating).as_str(),
            reviewed_at: g.reviewed_at,
            due: g.due,
        }),
        analysis,
        recording,
        story_id: if reader == coaching::Reader::Author {
            found.story_id
        } else {
            None
        },
    }))
}

/// Reviews an attempt against its checklist: the author's self-review, or a linked coach's review.
/// A second review by the same reviewer replaces the first.
#[utoipa::path(
    tag = "practice",
    params(("id" = i32, Path, description = "The attempt's id")),
    request_body = ReviewInput,
    responses(
        (status = 201, description = "The review", body = ReviewView),
        (status = 422, description = "A checklist item that is not this question's, or a comment too long (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[post("/answers/{id}/reviews")]
async fn review(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let saved = answers::save_review(&state.db, current.id(), *id, &body, Utc::now()).await?;
    Ok(HttpResponse::Created().json(saved))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// Only the answers to this competency's questions (its key).
    competency: Option<String>,
}

/// All the user's attempts as one Markdown document, by competency and question.
#[utoipa::path(
    tag = "practice",
    params(ExportQuery),
    responses((status = 200, description = "The Markdown document (a download)", content_type = "text/markdown", body = String)),
)]
#[get("/answers/export")]
async fn export(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let competency = query.competency.as_deref().filter(|c| !c.is_empty());
    let doc = answers::answers_markdown(&state.db, current.id(), competency).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "text/markdown; charset=utf-8"))
        .insert_header((
            "content-disposition",
            "attachment; filename=\"my-answers.md\"",
        ))
        .body(doc))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CompareQuery {
    /// One attempt's id.
    a: i32,
    /// Another attempt at the same question.
    b: i32,
}

/// Two attempts at one question compared, older first: a word diff per field and the checklist items gained and lost.
#[utoipa::path(
    tag = "practice",
    params(CompareQuery),
    responses(
        (status = 200, description = "The comparison", body = Comparison),
        (status = 404, description = "Either attempt is not the user's (`not_found`)", body = ErrorBody),
        (status = 422, description = "The attempts are at different questions, or the same one twice (`invalid`)", body = ErrorBody),
    ),
)]
#[get("/answers/compare")]
async fn compare(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, AppError> {
    let found = comparison::compare(&state.db, current.id(), query.a, query.b).await?;
    Ok(HttpResponse::Ok().json(found))
}
