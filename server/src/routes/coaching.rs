//! Coaching pages: links (invite, join, share mode, end), the coach's review
//! queue and review page, and the learner's calibration view.

use std::collections::{HashMap, HashSet};

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::{context, Value};
use sea_orm::EntityTrait;
use serde::Deserialize;

use crate::{
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError, PageUser},
    startup::AppState,
    store::{
        answers::{self, ItemComment, ReviewInput},
        coaching::{self, Reader},
        questions,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(links_page)
        .service(create_invite)
        .service(join)
        .service(update_link)
        .service(assign)
        .service(queue_page)
        .service(review_page)
        .service(save_review)
        .service(calibration_page);
}

async fn links_view(
    req: &HttpRequest,
    state: &AppState,
    current: &PageUser,
    invite: Option<Value>,
    (message, error): (Option<String>, Option<String>),
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let links = coaching::links_of(&state.db, current.id()).await?;
    let now = Utc::now();
    let mut overviews = HashMap::new();
    for link in links.iter().filter(|l| l.my_role == "coach") {
        if let Some(learner) = crate::entities::user::Entity::find_by_id(link.learner_id)
            .one(&state.db)
            .await?
        {
            let overview = coaching::learner_overview(&state.db, &learner, now).await?;
            overviews.insert(link.id.to_string(), Value::from_serialize(&overview));
        }
    }
    render(
        state,
        req,
        Some(&current.user),
        "coaching.html",
        status,
        context! {
            links => Value::from_serialize(&links),
            overviews => overviews,
            banks => Value::from_serialize(&crate::store::banks::list_banks(&state.db, current.id()).await?),
            invite => invite,
            error => error,
            message => message,
        },
    ).await
}

#[get("/coaching")]
async fn links_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    links_view(&req, &state, &current, None, (None, None), StatusCode::OK).await
}

#[derive(Deserialize)]
struct Empty {}

#[post("/coaching/invites")]
async fn create_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    _: CsrfForm<Empty>,
) -> Result<HttpResponse, PageError> {
    let invite = coaching::create_invite(&state.db, &current.user, Utc::now()).await?;
    let shown = context! { code => invite.code, expires_at => invite.expires_at.to_rfc3339() };
    links_view(
        &req,
        &state,
        &current,
        Some(shown),
        (None, None),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
struct JoinForm {
    code: String,
}

#[post("/coaching/join")]
async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<HttpResponse, PageError> {
    match coaching::join(&state.db, &current.user, &form.code, Utc::now()).await {
        Ok(_) => Ok(redirect("/coaching")),
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = actix_web::ResponseError::status_code(&err);
            links_view(
                &req,
                &state,
                &current,
                None,
                (None, Some(err.to_string())),
                status,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct LinkForm {
    /// `end`, `share_all` or `share_chosen`.
    action: String,
}

#[post("/coaching/links/{id}")]
async fn update_link(
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<i32>,
    CsrfForm(form): CsrfForm<LinkForm>,
) -> Result<HttpResponse, PageError> {
    match form.action.as_str() {
        "end" => coaching::end_link(&state.db, current.id(), *id, Utc::now()).await?,
        "share_all" | "share_chosen" => {
            coaching::set_share_all(&state.db, current.id(), *id, form.action == "share_all")
                .await?;
        }
        other => {
            return Err(AppError::invalid("action", format!("unknown action {other:?}")).into())
        }
    }
    Ok(redirect("/coaching"))
}

#[get("/coaching/queue")]
async fn queue_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let items = coaching::queue(&state.db, current.id()).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "coach_queue.html",
        StatusCode::OK,
        context! { items => Value::from_serialize(&items) },
    )
    .await
}

#[get("/coaching/review/{answer_id}")]
async fn review_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    answer_id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let (answer, reader) = coaching::readable_answer(&state.db, current.id(), *answer_id).await?;
    if reader != Reader::Coach {
        return Ok(redirect(&format!("/answers/{}", answer.id)));
    }
    let question = questions::question_of_answer(&state.db, answer.question_id).await?;
    let checklist = questions::checklist(&state.db, answer.question_id).await?;
    let reviews = answers::reviews_of(&state.db, answer.id).await?;
    let own_self = reviews
        .iter()
        .find(|r| r.kind == crate::entities::review::Kind::Own.as_str());
    let mine = reviews.iter().find(|r| r.reviewer_id == current.id());
    let self_ticks: HashSet<i32> = own_self
        .map(|r| r.checked.iter().copied().collect())
        .unwrap_or_default();
    let my_ticks: HashSet<i32> = mine
        .map(|r| r.checked.iter().copied().collect())
        .unwrap_or_default();
    let my_notes: HashMap<i32, String> = mine
        .map(|r| {
            r.item_comments
                .iter()
                .map(|c| (c.rubric_item_id, c.comment.clone()))
                .collect()
        })
        .unwrap_or_default();
    let analysis = answers::analyse(&answer);
    let items: Vec<Value> = checklist
        .iter()
        .map(|item| {
            context! {
                id => item.id, text => item.text.clone(), help => item.help.clone(), source => item.source,
                suggestion => answers::suggestion_for(&analysis, item),
                self_checked => self_ticks.contains(&item.id),
                checked => my_ticks.contains(&item.id),
                note => my_notes.get(&item.id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let fields = answers::fields_of(&answer);
    let recording = crate::store::recordings::answer_info(&state.db, &answer).await?;
    let learner = crate::store::accounts::usernames(&state.db, vec![answer.user_id])
        .await?
        .remove(&answer.user_id)
        .unwrap_or_default();
    render(
        &state,
        &req,
        Some(&current.user),
        "coach_review.html",
        StatusCode::OK,
        context! {
            answer => context! {
                id => answer.id, attempt => answer.attempt, seconds_spent => answer.seconds_spent,
                created_at => answer.created_at.to_rfc3339(),
            },
            learner => learner,
            parts => fields.named().iter().map(|(name, text)| context! { name => *name, text => *text }).collect::<Vec<_>>(),
            red_flags => questions::decode_list(&question.red_flags),
            prompt => question.prompt,
            self_reviewed => own_self.is_some(),
            self_comment => own_self.map(|r| r.comment.clone()).unwrap_or_default(),
            checklist => items,
            comment => mine.map(|r| r.comment.clone()).unwrap_or_default(),
            recording => recording.map(|r| Value::from_serialize(&r)),
            recording_deletable => false,
            analysis => Value::from_serialize(&analysis),
        },
    ).await
}

#[post("/coaching/review/{answer_id}")]
async fn save_review(
    state: web::Data<AppState>,
    current: PageUser,
    answer_id: web::Path<i32>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    // Ticks come as repeated `checked` fields, item comments as `note_{id}`.
    let mut input = ReviewInput::default();
    for (name, value) in fields {
        if name == "checked" {
            let id = value.parse().map_err(|_| {
                AppError::invalid("checked", format!("{value:?} is not a checklist item"))
            })?;
            input.checked.push(id);
        } else if name == "comment" {
            input.comment = value;
        } else if let Some(id) = name.strip_prefix("note_").and_then(|id| id.parse().ok()) {
            input.item_comments.push(ItemComment {
                rubric_item_id: id,
                comment: value,
            });
        }
    }
    answers::save_review(&state.db, current.id(), *answer_id, &input, Utc::now()).await?;
    Ok(redirect("/coaching/queue"))
}

#[get("/calibration")]
async fn calibration_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    let figures = coaching::calibration(&state.db, current.id()).await?;
    let suggestions = coaching::suggestion_agreement(&state.db, current.id()).await?;
    render(
        &state,
        &req,
        Some(&current.user),
        "calibration.html",
        StatusCode::OK,
        context! {
            figures => Value::from_serialize(&figures),
            suggestions => Value::from_serialize(&suggestions),
            agreement_answers => coaching::AGREEMENT_ANSWERS,
        },
    )
    .await
}

#[derive(Deserialize)]
struct AssignForm {
    learner_id: i32,
    bank_id: String,
}

#[post("/coaching/assign")]
async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<HttpResponse, PageError> {
    let added = coaching::assign(
        &state.db,
        &current.user,
        form.learner_id,
        None,
        Some(&form.bank_id),
        Utc::now(),
    )
    .await?;
    let message = format!(
        "Assigned {added} new question{}.",
        if added == 1 { "" } else { "s" }
    );
    links_view(
        &req,
        &state,
        &current,
        None,
        (Some(message), None),
        StatusCode::OK,
    )
    .await
}
