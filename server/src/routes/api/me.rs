//! `GET /me` and `PATCH /me`: the current user and their practice settings.

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    entities::user,
    error::ApiError,
    startup::AppState,
    store::{
        accounts::{self, PracticeSettings},
        coaching,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me).service(update_me);
}

pub fn user_json(user: &user::Model) -> serde_json::Value {
    json!({
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "time_zone": user.time_zone,
        "new_per_day": user.new_per_day,
        "reviews_per_day": user.reviews_per_day,
        "desired_retention": user.desired_retention,
    })
}

#[get("/me")]
async fn me(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, ApiError> {
    let mut body = user_json(&current.user);
    body["unread_feedback"] = json!(coaching::unread_feedback(&state.db, current.id()).await?);
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPatch {
    time_zone: Option<String>,
    new_per_day: Option<i64>,
    reviews_per_day: Option<i64>,
    desired_retention: Option<f64>,
}

#[patch("/me")]
async fn update_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<SettingsPatch>,
) -> Result<HttpResponse, ApiError> {
    verify_api_csrf(&req, &current, &state.secret)?;
    let user = &current.user;
    let body = body.into_inner();
    let settings = PracticeSettings::parse(
        body.time_zone.as_deref().unwrap_or(&user.time_zone),
        body.new_per_day.unwrap_or(user.new_per_day.into()),
        body.reviews_per_day.unwrap_or(user.reviews_per_day.into()),
        body.desired_retention.unwrap_or(user.desired_retention),
    )?;
    let updated = accounts::update_settings(&state.db, current.user, &settings).await?;
    Ok(HttpResponse::Ok().json(user_json(&updated)))
}
