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
    cfg.service(register).service(token);
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
