//! Helpers for server-rendered pages: the base context every template gets,
//! form parsing with CSRF checks, and errors shown as HTML.

use std::{future::Future, pin::Pin};

use actix_web::{
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{header, StatusCode},
    middleware::Next,
    web, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError,
};
use minijinja::{context, Value};
use serde::de::DeserializeOwned;

use crate::{
    auth::{csrf_token, verify_csrf, CurrentUser, MaybeUser},
    entities::user,
    error::AppError,
    startup::AppState,
};

/// An error on a page: a redirect to the login page for visitors, otherwise
/// an HTML page with the same status and message the API would give.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: Into<AppError>> From<E> for PageError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log_server_fault();
        let status = self.0.status_code();
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code} · Starling</title>\
                 <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"page narrow\">\
                 <h1>{reason}</h1><p class=\"error\" role=\"alert\">{message}</p>\
                 <p><a href=\"/today\">Back to Today</a></p></main></body></html>",
                code = status.as_u16(),
                reason = crate::templates::escape_html(status.canonical_reason().unwrap_or("Error")),
                message = crate::templates::escape_html(&self.0.to_string()),
            ))
    }
}

/// This request's id (from the proxy, or made up by the tracing middleware),
/// shown on error pages so a report can be matched with the logs.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Shows a page's error inside the site's layout (navigation for the
/// logged-in user, the request id), where the request is known; the plain
/// page of [`PageError::error_response`] stays when the layout cannot be
/// rendered. Headers such as `Retry-After` are kept.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let page_error = res.response().error().and_then(|err| {
        if let Some(error) = err.as_error::<PageError>() {
            // When the database is away, asking it who the user is would only fail again.
            let database_down = matches!(error.0, AppError::Unavailable(_));
            Some((error.0.status_code(), error.0.to_string(), database_down))
        } else if err.as_error::<actix_web::error::PayloadError>().is_some()
            && err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE
            && !res.request().path().starts_with("/api/")
        {
            // A form over the body limit was refused before it was read.
            Some((
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The form is larger than this server accepts ({} MB); nothing was saved. \
                     Go back, shorten the longest field and send it again.",
                    crate::startup::MAX_BODY_BYTES / (1024 * 1024)
                ),
                false,
            ))
        } else {
            None
        }
    });
    let Some((status, message, database_down)) = page_error else {
        return Ok(res.map_into_boxed_body());
    };
    let (req, plain) = res.into_parts();
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(ServiceResponse::new(req, plain).map_into_boxed_body());
    };
    let user = if database_down {
        None
    } else {
        MaybeUser::extract(&req).await.ok().and_then(|u| u.0)
    };
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    let page = context! {
        status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or("Error"),
        message,
        request_id,
    };
    match render(
        &state,
        &req,
        user.as_ref().map(|u| &u.user),
        "error.html",
        status,
        page,
    )
    .await
    {
        Ok(mut styled) => {
            for (name, value) in plain.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    styled.headers_mut().insert(name.clone(), value.clone());
                }
            }
            Ok(ServiceResponse::new(req, styled).map_into_boxed_body())
        }
        Err(_) => Ok(ServiceResponse::new(req, plain).map_into_boxed_body()),
    }
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Renders a page with the base context: the user, the CSRF token and the
/// navigation's count of unread coach feedback, counted here as the page is
/// rendered (after whatever the handler marked read).
pub async fn render(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&user::Model>,
    template: &str,
    status: StatusCode,
    page: Value,
) -> Result<HttpResponse, PageError> {
    let unread_feedback_count = match user {
        Some(user) => crate::store::coaching::unread_feedback(&state.db, user.id).await?,
        None => 0,
    };
    let base = context! {
        user => user.map(|u| context! {
            id => u.id,
            username => u.username.clone(),
            role => u.role.as_str(),
            time_zone => u.time_zone.clone(),
            rollover_hour => u.rollover_hour,
        }),
        csrf_token => csrf_token(req, &state.secret),
        path => req.path(),
        unread_feedback_count,
    };
    let html = state
        .templates
        .render(template, context! { ..page, ..base })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// An URL-encoded page form (repeated keys become lists) whose `csrf_token`
/// field is checked before anything else happens. Page handlers read forms
/// only through this extractor (or [`CsrfMultipart`]), so none can forget
/// the check.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // The body limit's 413 passes through as it is (see `error_pages`).
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await?;
            Ok(Self(parse_form(&req, &body).map_err(PageError)?))
        })
    }
}

fn parse_form<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, AppError> {
    #[derive(serde::Deserialize)]
    struct Token {
        #[serde(default)]
        csrf_token: String,
    }
    let token: Token = serde_html_form::from_bytes(body)
        .map_err(|err| AppError::BadRequest(format!("unreadable form: {err}")))?;
    verify_csrf(req, &app_secret(req)?, &token.csrf_token)?;
    serde_html_form::from_bytes(body)
        .map_err(|err| AppError::BadRequest(format!("unreadable form: {err}")))
}

fn app_secret(req: &HttpRequest) -> Result<Vec<u8>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .map(|state| state.secret.clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// A multipart form that carries a CSRF token.
pub trait CarriesCsrf {
    fn csrf_token(&self) -> &str;
}

/// A multipart page form (file uploads) whose `csrf_token` field is checked
/// before the handler sees it.
pub struct CsrfMultipart<T>(pub T);

impl<T> FromRequest for CsrfMultipart<T>
where
    T: actix_multipart::form::MultipartCollect + CarriesCsrf + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = actix_multipart::form::MultipartForm::<T>::from_request(&req, payload);
        Box::pin(async move {
            let form = form.await?.into_inner();
            verify_csrf(
                &req,
                &app_secret(&req).map_err(PageError)?,
                form.csrf_token(),
            )
            .map_err(PageError)?;
            Ok(Self(form))
        })
    }
}

/// Seconds spent writing an answer, from a form: what the page's script
/// filled in, else counted from the `started_at` the page was served with;
/// at most a day.
pub fn seconds_spent(typed: Option<&str>, started_at: Option<i64>) -> i64 {
    typed
        .and_then(|s| s.trim().parse::<i64>().ok())
        .or_else(|| started_at.map(|t| chrono::Utc::now().timestamp() - t))
        .unwrap_or(0)
        .clamp(0, 86_400)
}

/// The status of a page shown again with the error that refused its form.
pub fn status_for(error: Option<&AppError>) -> StatusCode {
    error.map_or(StatusCode::OK, ResponseError::status_code)
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if req.path().starts_with("/api/") {
        Err(AppError::NotFound("endpoint").into())
    } else {
        Err(PageError(AppError::NotFound("page")).into())
    }
}

/// The logged-in user of a page; visitors are sent to the login page and
/// come back here afterwards.
pub struct PageUser(pub CurrentUser);

impl std::ops::Deref for PageUser {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl FromRequest for PageUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        Box::pin(async move {
            match user.await {
                Ok(user) => Ok(Self(user)),
                Err(AppError::Unauthenticated) => {
                    let next: String = url_encode(&path);
                    Err(actix_web::error::InternalError::from_response(
                        "log in first",
                        redirect(&format!("/login?next={next}")),
                    )
                    .into())
                }
                Err(other) => Err(PageError(other).into()),
            }
        })
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
