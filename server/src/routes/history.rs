//! History: every attempt per question with its date, checklist coverage and
//! grade, attempts with unread coach feedback marked; `/feedback/new` leads
//! to that feedback.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use crate::{
    routes::page::{redirect, render, PageError, PageUser},
    startup::AppState,
    store::{answers, coaching, questions},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(history).service(new_feedback);
}

#[derive(Deserialize)]
struct HistoryQuery {
    /// `new`: only the attempts with coach feedback not read yet.
    feedback: Option<String>,
}

#[get("/history")]
async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, PageError> {
    let unread = coaching::answers_with_unread_feedback(&state.db, current.id()).await?;
    let only_unread = query.feedback.as_deref() == Some("new");
    let mut groups = Vec::new();
    for (question, attempts) in answers::history(&state.db, current.id()).await? {
        if only_unread && !attempts.iter().any(|a| unread.contains(&a.answer_id)) {
            continue;
        }
        let total = questions::checklist(&state.db, question.id).await?.len();
        groups.push(context! {
            question => context! { id => question.id, prompt => question.prompt, retired => question.retired },
            checklist_size => total,
            attempts => attempts.iter().filter(|a| !only_unread || unread.contains(&a.answer_id)).map(|a| context! {
                answer_id => a.answer_id,
                attempt => a.attempt,
                created_at => a.created_at.to_rfc3339(),
                seconds_spent => a.seconds_spent,
                checked => a.checked,
                coverage => a.checked.map(|c| (c * 100).checked_div(total).unwrap_or(0)),
                rating => a.rating,
                new_feedback => unread.contains(&a.answer_id),
            }).collect::<Vec<_>>(),
        });
    }
    render(
        &state,
        &req,
        Some(&current.user),
        "history.html",
        StatusCode::OK,
        context! { groups => groups, only_unread => only_unread },
    )
    .await
}

/// Where the "new coach feedback" notice leads: the attempt itself when one
/// has unread feedback, History showing only those attempts when several do.
#[get("/feedback/new")]
async fn new_feedback(
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let unread = coaching::answers_with_unread_feedback(&state.db, current.id()).await?;
    Ok(match unread.as_slice() {
        [] => redirect("/history"),
        [answer_id] => redirect(&format!("/answers/{answer_id}")),
        _ => redirect("/history?feedback=new"),
    })
}
