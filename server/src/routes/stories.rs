//! The story bank pages: the list with the stories × competencies matrix,
//! and a form to write, edit or delete a story.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use serde::Deserialize;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
    store::stories::{self, StoryInput},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(new_page)
        .service(create)
        .service(edit_page)
        .service(update)
        .service(remove);
}

#[get("/stories")]
async fn list_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let matrix = stories::matrix(&state.db, current.id()).await?;
    let list = stories::list(&state.db, current.id()).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "stories.html",
        StatusCode::OK,
        context! {
            matrix => Value::from_serialize(&matrix),
            stories => Value::from_serialize(&list),
        },
    )
    .await
}

/// The story form, fresh or shown again with the error that refused it.
async fn form_page(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    story_id: Option<i32>,
    input: &StoryInput,
    error: Option<AppError>,
) -> Result<HttpResponse, PageError> {
    let competencies = stories::taggable_competencies(&state.db, current.id()).await?;
    let status = crate::routes::page::status_for(error.as_ref());
    render(
        state,
        req,
        Some(&current.user),
        "story.html",
        status,
        context! {
            story_id => story_id,
            title => input.title.clone(),
            fields => Value::from_serialize(&input.fields),
            tagged => input.competencies.clone(),
            competencies => Value::from_serialize(&competencies),
            error => error.map(|e| e.to_string()),
        },
    )
    .await
}

#[derive(Deserialize)]
struct NewQuery {
    competency: Option<String>,
}

#[get("/stories/new")]
async fn new_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let input = StoryInput {
        competencies: query.competency.iter().cloned().collect(),
        ..Default::default()
    };
    form_page(&req, &state, &current, None, &input, None).await
}

async fn save(
    req: &HttpRequest,
    state: &AppState,
    current: &CurrentUser,
    story_id: Option<i32>,
    input: StoryInput,
) -> Result<HttpResponse, PageError> {
    match stories::save(&state.db, current.id(), story_id, input.clone(), Utc::now()).await {
        Ok(_) => Ok(redirect("/stories")),
        Err(err @ AppError::Invalid { .. }) => {
            form_page(req, state, current, story_id, &input, Some(err)).await
        }
        Err(other) => Err(other.into()),
    }
}

#[post("/stories")]
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(input): CsrfForm<StoryInput>,
) -> Result<HttpResponse, PageError> {
    save(&req, &state, &current, None, input).await
}

#[get("/stories/{id}")]
async fn edit_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let story = stories::get(&state.db, current.id(), *id).await?;
    let input = StoryInput {
        fields: story.fields(),
        title: story.title,
        competencies: story.competencies,
    };
    form_page(&req, &state, &current, Some(*id), &input, None).await
}

#[post("/stories/{id}")]
async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(input): CsrfForm<StoryInput>,
) -> Result<HttpResponse, PageError> {
    save(&req, &state, &current, Some(*id), input).await
}

#[post("/stories/{id}/delete")]
async fn remove(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    _: CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, PageError> {
    stories::delete(&state.db, current.id(), *id).await?;
    Ok(redirect("/stories"))
}
