//! Mock interview pages: start a round, answer one question at a time under
//! a timer (follow-ups shown after each answer), and the summary where each
//! answer is graded. Everything works without scripts.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use serde::Deserialize;
use starling_domain::schedule::Rating;

use crate::{
    auth::CurrentUser,
    error::ApiError,
    routes::page::{parse_form, redirect, render, PageError, PageUser},
    startup::AppState,
    store::{answers::StarFields, mock, stories::taggable_competencies},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start_page)
        .service(create)
        .service(round_page)
        .service(answer)
        .service(summary_page)
        .service(grade)
        .service(finish);
}

async fn start_view(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let competencies = taggable_competencies(&state.db, current.id()).await?;
    let rounds = mock::list(&state.db, current.id()).await?;
    let status = crate::routes::page::status_for(error.as_ref());
    render(
        state,
        req,
        Some(&current.user),
        "mock.html",
        status,
        context! {
            competencies => Value::from_serialize(competencies.iter().filter(|c| c.practised).collect::<Vec<_>>()),
            rounds => Value::from_serialize(&rounds),
            error => error.map(|e| e.to_string()),
        },
    )
}

#[get("/mock")]
async fn start_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    start_view(&req, &state, &current, None).await
}

#[derive(Deserialize)]
struct StartForm {
    minutes: String,
    #[serde(default)]
    competencies: Vec<String>,
}

#[post("/mock")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: StartForm = parse_form(&req, &state, &body)?;
    let minutes = form.minutes.trim().parse::<i64>().unwrap_or(0);
    match mock::create(
        &state.db,
        &current.user,
        minutes,
        &form.competencies,
        Utc::now(),
    )
    .await
    {
        Ok(round) => Ok(redirect(&format!("/mock/{}", round.id))),
        Err(err @ ApiError::Invalid { .. }) => start_view(&req, &state, &current, Some(err)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct RoundQuery {
    /// Show the follow-ups of the question just answered.
    after: Option<i32>,
}

#[get("/mock/{id}")]
async fn round_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    query: web::Query<RoundQuery>,
) -> Result<HttpResponse, PageError> {
    let round = mock::get(&state.db, current.id(), *id).await?;
    let after = query.after.and_then(|p| {
        round
            .questions
            .iter()
            .find(|q| q.position == p && q.answer_id.is_some())
    });
    let current_question = round.current().filter(|_| round.finished_at.is_none());
    if after.is_none() && current_question.is_none() {
        return Ok(redirect(&format!("/mock/{}/summary", round.id)));
    }
    render(
        &state,
        &req,
        Some(&current.user),
        "mock_round.html",
        StatusCode::OK,
        context! {
            round => Value::from_serialize(&round),
            after => after.map(Value::from_serialize),
            question => current_question.map(Value::from_serialize),
            started_at => Utc::now().timestamp(),
            total => round.questions.len(),
        },
    )
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(flatten)]
    fields: StarFields,
    seconds_spent: Option<String>,
    started_at: Option<i64>,
}

#[post("/mock/{id}/answer/{position}")]
async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    path: web::Path<(i32, i32)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (id, position) = path.into_inner();
    let form: AnswerForm = parse_form(&req, &state, &body)?;
    let seconds =
        crate::routes::page::seconds_spent(form.seconds_spent.as_deref(), form.started_at);
    mock::answer(
        &state.db,
        &current.user,
        id,
        position,
        form.fields,
        seconds,
        Utc::now(),
    )
    .await?;
    Ok(redirect(&format!("/mock/{id}?after={position}")))
}

#[get("/mock/{id}/summary")]
async fn summary_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let summary = mock::summary(&state.db, current.id(), *id).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "mock_summary.html",
        StatusCode::OK,
        context! { s => Value::from_serialize(&summary) },
    )
}

#[derive(Deserialize)]
struct GradeForm {
    rating: String,
}

#[post("/mock/{id}/grade/{position}")]
async fn grade(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    path: web::Path<(i32, i32)>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let (id, position) = path.into_inner();
    let form: GradeForm = parse_form(&req, &state, &body)?;
    let rating: Rating = form.rating.parse().map_err(ApiError::from)?;
    mock::grade(&state.db, &current.user, id, position, rating, Utc::now()).await?;
    Ok(redirect(&format!("/mock/{id}/summary#q{position}")))
}

#[post("/mock/{id}/finish")]
async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let _: serde::de::IgnoredAny = parse_form(&req, &state, &body)?;
    mock::finish(&state.db, current.id(), *id, Utc::now()).await?;
    Ok(redirect(&format!("/mock/{}/summary", *id)))
}
