//! Settings: time zone (the day rolls over at 04:00 there), daily limits and
//! desired retention.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use crate::{
    entities::user,
    error::ApiError,
    routes::page::{parse_form, render, PageError, PageUser},
    startup::AppState,
    store::accounts::{self, PracticeSettings},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(settings_page).service(save);
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &user::Model,
    form: minijinja::Value,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    render(
        state,
        req,
        Some(user),
        "settings.html",
        status,
        context! { form => form, zones => zones, message => message, error => error },
    )
}

fn form_of(user: &user::Model) -> minijinja::Value {
    context! {
        time_zone => user.time_zone.clone(),
        new_per_day => user.new_per_day.to_string(),
        reviews_per_day => user.reviews_per_day.to_string(),
        desired_retention => format!("{:.2}", user.desired_retention),
    }
}

#[get("/settings")]
async fn settings_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    page(
        &req,
        &state,
        &current.user,
        form_of(&current.user),
        None,
        None,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
struct SettingsForm {
    time_zone: String,
    new_per_day: String,
    reviews_per_day: String,
    desired_retention: String,
}

fn number<T: std::str::FromStr>(field: &'static str, raw: &str) -> Result<T, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("{field}: {raw:?} is not a number")))
}

#[post("/settings")]
async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: SettingsForm = parse_form(&req, &state, &body)?;
    let parsed = (|| {
        PracticeSettings::parse(
            &form.time_zone,
            number("new_per_day", &form.new_per_day)?,
            number("reviews_per_day", &form.reviews_per_day)?,
            number("desired_retention", &form.desired_retention)?,
        )
    })();
    match parsed {
        Ok(settings) => {
            let updated =
                accounts::update_settings(&state.db, current.0.user.clone(), &settings).await?;
            page(
                &req,
                &state,
                &updated,
                form_of(&updated),
                Some("Settings saved.".to_owned()),
                None,
                StatusCode::OK,
            )
        }
        Err(err) => {
            let echoed = context! {
                time_zone => form.time_zone, new_per_day => form.new_per_day,
                reviews_per_day => form.reviews_per_day, desired_retention => form.desired_retention,
            };
            page(
                &req,
                &state,
                &current.user,
                echoed,
                None,
                Some(err.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
