//! `POST /auth/register` and `POST /auth/token`.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    auth::{NewPassword, Role, Username},
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::accounts,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register)
        .service(token)
        .service(list_tokens)
        .service(create_token)
        .service(revoke_token);
}

#[derive(Deserialize, ToSchema)]
struct Credentials {
    username: String,
    password: String,
}

#[derive(Deserialize, ToSchema)]
struct Registration {
    username: String,
    password: String,
    /// The learner's IANA time zone (such as `Europe/Berlin`), which sets
    /// when their day starts and how times are shown; UTC when left out.
    #[serde(default)]
    time_zone: Option<String>,
}

impl Registration {
    fn time_zone(&self) -> Result<chrono_tz::Tz, AppError> {
        match self.time_zone.as_deref() {
            None => Ok(chrono_tz::UTC),
            Some(name) => name.trim().parse().map_err(|_| {
                AppError::invalid(
                    "time_zone",
                    format!("unknown time zone {name:?}: use a name such as Europe/Berlin or America/New_York"),
                )
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Registered {
    id: i32,
    username: String,
    #[schema(value_type = Role)]
    role: String,
}

/// Creates a learner account (when the server allows open registration).
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Registration,
    responses(
        (status = 201, description = "The account", body = Registered),
        (status = 403, description = "Registration is closed (`forbidden`)", body = ErrorBody),
        (status = 409, description = "The username is taken (`conflict`)", body = ErrorBody),
        (status = 422, description = "The username, password or time zone is not acceptable (`invalid`, with `field`)", body = ErrorBody),
        (status = 503, description = "Too many passwords are being checked at once; see `Retry-After` (`busy`), or the database is unreachable (`unavailable`)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait (`busy`)"))),
    ),
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> Result<HttpResponse, AppError> {
    if !state.config.open_registration {
        return Err(AppError::Forbidden(
            "registration is closed on this server; ask an administrator for an account".to_owned(),
        ));
    }
    let username = Username::parse(&body.username)?;
    let time_zone = body.time_zone()?;
    let hash = state
        .hashing
        .hash(NewPassword::parse(&body.password)?)
        .await?;
    let user = accounts::create_user(&state.db, &username, hash, Role::Learner, time_zone).await?;
    Ok(HttpResponse::Created().json(Registered {
        id: user.id,
        username: user.username,
        role: user.role.as_str().to_owned(),
    }))
}

#[derive(Serialize, ToSchema)]
struct IssuedToken {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
}

/// Logs in with a username and password and returns a new API token.
#[utoipa::path(
    tag = "accounts",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, description = "A new token", body = IssuedToken),
        (status = 401, description = "Wrong username or password (`bad_credentials`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts for the account or the address, counting those still being checked; see `Retry-After` (`too_many_requests`)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many passwords are being checked at once; see `Retry-After` (`busy`), or the database is unreachable (`unavailable`)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds to wait (`busy`)"))),
    ),
)]
#[post("/auth/token")]
async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AppError> {
    let user = accounts::log_in(&state, &req, &body.username, &body.password).await?;
    let token = accounts::create_api_token(&state.db, user.id).await?;
    Ok(HttpResponse::Ok().json(IssuedToken { token }))
}

/// The user's API tokens (ids and dates, never the tokens).
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, description = "The tokens, newest first", body = Vec<accounts::TokenView>)),
)]
#[get("/tokens")]
async fn list_tokens(
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(accounts::list_api_tokens(&state.db, current.id()).await?))
}

#[derive(Serialize, ToSchema)]
struct CreatedToken {
    /// What `GET /tokens` lists and `DELETE /tokens/{id}` takes.
    id: String,
    /// The token itself, shown this once.
    token: String,
}

/// A new token for the signed-in user, shown this once.
#[utoipa::path(
    tag = "accounts",
    responses((status = 201, description = "The new token", body = CreatedToken)),
)]
#[post("/tokens")]
async fn create_token(
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
) -> Result<HttpResponse, AppError> {
    let secret = accounts::create_api_token(&state.db, current.id()).await?;
    let id: String = crate::auth::token_hash(&secret)
        .chars()
        .take(accounts::TOKEN_ID_CHARS)
        .collect();
    Ok(HttpResponse::Created().json(CreatedToken { id, token: secret }))
}

/// Revokes a token at once.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path, description = "The token's id from `GET /tokens`")),
    responses((status = 204, description = "Revoked")),
)]
#[delete("/tokens/{id}")]
async fn revoke_token(
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    accounts::revoke_api_token(&state.db, current.id(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
