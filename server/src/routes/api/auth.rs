//! `POST /auth/register` and `POST /auth/token`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::{NewPassword, Role, Username},
    error::ApiError,
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

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    if !state.config.open_registration {
        return Err(ApiError::Forbidden(
            "registration is closed on this server; ask an administrator for an account".to_owned(),
        ));
    }
    let username = Username::parse(&body.username)?;
    let hash = NewPassword::parse(&body.password)?.hash()?;
    let user = accounts::create_user(&state.db, &username, hash, Role::Learner).await?;
    Ok(HttpResponse::Created().json(json!({
        "id": user.id,
        "username": user.username,
        "role": user.role,
    })))
}

#[post("/auth/token")]
async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::log_in(&state, &req, &body.username, &body.password).await?;
    let token = accounts::create_api_token(&state.db, user.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "token": token })))
}

/// `GET /tokens`: the user's API tokens (ids and dates, never the tokens).
#[actix_web::get("/tokens")]
async fn list_tokens(
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(accounts::list_api_tokens(&state.db, current.id()).await?))
}

/// `POST /tokens`: a new token for the signed-in user, shown this once.
#[post("/tokens")]
async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
) -> Result<HttpResponse, ApiError> {
    crate::auth::verify_api_csrf(&req, &current, &state.secret)?;
    let secret = accounts::create_api_token(&state.db, current.id()).await?;
    let id: String = crate::auth::token_hash(&secret)
        .chars()
        .take(accounts::TOKEN_ID_CHARS)
        .collect();
    Ok(HttpResponse::Created().json(json!({ "id": id, "token": secret })))
}

/// `DELETE /tokens/{id}`: revokes a token at once.
#[actix_web::delete("/tokens/{id}")]
async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: crate::auth::CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::verify_api_csrf(&req, &current, &state.secret)?;
    accounts::revoke_api_token(&state.db, current.id(), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
