//! History: every attempt per question with its date, checklist coverage and grade.

use actix_web::{get, http::StatusCode, web, HttpRequest, HttpResponse};
use minijinja::context;

use crate::{
    routes::page::{render, PageError, PageUser},
    startup::AppState,
    store::{answers, questions},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(history);
}

#[get("/history")]
async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let mut groups = Vec::new();
    for (question, attempts) in answers::history(&state.db, current.id()).await? {
        let total = questions::checklist(&state.db, question.id).await?.len();
        groups.push(context! {
            question => context! { id => question.id, prompt => question.prompt, retired => question.retired },
            checklist_size => total,
            attempts => attempts.iter().map(|a| context! {
                answer_id => a.answer_id,
                attempt => a.attempt,
                created_at => a.created_at.to_rfc3339(),
                seconds_spent => a.seconds_spent,
                checked => a.checked,
                coverage => a.checked.map(|c| (c * 100).checked_div(total).unwrap_or(0)),
                rating => a.rating,
            }).collect::<Vec<_>>(),
        });
    }
    render(
        &state,
        &req,
        Some(&current.user),
        "history.html",
        StatusCode::OK,
        context! { groups => groups },
    )
}
