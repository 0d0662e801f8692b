//! `GET /me` and `PATCH /me`: the current user and their practice settings.

use actix_web::{get, patch, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    auth::Role,
    entities::user,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::{
        accounts::{self, PracticeSettings},
        coaching,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me).service(update_me);
}

/// A user and their basic practice settings.
#[derive(Serialize, ToSchema)]
pub struct UserView {
    id: i32,
    username: String,
    #[schema(value_type = Role)]
    role: String,
    /// An IANA time zone name, such as `Europe/Berlin`.
    time_zone: String,
    new_per_day: i32,
    reviews_per_day: i32,
    desired_retention: f64,
}

impl From<&user::Model> for UserView {
    fn from(user: &user::Model) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            role: user.role.as_str().to_owned(),
            time_zone: user.time_zone.clone(),
            new_per_day: user.new_per_day,
            reviews_per_day: user.reviews_per_day,
            desired_retention: user.desired_retention,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct MeView {
    #[serde(flatten)]
    user: UserView,
    /// Coach feedback on the user's answers not yet read.
    unread_feedback: u64,
}

/// The current user.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, description = "The current user", body = MeView)),
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(MeView {
        user: UserView::from(&current.user),
        unread_feedback: coaching::unread_feedback(&state.db, current.id()).await?,
    }))
}

/// The settings to change; the others stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SettingsPatch {
    time_zone: Option<String>,
    new_per_day: Option<i64>,
    reviews_per_day: Option<i64>,
    desired_retention: Option<f64>,
}

/// Changes the time zone, daily limits or desired retention (all settings: `PUT /settings`).
#[utoipa::path(
    tag = "accounts",
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The user with the new settings", body = UserView),
        (status = 422, description = "A value is out of range (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[patch("/me")]
async fn update_me(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<SettingsPatch>,
) -> Result<HttpResponse, AppError> {
    let user = &current.user;
    let body = body.into_inner();
    let settings = PracticeSettings::parse(
        body.time_zone.as_deref().unwrap_or(&user.time_zone),
        body.new_per_day.unwrap_or(user.new_per_day.into()),
        body.reviews_per_day.unwrap_or(user.reviews_per_day.into()),
        body.desired_retention.unwrap_or(user.desired_retention),
    )?;
    let updated = accounts::update_settings(&state.db, current.user, &settings).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&updated)))
}
