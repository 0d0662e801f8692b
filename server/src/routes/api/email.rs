//! `/me/email`: the account's email address and the email it wants (the
//! reminder, the coach digest, their hour), as on the Settings page.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::mail::{self, AddressChange, MailPrefs, PrefsChange},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(update).service(change_address);
}

/// The account's email settings.
#[derive(Serialize, ToSchema)]
struct EmailView {
    /// Whether this server sends email at all (an SMTP server is configured).
    available: bool,
    /// The confirmed address; nothing is sent without one.
    email: Option<String>,
    /// An address waiting for its confirmation link to be opened.
    pending_email: Option<String>,
    /// The hour (0-23, the user's time zone) reminders and digests go out.
    send_hour: i32,
    /// The daily practice reminder.
    reminders: bool,
    /// The coach digest: `off`, `daily` or `weekly` (Mondays).
    digest: String,
    /// Learners who have not practised for this many days show in the digest.
    digest_inactive_days: i32,
}

impl EmailView {
    fn of(state: &AppState, prefs: MailPrefs) -> Self {
        Self {
            available: state.mailer.is_some(),
            email: prefs.email,
            pending_email: prefs.pending_email,
            send_hour: prefs.send_hour,
            reminders: prefs.reminders,
            digest: prefs.digest.as_str().to_owned(),
            digest_inactive_days: prefs.digest_inactive_days,
        }
    }
}

/// The account's email address and what it wants sent.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, description = "The email settings", body = EmailView)),
)]
#[get("/me/email")]
async fn show(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    let prefs = mail::prefs_of(&state.db, current.id()).await?;
    Ok(HttpResponse::Ok().json(EmailView::of(&state, prefs)))
}

/// What to send and when; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EmailPatch {
    send_hour: Option<i32>,
    reminders: Option<bool>,
    /// `off`, `daily` or `weekly`.
    digest: Option<String>,
    digest_inactive_days: Option<i32>,
}

/// Turns the daily reminder and the coach digest on or off, and sets their hour.
/// Turning one off cancels its messages not yet sent.
#[utoipa::path(
    tag = "accounts",
    request_body = EmailPatch,
    responses(
        (status = 200, description = "The email settings as saved", body = EmailView),
        (status = 422, description = "A value is out of range (`invalid`, with `field`)", body = ErrorBody),
    ),
)]
#[put("/me/email")]
async fn update(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<EmailPatch>,
) -> Result<HttpResponse, AppError> {
    let prefs = mail::prefs_of(&state.db, current.id()).await?;
    let digest = match body.digest.as_deref() {
        None => prefs.digest,
        Some(word) => word.parse().map_err(|_| {
            AppError::invalid(
                "digest",
                format!("the digest is off, daily or weekly, not {word:?}"),
            )
        })?,
    };
    let change = PrefsChange {
        send_hour: body.send_hour.unwrap_or(prefs.send_hour),
        reminders: body.reminders.unwrap_or(prefs.reminders),
        digest,
        digest_inactive_days: body
            .digest_inactive_days
            .unwrap_or(prefs.digest_inactive_days),
    };
    mail::save_prefs(&state.db, current.id(), &change).await?;
    let saved = mail::prefs_of(&state.db, current.id()).await?;
    Ok(HttpResponse::Ok().json(EmailView::of(&state, saved)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AddressInput {
    /// The new address; empty to remove it.
    email: String,
    /// The account's current password.
    password: String,
}

#[derive(Serialize, ToSchema)]
struct AddressOutcome {
    #[serde(flatten)]
    settings: EmailView,
    /// What happened, in a sentence.
    message: String,
}

/// Sets or removes the address, with the account's password. A new address
/// is pending until the confirmation link sent to it is opened (24 hours; at
/// most 5 such messages a day).
#[utoipa::path(
    tag = "accounts",
    request_body = AddressInput,
    responses(
        (status = 202, description = "A confirmation link is on its way to the new address", body = AddressOutcome),
        (status = 200, description = "The address was removed, or is the confirmed one already", body = AddressOutcome),
        (status = 422, description = "Not an address, a wrong password, or no SMTP server on this server (`invalid`, with `field`)", body = ErrorBody),
        (status = 429, description = "Too many confirmation messages today", body = ErrorBody),
    ),
)]
#[post("/me/email/address")]
async fn change_address(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    body: web::Json<AddressInput>,
) -> Result<HttpResponse, AppError> {
    let change = crate::routes::mail::change_address(
        &state,
        &req,
        &current.user,
        &body.email,
        &body.password,
    )
    .await?;
    let prefs = mail::prefs_of(&state.db, current.id()).await?;
    let outcome = AddressOutcome {
        settings: EmailView::of(&state, prefs),
        message: change.message(),
    };
    Ok(match change {
        AddressChange::Verifying(_) => HttpResponse::Accepted().json(outcome),
        _ => HttpResponse::Ok().json(outcome),
    })
}
