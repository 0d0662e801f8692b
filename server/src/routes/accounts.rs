//! Register, log in and log out pages.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse, ResponseError};
use minijinja::context;
use serde::Deserialize;

use crate::{
    auth::{
        expired_session_cookie, session_cookie, token_hash, MaybeUser, NewPassword, Role, Username,
        SESSION_COOKIE,
    },
    error::AppError,
    routes::page::{redirect, render, CsrfForm, PageError},
    startup::AppState,
    store::accounts,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(login_page)
        .service(login)
        .service(register_page)
        .service(register)
        .service(logout);
}

#[get("/")]
async fn home(user: MaybeUser) -> HttpResponse {
    redirect(if user.0.is_some() { "/today" } else { "/login" })
}

/// Where to go after a form that carries a `next` parameter: `next` when it
/// is a path on this site, else `fallback`. Every place that follows a
/// `next` goes through here. Browsers drop tabs and newlines from a
/// `Location` and read `\` as `/`, so `/<tab>/evil.example` or `/\evil.example`
/// would lead to `//evil.example`, another site. So a path must start with a
/// single `/` and hold no backslash, whitespace or control character; and
/// decoded once more (in case something on the way decodes it again) it must
/// still start with a single `/` and hold no backslash or control character.
/// An escaped space (`%20`) stays allowed: a space in a path is harmless.
pub fn safe_next<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    next.filter(|path| is_safe_next(path)).unwrap_or(fallback)
}

fn is_safe_next(path: &str) -> bool {
    let single_slash = |p: &str| {
        let mut chars = p.chars();
        chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))
    };
    let decoded = percent_decoded(path);
    single_slash(path)
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        && single_slash(&decoded)
        && !decoded.chars().any(|c| c == '\\' || c.is_control())
}

/// `%XX` escapes decoded (invalid ones kept as they are; bytes that are not
/// UTF-8 become U+FFFD).
fn percent_decoded(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&byte) = text.as_bytes().get(i) {
        let escaped = (byte == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    if user.0.is_some() {
        return Ok(redirect("/today"));
    }
    render(
        &state,
        &req,
        None,
        "login.html",
        StatusCode::OK,
        context! { error => None::<String>, username => "", next => query.next.as_deref().filter(|n| is_safe_next(n)), open_registration => state.config.open_registration },
    ).await
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Starts a session: replaces any session the browser had (a new id on every login).
async fn start_session(
    req: &HttpRequest,
    state: &AppState,
    user_id: i32,
    location: &str,
) -> Result<HttpResponse, PageError> {
    if let Some(old) = req.cookie(SESSION_COOKIE) {
        accounts::delete_session(&state.db, &token_hash(old.value())).await?;
    }
    let token = accounts::create_session(&state.db, user_id, state.config.session_days).await?;
    let mut response = redirect(location);
    response
        .add_cookie(&session_cookie(
            token,
            state.config.session_days,
            state.config.secure_cookies,
        ))
        .map_err(|err| AppError::Internal(err.into()))?;
    Ok(response)
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    match accounts::log_in(&state, &req, &form.username, &form.password).await {
        Ok(user) => {
            let next = safe_next(form.next.as_deref(), "/today");
            start_session(&req, &state, user.id, next).await
        }
        Err(
            err @ (AppError::BadCredentials
            | AppError::TooManyRequests { .. }
            | AppError::Busy { .. }),
        ) => {
            let mut page = render(
                &state,
                &req,
                None,
                "login.html",
                err.status_code(),
                context! { error => Some(err.to_string()), username => form.username.clone(), next => form.next.clone(), open_registration => state.config.open_registration },
            ).await?;
            with_retry_after(&mut page, &err);
            Ok(page)
        }
        Err(other) => Err(other.into()),
    }
}

/// A form refused for a while (429, 503 `busy`) says for how long.
fn with_retry_after(page: &mut HttpResponse, err: &AppError) {
    if let Some(seconds) = err.retry_after() {
        page.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(seconds),
        );
    }
}

#[get("/register")]
async fn register_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
) -> Result<HttpResponse, PageError> {
    if user.0.is_some() {
        return Ok(redirect("/today"));
    }
    render(
        &state,
        &req,
        None,
        "register.html",
        StatusCode::OK,
        context! { error => None::<String>, username => "", open_registration => state.config.open_registration },
    ).await
}

#[derive(Deserialize)]
struct RegisterForm {
    username: String,
    password: String,
    password_confirm: String,
    /// The browser's time zone, filled in by the page's script; without
    /// scripts, or when the name is unknown, the account starts in UTC.
    #[serde(default)]
    time_zone: String,
}

impl RegisterForm {
    fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone.trim().parse().unwrap_or(chrono_tz::UTC)
    }
}

#[post("/register")]
async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    let created = async {
        if !state.config.open_registration {
            return Err(AppError::Forbidden(
                "registration is closed on this server; ask an administrator for an account"
                    .to_owned(),
            ));
        }
        let username = Username::parse(&form.username)?;
        if form.password != form.password_confirm {
            return Err(AppError::invalid(
                "password_confirm",
                "the two passwords differ",
            ));
        }
        let hash = state
            .hashing
            .hash(NewPassword::parse(&form.password)?)
            .await?;
        accounts::create_user(&state.db, &username, hash, Role::Learner, form.time_zone()).await
    }
    .await;
    match created {
        Ok(user) => start_session(&req, &state, user.id, "/today").await,
        Err(
            err @ (AppError::Invalid { .. }
            | AppError::Conflict(_)
            | AppError::Forbidden(_)
            | AppError::Busy { .. }),
        ) => {
            let mut page = render(
                &state,
                &req,
                None,
                "register.html",
                actix_web::ResponseError::status_code(&err),
                context! { error => Some(err.to_string()), username => form.username, open_registration => state.config.open_registration },
            ).await?;
            with_retry_after(&mut page, &err);
            Ok(page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct LogoutForm {}

#[post("/logout")]
async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: CsrfForm<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        accounts::delete_session(&state.db, &token_hash(cookie.value())).await?;
    }
    let mut response = redirect("/login");
    response
        .add_cookie(&expired_session_cookie())
        .map_err(|err| AppError::Internal(err.into()))?;
    Ok(response)
}
