//! Mock interview pages: start a round, answer one question at a time under
//! a timer (follow-ups shown after each answer), and the summary where each
//! answer is graded. Everything works without scripts.

use std::collections::HashMap;

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::{context, Value};
use serde::Deserialize;
use starling_domain::schedule::Rating;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
    store::{
        answers::{self, StarFields},
        mock, practice, recordings,
        stories::taggable_competencies,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(start_page)
        .service(create)
        .service(round_page)
        .service(answer)
        .service(summary_page)
        .service(grade)
        .service(finish_page)
        .service(finish);
}

async fn start_view(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    error: Option<AppError>,
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
    ).await
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
    CsrfForm(form): CsrfForm<StartForm>,
) -> Result<HttpResponse, PageError> {
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
        Err(err @ AppError::Invalid { .. }) => start_view(&req, &state, &current, Some(err)).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct RoundQuery {
    /// Show the follow-ups of the question just answered.
    after: Option<i32>,
}

/// The answer the round page shows in the current question's fields.
struct Shown {
    fields: StarFields,
    seconds_spent: i64,
    /// The saved draft's revision when the fields are that draft (the
    /// Unix epoch when there is none); `None` for a refused form shown again.
    draft_revision: Option<DateTime<Utc>>,
}

impl Shown {
    /// The question's saved draft (typed on this page or on the question
    /// page: drafts belong to the question), or empty fields.
    async fn draft(state: &AppState, user_id: i32, question_id: i32) -> Result<Self, AppError> {
        let saved = answers::draft_or_empty(&state.db, user_id, question_id).await?;
        Ok(Shown {
            fields: saved.fields,
            seconds_spent: saved.seconds_spent,
            draft_revision: Some(saved.revision),
        })
    }
}

#[allow(clippy::too_many_arguments)]
async fn round_view(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    round: &mock::Round,
    after: Option<&mock::RoundQuestion>,
    question: Option<&mock::RoundQuestion>,
    shown: Option<Shown>,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let mut draft_state = Value::UNDEFINED;
    let mut recording = None;
    let (mut fields, mut seconds_spent) = (StarFields::default(), 0);
    if let (Some(q), Some(shown)) = (question, shown) {
        let last_sent = answers::last_sent_at(&state.db, current.id(), q.id).await?;
        draft_state = context! {
            revision => shown.draft_revision.map(|t| t.timestamp_millis()),
            server_now => now.timestamp_millis(),
            last_sent => last_sent.map_or(0, |t| t.timestamp_millis()),
        };
        recording = recordings::info(
            &state.db,
            current.id(),
            recordings::Owner::Draft { question_id: q.id },
        )
        .await?;
        fields = shown.fields;
        seconds_spent = shown.seconds_spent;
    }
    let left = (round.ends_at - now).num_seconds().max(0);
    let status = crate::routes::page::status_for(error.as_ref());
    render(
        state,
        req,
        Some(&current.user),
        "mock_round.html",
        status,
        context! {
            round => Value::from_serialize(round),
            after => after.map(Value::from_serialize),
            question => question.map(Value::from_serialize),
            fields => Value::from_serialize(&fields),
            seconds_spent => seconds_spent,
            started_at => now.timestamp() - seconds_spent,
            draft_state => draft_state,
            // The round clock, on the server's clock so that a reload goes on.
            clock => context! {
                started => round.created_at.timestamp_millis(),
                ends => round.ends_at.timestamp_millis(),
                server_now => now.timestamp_millis(),
                left => left,
            },
            total => round.questions.len(),
            recording => recording.map(|r| Value::from_serialize(&r)),
            max_recording_seconds => state.config.max_recording_seconds,
            max_recording_bytes => state.config.max_recording_bytes,
            error => error.map(|e| e.to_string()),
        },
    )
    .await
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
    let shown = match (after, current_question) {
        (None, Some(q)) => Some(Shown::draft(&state, current.id(), q.id).await?),
        _ => None,
    };
    // After an answer, the follow-ups page links on to the next question.
    round_view(
        &req,
        &state,
        &current,
        &round,
        after,
        current_question,
        shown,
        None,
    )
    .await
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
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<HttpResponse, PageError> {
    let (id, position) = path.into_inner();
    let seconds =
        crate::routes::page::seconds_spent(form.seconds_spent.as_deref(), form.started_at);
    match mock::answer(
        &state.db,
        &current.user,
        id,
        position,
        form.fields.clone(),
        seconds,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(redirect(&format!("/mock/{id}?after={position}"))),
        // An empty or too long answer: the question again, with what was sent.
        Err(err @ AppError::Invalid { .. }) => {
            let round = mock::get(&state.db, current.id(), id).await?;
            let question = round
                .current()
                .filter(|q| q.position == position && round.finished_at.is_none());
            let Some(question) = question else {
                return Err(err.into());
            };
            let shown = Shown {
                fields: form.fields,
                seconds_spent: seconds,
                draft_revision: None,
            };
            round_view(
                &req,
                &state,
                &current,
                &round,
                None,
                Some(question),
                Some(shown),
                Some(err),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[get("/mock/{id}/summary")]
async fn summary_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let summary = mock::summary(&state.db, current.id(), *id).await?;
    let now = Utc::now();
    // The grade buttons of each answer not graded yet, with the interval
    // each would give (as on the review page).
    let mut buttons: HashMap<String, Vec<Value>> = HashMap::new();
    for item in summary.items.iter().filter(|i| i.rating.is_none()) {
        let (Some(_), Some(card_id)) = (item.answer_id, item.card_id) else {
            continue;
        };
        let card = practice::own_card(&state.db, current.id(), card_id).await?;
        let shown = practice::preview(&state.db, &current.user, &card, now)
            .await?
            .iter()
            .map(|o| context! { rating => o.rating.as_str(), label => o.rating.label(), interval => o.interval_label.clone() })
            .collect();
        buttons.insert(item.position.to_string(), shown);
    }
    render(
        &state,
        &req,
        Some(&current.user),
        "mock_summary.html",
        StatusCode::OK,
        context! { s => Value::from_serialize(&summary), buttons => buttons },
    )
    .await
}

#[derive(Deserialize)]
struct GradeForm {
    rating: String,
}

#[post("/mock/{id}/grade/{position}")]
async fn grade(
    state: web::Data<AppState>,
    current: PageUser,
    path: web::Path<(i32, i32)>,
    CsrfForm(form): CsrfForm<GradeForm>,
) -> Result<HttpResponse, PageError> {
    let (id, position) = path.into_inner();
    let rating: Rating = form.rating.parse().map_err(AppError::from)?;
    mock::grade(&state.db, &current.user, id, position, rating, Utc::now()).await?;
    Ok(redirect(&format!("/mock/{id}/summary#q{position}")))
}

/// The page that asks whether to end the round (the no-script confirmation).
async fn finish_view(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    id: i32,
) -> Result<HttpResponse, PageError> {
    let round = mock::get(&state.db, current.id(), id).await?;
    if round.finished_at.is_some() {
        return Ok(redirect(&format!("/mock/{id}/summary")));
    }
    let answered = round
        .questions
        .iter()
        .filter(|q| q.answer_id.is_some())
        .count();
    render(
        state,
        req,
        Some(&current.user),
        "mock_finish.html",
        StatusCode::OK,
        context! {
            round => Value::from_serialize(&round),
            answered => answered,
            total => round.questions.len(),
            left => (round.ends_at - Utc::now()).num_seconds().max(0),
        },
    )
    .await
}

#[get("/mock/{id}/finish")]
async fn finish_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    finish_view(&req, &state, &current, *id).await
}

#[derive(Deserialize)]
struct FinishForm {
    /// `yes` once the learner has confirmed; without it the page asks.
    #[serde(default)]
    confirm: String,
}

#[post("/mock/{id}/finish")]
async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(form): CsrfForm<FinishForm>,
) -> Result<HttpResponse, PageError> {
    if form.confirm != "yes" {
        return finish_view(&req, &state, &current, *id).await;
    }
    mock::finish(&state.db, current.id(), *id, Utc::now()).await?;
    Ok(redirect(&format!("/mock/{}/summary", *id)))
}
