//! Register, log in and log out pages.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse, ResponseError};
use minijinja::context;
use serde::Deserialize;

use crate::{
    auth::{
        expired_session_cookie, session_cookie, token_hash, MaybeUser, NewPassword, Role, Username,
        SESSION_COOKIE,
    },
    error::ApiError,
    routes::page::{parse_form, redirect, render, PageError},
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

/// Only same-site paths are followed after login.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/today",
    }
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
        context! { error => None::<String>, username => "", next => query.next.clone(), open_registration => state.config.open_registration },
    )
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
        .map_err(|err| ApiError::Internal(err.into()))?;
    Ok(response)
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: LoginForm = parse_form(&req, &state, &body)?;
    let refused = |err: ApiError| {
        let mut page = render(
            &state,
            &req,
            None,
            "login.html",
            err.status_code(),
            context! { error => Some(err.to_string()), username => form.username.clone(), next => form.next.clone(), open_registration => state.config.open_registration },
        )?;
        if let ApiError::TooManyRequests { retry_after, .. } = err {
            page.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after),
            );
        }
        Ok::<_, PageError>(page)
    };
    match accounts::log_in(&state, &req, &form.username, &form.password).await {
        Ok(user) => start_session(&req, &state, user.id, safe_next(form.next.as_deref())).await,
        Err(err @ (ApiError::BadCredentials | ApiError::TooManyRequests { .. })) => refused(err),
        Err(other) => Err(other.into()),
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
    )
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
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: RegisterForm = parse_form(&req, &state, &body)?;
    let created = async {
        if !state.config.open_registration {
            return Err(ApiError::Forbidden(
                "registration is closed on this server; ask an administrator for an account"
                    .to_owned(),
            ));
        }
        let username = Username::parse(&form.username)?;
        if form.password != form.password_confirm {
            return Err(ApiError::invalid(
                "password_confirm",
                "the two passwords differ",
            ));
        }
        let hash = NewPassword::parse(&form.password)?.hash()?;
        accounts::create_user(&state.db, &username, hash, Role::Learner, form.time_zone()).await
    }
    .await;
    match created {
        Ok(user) => start_session(&req, &state, user.id, "/today").await,
        Err(err @ (ApiError::Invalid { .. } | ApiError::Conflict(_) | ApiError::Forbidden(_))) => {
            render(
                &state,
                &req,
                None,
                "register.html",
                actix_web::ResponseError::status_code(&err),
                context! { error => Some(err.to_string()), username => form.username, open_registration => state.config.open_registration },
            )
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
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let _: LogoutForm = parse_form(&req, &state, &body)?;
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        accounts::delete_session(&state.db, &token_hash(cookie.value())).await?;
    }
    let mut response = redirect("/login");
    response
        .add_cookie(&expired_session_cookie())
        .map_err(|err| ApiError::Internal(err.into()))?;
    Ok(response)
}
