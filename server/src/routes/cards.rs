//! Card actions from the pages: the leeches page, suspend / unsuspend / bury /
//! clear a leech, and undoing the last grade.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use serde::Deserialize;

use crate::{
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(leeches_page).service(card_action).service(undo);
}

#[get("/leeches")]
async fn leeches_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let leeches = crate::store::practice::leeches(&state.db, current.id()).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "leeches.html",
        StatusCode::OK,
        context! {
            leeches => Value::from_serialize(&leeches),
            threshold => current.user.leech_threshold,
        },
    )
    .await
}

#[derive(Deserialize)]
struct CardAction {
    /// suspend, unsuspend, bury, clear-leech
    action: String,
    /// Where to go afterwards (a path on this site).
    next: Option<String>,
}

/// Suspend, unsuspend, bury or clear a leech from a page, without scripts.
#[post("/cards/{id}/action")]
async fn card_action(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(form): CsrfForm<CardAction>,
) -> Result<HttpResponse, PageError> {
    use crate::store::practice;
    match form.action.as_str() {
        "suspend" => practice::set_suspended(&state.db, current.id(), *id, true).await?,
        "unsuspend" => practice::set_suspended(&state.db, current.id(), *id, false).await?,
        "bury" => practice::set_buried(&state.db, &current.user, *id, true, Utc::now()).await?,
        "clear-leech" => practice::clear_leech(&state.db, current.id(), *id).await?,
        other => {
            return Err(AppError::invalid("action", format!("unknown action {other:?}")).into())
        }
    };
    Ok(redirect(crate::routes::accounts::safe_next(
        form.next.as_deref(),
        "/leeches",
    )))
}

#[post("/undo")]
async fn undo(
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    let undone =
        crate::store::practice::undo_last_grade(&state.db, &current.user, Utc::now()).await?;
    Ok(redirect(&match undone.answer_id {
        Some(answer) => format!("/answers/{answer}/review"),
        None => "/today".to_owned(),
    }))
}
