//! The links in Starling's email, which work without a login (the signed
//! token in the address is the key): confirming an address, and
//! unsubscribing. `GET /unsubscribe/{token}` asks to confirm with one button
//! (mail scanners that open links must not unsubscribe anyone); `POST` does
//! it at once, and is also what mail apps send for the one-click
//! `List-Unsubscribe-Post` header (RFC 8058), so it takes no CSRF token.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::context;

use crate::{
    entities::user,
    error::AppError,
    routes::page::{render, PageError},
    startup::AppState,
    store::mail::{self, AddressChange},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(verify)
        .service(unsubscribe_page)
        .service(unsubscribe);
}

/// Page forms reached from a signed link in an email, checked by the link's
/// signature instead of a CSRF token (the CSRF walk reads this list).
pub const SIGNED_LINK_FORMS: &[&str] = &["/unsubscribe/{token}"];

async fn outcome(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    page: minijinja::Value,
) -> Result<HttpResponse, PageError> {
    let mut res = render(state, req, None, "mail_link.html", status, page).await?;
    // The token is a key: keep it out of other sites' logs.
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

#[get("/email/verify/{token}")]
async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    match mail::confirm_address(&state.db, &state.secret, &token, Utc::now()).await? {
        Some(address) => {
            outcome(
                &state,
                &req,
                StatusCode::OK,
                context! { step => "verified", address => address },
            )
            .await
        }
        None => {
            outcome(
                &state,
                &req,
                StatusCode::NOT_FOUND,
                context! { step => "verify_failed" },
            )
            .await
        }
    }
}

#[get("/unsubscribe/{token}")]
async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    match mail::check_unsubscribe(&state.secret, &token) {
        Some((_, what)) => {
            outcome(
                &state,
                &req,
                StatusCode::OK,
                context! { step => "confirm", what => what.name(), token => token.as_str() },
            )
            .await
        }
        None => bad_link(&state, &req).await,
    }
}

async fn bad_link(state: &AppState, req: &HttpRequest) -> Result<HttpResponse, PageError> {
    outcome(
        state,
        req,
        StatusCode::NOT_FOUND,
        context! { step => "unsubscribe_failed" },
    )
    .await
}

#[post("/unsubscribe/{token}")]
async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some((user_id, what)) = mail::check_unsubscribe(&state.secret, &token) else {
        return bad_link(&state, &req).await;
    };
    if !mail::unsubscribe(&state.db, user_id, what).await? {
        return bad_link(&state, &req).await;
    }
    tracing::info!(user = user_id, what = what.as_str(), "unsubscribed");
    outcome(
        &state,
        &req,
        StatusCode::OK,
        context! { step => "unsubscribed", what => what.name() },
    )
    .await
}

/// Sets or removes `user`'s address (the Settings form and the API): only
/// with an SMTP server, and after checking the password as a login does (so
/// wrong guesses count towards the same throttle). A verification message
/// goes to the outbox and this instance's mail worker is woken.
pub async fn change_address(
    state: &AppState,
    req: &HttpRequest,
    user: &user::Model,
    email: &str,
    password: &str,
) -> Result<AddressChange, AppError> {
    if state.mailer.is_none() {
        return Err(AppError::invalid(
            "email",
            "this server sends no email: its administrator has not configured an SMTP server",
        ));
    }
    match crate::store::accounts::log_in(state, req, &user.username, password).await {
        Ok(_) => {}
        Err(AppError::BadCredentials) => {
            return Err(AppError::invalid(
                "password",
                "that is not your password: changing the email address needs your current password",
            ))
        }
        Err(err) => return Err(err),
    }
    let site = crate::routes::calendar::site_url(state, req);
    let letters = mail::Letters {
        site: &site,
        secret: &state.secret,
        templates: &state.templates,
    };
    let change = mail::change_address(&state.db, letters, user, email, Utc::now()).await?;
    if matches!(change, AddressChange::Verifying(_)) {
        state.mail.notify_one();
    }
    Ok(change)
}
