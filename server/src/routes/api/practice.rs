//! `GET /practice/next` (and `GET /practice/today`): the next due card with its
//! question and full checklist, or 204 when the day is done.

use actix_web::{get, web, HttpResponse};
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    startup::AppState,
    store::{
        practice,
        questions::{self, RubricEntry},
        session,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(next).service(today);
}

/// What each grade button would do, as a label: `{"again": "10m", "good": "3d", …}`.
pub type Intervals = BTreeMap<String, String>;

/// The interval labels of the four grades for this card now.
pub async fn intervals(
    state: &AppState,
    current: &CurrentUser,
    card: &crate::entities::card::Model,
    now: DateTime<Utc>,
) -> Result<Intervals, AppError> {
    Ok(practice::preview(&state.db, &current.user, card, now)
        .await?
        .into_iter()
        .map(|o| (o.rating.as_str().to_owned(), o.interval_label))
        .collect())
}

#[derive(Serialize, ToSchema)]
struct NextCard {
    card_id: i32,
    #[schema(value_type = starling_domain::schedule::CardState)]
    state: String,
    due: DateTime<Utc>,
    /// What each grade would do, as a label: `{"again": "10m", "good": "3d", …}`.
    intervals: std::collections::BTreeMap<String, String>,
    question: NextQuestion,
}

#[derive(Serialize, ToSchema)]
struct NextQuestion {
    id: i32,
    key: String,
    bank: String,
    prompt: String,
    competency: String,
    competency_name: String,
    /// The whole checklist: the STAR items, then the question's own.
    rubric: Vec<RubricEntry>,
    follow_ups: Vec<String>,
    /// What a weak answer to this question shows.
    red_flags: Vec<String>,
}

/// The next card to practise, with its question and checklist.
#[utoipa::path(
    tag = "practice",
    responses(
        (status = 200, description = "The next card", body = NextCard),
        (status = 204, description = "Nothing is due: the day is done"),
    ),
)]
#[get("/practice/next")]
async fn next(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let Some(card) = practice::next_card(&state.db, &current.user, now).await? else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let (question, rubric) =
        questions::visible_question_checklist(&state.db, current.id(), card.question_id).await?;
    let intervals = intervals(&state, &current, &card, now).await?;
    Ok(HttpResponse::Ok().json(NextCard {
        card_id: card.id,
        state: card.state.as_str().to_owned(),
        due: card.due,
        intervals,
        question: NextQuestion {
            id: question.id,
            key: question.key,
            bank: question.bank,
            prompt: question.prompt,
            competency: question.competency,
            competency_name: question.competency_name,
            rubric,
            follow_ups: question.follow_ups,
            red_flags: question.red_flags,
        },
    }))
}

#[derive(Serialize, ToSchema)]
struct TodayCounts {
    /// Cards due now: `learning` + `review` (new cards not included).
    due: u64,
    /// Learning and relearning cards due now.
    learning: u64,
    review: u64,
    new: u64,
    done_today: u64,
    /// Learning cards due later in this study day: not due yet, not in `due`.
    later_today: u64,
    /// When the first of those is due.
    next_learning_due: Option<DateTime<Utc>>,
    /// Consecutive study days with an answer or a grade.
    streak: starling_domain::streak::Streak,
    /// The study day so far, as the summary on Today shows it.
    session: session::SessionSummary,
}

/// Today's counts after the daily limits, the streak and the day's session.
#[utoipa::path(
    tag = "practice",
    responses((status = 200, description = "Today's counts", body = TodayCounts)),
)]
#[get("/practice/today")]
async fn today(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let counts = practice::today(&state.db, &current.user, now).await?;
    let session = session::summary(&state.db, &current.user, &counts, now).await?;
    Ok(HttpResponse::Ok().json(TodayCounts {
        due: counts.due(),
        learning: counts.learning,
        review: counts.review,
        new: counts.new,
        done_today: counts.done_today,
        later_today: counts.later_today,
        next_learning_due: counts.next_learning_due,
        streak: crate::store::stats::streak_of(&state.db, &current.user, now).await?,
        session,
    }))
}
