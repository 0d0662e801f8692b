//! The application's error: what handlers, the store and the command line
//! return, and how it becomes an HTTP response:
//! `{"error": {"code", "message", "field"?}}` for the API, an HTML page for the site.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use sea_orm::DbErr;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("log in first: send a bearer token or a session cookie")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("the form has expired or did not come from this site; reload the page and try again")]
    Csrf,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Invalid {
        message: String,
        field: Option<&'static str>,
    },
    #[error("{}", bank_summary(.0))]
    InvalidBank(Vec<starling_domain::bank::BankError>),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] DbErr),
    #[error("the server's disk is full; nothing was saved")]
    StorageFull(#[source] DbErr),
    /// Too many passwords are being checked at once (each takes 19 MiB and a
    /// core for tens of milliseconds); the client should retry shortly.
    #[error("the server is busy checking other logins; try again in {retry_after} seconds")]
    Busy { retry_after: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            field: Some(field),
        }
    }

    /// Faults of the server (not of the request) go to the log with their
    /// whole cause chain; the request's span adds its id, method and route
    /// (the operation). The response itself carries no internals.
    pub fn log_server_fault(&self) {
        match self {
            Self::Internal(err) => {
                tracing::error!(error = %cause_chain(err.as_ref()), "request failed")
            }
            Self::Unavailable(err) => {
                tracing::error!(error = %cause_chain(err), "database unavailable")
            }
            Self::StorageFull(err) => {
                tracing::error!(error = %cause_chain(err), "disk full: a write failed")
            }
            _ => {}
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after, .. } | Self::Busy { retry_after } => {
                Some(*retry_after)
            }
            // Long enough for a pool to reconnect or a failover to finish.
            Self::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::Csrf => "csrf_failed",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Invalid { .. } => "invalid",
            Self::InvalidBank(_) => "invalid_bank",
            Self::TooLarge(_) => "too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::StorageFull(_) => "storage_full",
            Self::Busy { .. } => "busy",
            Self::Internal(_) => "internal",
        }
    }
}

/// An error and its sources, outermost first: `a: b: c` (a source whose
/// message its parent already repeats is left out).
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

impl From<starling_domain::schedule::UnknownRating> for AppError {
    fn from(err: starling_domain::schedule::UnknownRating) -> Self {
        Self::invalid("rating", err.to_string())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match crate::db::fault(&err) {
            Some(crate::db::Fault::Unavailable) => Self::Unavailable(err),
            Some(crate::db::Fault::StorageFull) => Self::StorageFull(err),
            None => Self::Internal(err.into()),
        }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid { .. } | Self::InvalidBank(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_server_fault();
        let mut body = json!({"code": self.code(), "message": self.to_string()});
        if let Self::Invalid {
            field: Some(field), ..
        } = self
        {
            body["field"] = json!(field);
        }
        if let Self::InvalidBank(errors) = self {
            if let Some(first) = errors.first() {
                body["line"] = json!(first.line);
                body["column"] = json!(first.column);
                body["field"] = json!(first.field);
            }
            body["errors"] = json!(errors);
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Some(retry_after) = self.retry_after() {
            body["retry_after"] = json!(retry_after);
            response.insert_header(("retry-after", retry_after.to_string()));
        }
        response.json(json!({ "error": body }))
    }
}

/// Seconds a client should wait after a 503 `unavailable`.
const UNAVAILABLE_RETRY_AFTER: u64 = 5;

fn bank_summary(errors: &[starling_domain::bank::BankError]) -> String {
    match errors {
        [] => "the bank file is invalid".to_owned(),
        [only] => format!(
            "the bank file is invalid: line {}, column {}: {}",
            only.line, only.column, only.message
        ),
        [first, rest @ ..] => format!(
            "the bank file has {} problems; the first: line {}, column {}: {}",
            rest.len() + 1,
            first.line,
            first.column,
            first.message
        ),
    }
}
