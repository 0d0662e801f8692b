//! Self-review: the answer beside its checklist (STAR items and the
//! question's own), a comment, and the four grade buttons with their intervals.

use std::collections::{HashMap, HashSet};

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use serde::Deserialize;
use starling_domain::schedule::Rating;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
    store::{
        answers::{self, stored_rating},
        coaching, compare, practice, questions, recordings,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/answers/compare` before `/answers/{id}`, which would take it for an id.
    cfg.service(compare_page)
        .service(review_page)
        .service(attempt_page)
        .service(submit)
        .service(share)
        .service(delete_recording);
}

/// The answer page in one of two modes: `review` (tick and grade) or the
/// read-only attempt view from History.
async fn answer_page(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    answer_id: i32,
    template: &str,
) -> Result<HttpResponse, PageError> {
    let answer = answers::own_answer(&state.db, current.id(), answer_id).await?;
    let (question, checklist) =
        questions::visible_question_checklist(&state.db, current.id(), answer.question_id).await?;
    let reviews = answers::reviews_of(&state.db, answer.id).await?;
    let own = reviews.iter().find(|r| r.reviewer_id == current.id());
    let ticked: HashSet<i32> = own
        .map(|r| r.checked.iter().copied().collect())
        .unwrap_or_default();
    let grade = answers::grade_of(&state.db, answer.id).await?;
    let names = crate::store::accounts::usernames(
        &state.db,
        reviews.iter().map(|r| r.reviewer_id).collect(),
    )
    .await?;
    let now = Utc::now();
    let buttons = match (&grade, answer.card_id) {
        (None, Some(card_id)) => {
            let card = practice::own_card(&state.db, current.id(), card_id).await?;
            practice::preview(&state.db, &current.user, &card, now).await?
                .iter()
                .map(|o| context! { rating => o.rating.as_str(), label => o.rating.label(), interval => o.interval_label.clone() })
                .collect::<Vec<_>>()
        }
        _ => Vec::new(),
    };
    let analysis = answers::analyse(&answer);
    let items: Vec<Value> = checklist
        .iter()
        .map(|item| {
            context! {
                id => item.id, text => item.text.clone(), help => item.help.clone(),
                source => item.source, checked => ticked.contains(&item.id),
                suggestion => answers::suggestion_for(&analysis, item),
            }
        })
        .collect();
    let fields = answers::fields_of(&answer);
    let texts: HashMap<i32, String> = checklist.iter().map(|i| (i.id, i.text.clone())).collect();
    let coach_reviews: Vec<Value> = reviews
        .iter()
        .filter(|r| r.kind == crate::entities::review::Kind::Coach.as_str())
        .map(|r| {
            context! {
                reviewer => names.get(&r.reviewer_id).cloned().unwrap_or_default(),
                comment => r.comment.clone(),
                // Item by item in the checklist's order: the learner's own
                // tick (none before a self-review), the coach's and the
                // coach's comment.
                rows => checklist.iter().map(|i| context! {
                    text => i.text.clone(),
                    source => i.source,
                    mine => own.map(|_| ticked.contains(&i.id)),
                    coach => r.checked.contains(&i.id),
                    comment => r.item_comments.iter().find(|c| c.rubric_item_id == i.id).map(|c| c.comment.clone()).unwrap_or_default(),
                }).collect::<Vec<_>>(),
                // Comments on items no longer in the checklist.
                other_notes => r.item_comments.iter()
                    .filter(|c| !checklist.iter().any(|i| i.id == c.rubric_item_id))
                    .map(|c| context! { item => texts.get(&c.rubric_item_id).cloned().unwrap_or_default(), comment => c.comment.clone() })
                    .collect::<Vec<_>>(),
            }
        })
        .collect();
    coaching::mark_feedback_seen(&state.db, answer.id, now).await?;
    let shares = coaching::share_choices(&state.db, current.id(), answer.id).await?;
    let recording = recordings::answer_info(&state.db, &answer).await?;
    let other_attempts: Vec<Value> = answers::attempts_at(
        &state.db,
        current.id(),
        answer.question_id,
    )
    .await?
    .into_iter()
    .filter(|a| a.id != answer.id)
    .map(|a| context! { id => a.id, attempt => a.attempt, created_at => a.created_at.to_rfc3339() })
    .collect();
    render(
        state,
        req,
        Some(&current.user),
        template,
        StatusCode::OK,
        context! {
            answer => context! {
                id => answer.id, attempt => answer.attempt, seconds_spent => answer.seconds_spent,
                created_at => answer.created_at.to_rfc3339(),
            },
            parts => fields.named().iter().map(|(name, text)| context! { name => *name, text => *text }).collect::<Vec<_>>(),
            question => Value::from_serialize(&question),
            checklist => items,
            ticked_count => ticked.len(),
            reviewed => own.is_some(),
            comment => own.map(|r| r.comment.clone()).unwrap_or_default(),
            grade => grade.map(|g| context! { rating => stored_rating(g.rating).as_str(), due => g.due.to_rfc3339() }),
            buttons => buttons,
            coach_reviews => coach_reviews,
            analysis => Value::from_serialize(&analysis),
            shares => Value::from_serialize(&shares),
            recording => recording.map(|r| Value::from_serialize(&r)),
            recording_deletable => true,
            other_attempts => other_attempts,
        },
    ).await
}

#[get("/answers/{id}/review")]
async fn review_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    answer_page(&req, &state, &current, *id, "review.html").await
}

#[get("/answers/{id}")]
async fn attempt_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    answer_page(&req, &state, &current, *id, "attempt.html").await
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    checked: Vec<i32>,
    #[serde(default)]
    comment: String,
    rating: Option<String>,
}

#[post("/answers/{id}/review")]
async fn submit(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> Result<HttpResponse, PageError> {
    let now = Utc::now();
    let input = answers::ReviewInput {
        checked: form.checked,
        comment: form.comment,
        item_comments: Vec::new(),
    };
    answers::save_review(&state.db, current.id(), *id, &input, now).await?;
    let Some(rating) = form.rating.filter(|r| !r.is_empty()) else {
        return Ok(redirect(&format!("/answers/{}", *id)));
    };
    let rating: Rating = rating.parse().map_err(AppError::from)?;
    let answer = answers::own_answer(&state.db, current.id(), *id).await?;
    let card_id = answer.card_id.ok_or_else(|| {
        AppError::invalid(
            "rating",
            "this answer was written outside practice and has no card to grade",
        )
    })?;
    practice::grade_card(
        &state.db,
        &current.user,
        card_id,
        rating,
        Some(answer.id),
        now,
    )
    .await?;
    // On to the next card, which says what this grade did.
    Ok(redirect(&format!("/practice?graded={}", answer.id)))
}

#[derive(Deserialize)]
struct ShareForm {
    link_id: i32,
    /// `share` or `unshare`.
    action: String,
}

#[post("/answers/{id}/share")]
async fn share(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> Result<HttpResponse, PageError> {
    coaching::share_answer(
        &state.db,
        current.id(),
        *id,
        form.link_id,
        form.action == "share",
    )
    .await?;
    Ok(redirect(&format!("/answers/{}", *id)))
}

/// The no-script way to delete a spoken answer.
#[post("/answers/{id}/recording/delete")]
async fn delete_recording(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    recordings::delete(
        &state.db,
        current.id(),
        recordings::Owner::Answer { answer_id: *id },
    )
    .await?;
    Ok(redirect(&format!("/answers/{}", *id)))
}

#[derive(Deserialize)]
struct CompareQuery {
    a: Option<String>,
    b: Option<String>,
}

/// Two attempts at one question side by side.
#[get("/answers/compare")]
async fn compare_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, PageError> {
    let id = |value: &Option<String>, field: &'static str| {
        value
            .as_deref()
            .and_then(|v| v.trim().parse::<i32>().ok())
            .ok_or_else(|| AppError::invalid(field, "choose two attempts to compare"))
    };
    let found = compare::compare(
        &state.db,
        current.id(),
        id(&query.a, "a")?,
        id(&query.b, "b")?,
    )
    .await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "compare.html",
        StatusCode::OK,
        context! { c => Value::from_serialize(&found) },
    )
    .await
}
