//! `GET /practice/next` (and `GET /practice/today`): the next due card with its
//! question and full checklist, or 204 when the day is done.

use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use serde_json::json;

use crate::{
    auth::CurrentUser,
    error::ApiError,
    startup::AppState,
    store::{practice, questions},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(next).service(today);
}

#[get("/practice/next")]
async fn next(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let Some(card) = practice::next_card(&state.db, &current.user, now).await? else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let question = questions::visible_question(&state.db, current.id(), card.question_id).await?;
    let rubric = questions::checklist(&state.db, card.question_id).await?;
    let intervals: serde_json::Map<String, serde_json::Value> =
        practice::preview(&state.db, &current.user, &card, now)
            .await?
            .iter()
            .map(|o| (o.rating.as_str().to_owned(), json!(o.interval_label)))
            .collect();
    Ok(HttpResponse::Ok().json(json!({
        "card_id": card.id,
        "state": card.state,
        "due": card.due,
        "intervals": intervals,
        "question": {
            "id": question.id,
            "key": question.key,
            "bank": question.bank,
            "prompt": question.prompt,
            "competency": question.competency,
            "competency_name": question.competency_name,
            "rubric": rubric.iter().map(|item| json!({"id": item.id, "text": item.text, "source": item.source})).collect::<Vec<_>>(),
            "follow_ups": question.follow_ups,
        },
    })))
}

#[get("/practice/today")]
async fn today(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    let counts = practice::today(&state.db, &current.user, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(json!({
        "due": counts.due(),
        "learning": counts.learning,
        "review": counts.review,
        "new": counts.new,
        "done_today": counts.done_today,
    })))
}
