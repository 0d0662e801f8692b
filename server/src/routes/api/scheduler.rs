//! Scheduling depth: `GET`/`PUT /settings`, `GET /scheduler` and
//! `POST /scheduler/optimize` (the learner's own FSRS parameters), `GET /plan`
//! (the interview plan), `PATCH /cards/{id}` (suspend, bury, clear a leech),
//! `POST /undo` (the last grade), `GET /leeches`, `GET /review-logs/export`.

use actix_web::{get, patch, post, put, web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::{cards::CardView, openapi::ErrorBody},
    startup::AppState,
    store::{
        practice::{self, Leech, Undone},
        scheduler::{self, JobView, Plan, SchedulerView, Settings, SettingsChange},
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings)
        .service(put_settings)
        .service(get_scheduler)
        .service(optimize)
        .service(plan)
        .service(update_card)
        .service(undo)
        .service(leeches)
        .service(export_log);
}

/// Every scheduler setting of the user, and their level.
#[utoipa::path(
    tag = "scheduling",
    responses((status = 200, description = "The settings", body = Settings)),
)]
#[get("/settings")]
async fn get_settings(current: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(Settings::of(&current.user))
}

#[derive(Serialize, ToSchema)]
struct SavedSettings {
    #[serde(flatten)]
    settings: Settings,
    /// How many open reviews were rescheduled by the change.
    rescheduled: u64,
}

/// Changes scheduler settings; only the fields sent change. Changing the retention, maximum interval,
/// interview date, rollover hour or time zone reschedules open reviews. `level` (`first-time`,
/// `experienced`, `manager-of-managers`, or `null` for no preference) puts the new questions
/// written for that level first; any other value is refused with 422.
#[utoipa::path(
    tag = "scheduling",
    request_body = SettingsChange,
    responses(
        (status = 200, description = "The settings as saved", body = SavedSettings),
        (status = 422, description = "A value is out of range (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[put("/settings")]
async fn put_settings(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<SettingsChange>,
) -> Result<HttpResponse, AppError> {
    let next = body.apply(&Settings::of(&current.user), Utc::now())?;
    let (user, moved) =
        scheduler::save_settings(&state.db, current.user.clone(), &next, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(SavedSettings {
        settings: Settings::of(&user),
        rescheduled: moved,
    }))
}

/// The user's FSRS parameters, how many usable reviews they have and the last optimization.
#[utoipa::path(
    tag = "scheduling",
    responses((status = 200, description = "The memory model", body = SchedulerView)),
)]
#[get("/scheduler")]
async fn get_scheduler(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(scheduler::view(&state.db, &current.user).await?))
}

/// Queues an optimization of the user's FSRS parameters from their review history (the same job while one is open).
#[utoipa::path(
    tag = "scheduling",
    responses(
        (status = 202, description = "The job; poll `GET /scheduler` for its progress", body = JobView),
        (status = 422, description = "Not enough usable reviews yet (`invalid`, field `reviews`)", body = ErrorBody),
    ),
)]
#[post("/scheduler/optimize")]
async fn optimize(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (job, created) =
        scheduler::request_optimization(&state.db, &current.user, Utc::now()).await?;
    if created {
        state.optimizer.notify_one();
    }
    Ok(HttpResponse::Accepted().json(job))
}

/// The plan towards the user's interview date: days left and reviews per competency.
#[utoipa::path(
    tag = "scheduling",
    responses(
        (status = 200, description = "The plan", body = Plan),
        (status = 404, description = "No interview date ahead is set (`not_found`)", body = ErrorBody),
    ),
)]
#[get("/plan")]
async fn plan(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    match scheduler::plan(&state.db, &current.user, Utc::now()).await? {
        Some(plan) => Ok(HttpResponse::Ok().json(plan)),
        None => Err(AppError::NotFound("interview date ahead")),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CardChange {
    suspended: Option<bool>,
    /// Buried until the next study day starts.
    buried: Option<bool>,
    /// Only `false`: clears the leech flag.
    leech: Option<bool>,
}

/// Suspends or unsuspends a card, buries it until tomorrow, or clears its leech flag.
#[utoipa::path(
    tag = "scheduling",
    params(("id" = i32, Path, description = "The card's id")),
    request_body = CardChange,
    responses(
        (status = 200, description = "The card", body = CardView),
        (status = 422, description = "`leech: true` (a card only becomes a leech by failing) (`invalid`)", body = ErrorBody),
    ),
)]
#[patch("/cards/{id}")]
async fn update_card(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<i32>,
    body: web::Json<CardChange>,
) -> Result<HttpResponse, AppError> {
    let mut card = practice::own_card(&state.db, current.id(), *id).await?;
    if let Some(suspended) = body.suspended {
        card = practice::set_suspended(&state.db, current.id(), card.id, suspended).await?;
    }
    if let Some(buried) = body.buried {
        card = practice::set_buried(&state.db, &current.user, card.id, buried, Utc::now()).await?;
    }
    match body.leech {
        Some(true) => {
            return Err(AppError::invalid(
                "leech",
                "a card becomes a leech by failing; only `false` (clear the flag) can be set",
            ))
        }
        Some(false) => card = practice::clear_leech(&state.db, current.id(), card.id).await?,
        None => {}
    }
    Ok(HttpResponse::Ok().json(CardView::from(&card)))
}

#[derive(Serialize, ToSchema)]
struct UndoneGrade {
    undone: Undone,
    /// The card as it was before the grade.
    card: CardView,
}

/// Undoes the user's latest grade that is not undone yet; again for the one before.
#[utoipa::path(
    tag = "scheduling",
    responses(
        (status = 200, description = "What was undone", body = UndoneGrade),
        (status = 404, description = "No grade to undo (`not_found`)", body = ErrorBody),
        (status = 409, description = "The card has changed since that grade (`conflict`)", body = ErrorBody),
    ),
)]
#[post("/undo")]
async fn undo(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let undone = practice::undo_last_grade(&state.db, &current.user, Utc::now()).await?;
    let card = practice::own_card(&state.db, current.id(), undone.card_id).await?;
    Ok(HttpResponse::Ok().json(UndoneGrade {
        undone,
        card: CardView::from(&card),
    }))
}

/// The user's leeches: cards failed again and again, with their questions.
#[utoipa::path(
    tag = "scheduling",
    responses((status = 200, description = "The leeches", body = Vec<Leech>)),
)]
#[get("/leeches")]
async fn leeches(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(practice::leeches(&state.db, current.id()).await?))
}

/// The user's review log as CSV in the FSRS optimizer's columns
/// (`card_id,review_time,review_rating,review_state,review_duration,elapsed_days`).
#[utoipa::path(
    tag = "scheduling",
    responses((status = 200, description = "The CSV (a download)", content_type = "text/csv", body = String)),
)]
#[get("/review-logs/export")]
async fn export_log(
    state: web::Data<AppState>,
    current: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let csv = scheduler::review_log_csv(&state.db, current.id()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", "text/csv; charset=utf-8"))
        .insert_header((
            "content-disposition",
            "attachment; filename=\"starling-review-log.csv\"",
        ))
        .body(csv))
}
