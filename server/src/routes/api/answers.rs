//! `POST /answers`, `GET /answers/{id}`, `POST /answers/{id}/reviews`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    entities::answer,
    error::ApiError,
    startup::AppState,
    store::{
        answers::{self, rating_name, ReviewInput, StarFields},
        coaching, compare as comparison, questions, recordings,
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

#[derive(Deserialize)]
struct NewAnswer {
    question_id: i32,
    #[serde(flatten)]
    fields: StarFields,
    #[serde(default)]
    seconds_spent: i64,
    /// The story the answer started from, if any (one of the user's).
    story_id: Option<i32>,
}

fn analysis(answer: &answer::Model) -> serde_json::Value {
    json!(answers::analyse(answer))
}

#[post("/answers")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<NewAnswer>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
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
    Ok(HttpResponse::Created().json(json!({
        "id": saved.id,
        "attempt": saved.attempt,
        "question_id": saved.question_id,
        "card_id": saved.card_id,
        "story_id": saved.story_id,
        "analysis": analysis(&saved),
        "recording": recording,
    })))
}

#[get("/answers/{id}")]
async fn show(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let (found, reader) = coaching::readable_answer(&state.db, current.id(), *id).await?;
    if reader == coaching::Reader::Author {
        coaching::mark_feedback_seen(&state.db, found.id, Utc::now()).await?;
    }
    let reviews = answers::reviews_of(&state.db, found.id).await?;
    let checklist = questions::checklist(&state.db, found.question_id).await?;
    let grade = answers::grade_of(&state.db, found.id).await?;
    let recording = recordings::answer_info(&state.db, &found).await?;
    Ok(HttpResponse::Ok().json(json!({
        "id": found.id,
        "question_id": found.question_id,
        "card_id": found.card_id,
        "attempt": found.attempt,
        "situation": found.situation,
        "task": found.task,
        "action": found.action,
        "result": found.result,
        "reflection": found.reflection,
        "seconds_spent": found.seconds_spent,
        "created_at": found.created_at,
        "checklist": checklist.iter().map(|item| json!({"id": item.id, "text": item.text, "source": item.source})).collect::<Vec<_>>(),
        "reviews": reviews,
        "grade": grade.map(|g| json!({"rating": rating_name(g.rating), "reviewed_at": g.reviewed_at, "due": g.due})),
        "analysis": analysis(&found),
        "recording": recording,
        "story_id": if reader == coaching::Reader::Author { found.story_id } else { None },
    })))
}

#[post("/answers/{id}/reviews")]
async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let saved = answers::save_review(&state.db, current.id(), *id, &body, Utc::now()).await?;
    Ok(HttpResponse::Created().json(saved))
}

#[derive(Deserialize)]
struct ExportQuery {
    competency: Option<String>,
}

#[get("/answers/export")]
async fn export(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
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

#[derive(Deserialize)]
struct CompareQuery {
    a: i32,
    b: i32,
}

/// `GET /answers/compare?a=…&b=…`: two attempts at one question, older first.
#[get("/answers/compare")]
async fn compare(
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = comparison::compare(&state.db, current.id(), query.a, query.b).await?;
    Ok(HttpResponse::Ok().json(found))
}
