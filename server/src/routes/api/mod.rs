//! The JSON API under `/api/v1` (see PRODUCT.md): bearer tokens for clients,
//! the session cookie plus a CSRF header for the pages' own scripts.

mod answers;
mod auth;
pub mod banks;
pub mod cards;
mod coach;
mod drafts;
mod email;
mod me;
mod mock;
pub mod openapi;
mod practice;
mod questions;
mod recordings;
mod scheduler;
mod stats;
mod stories;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web, FromRequest, HttpResponse, ResponseError,
};

use crate::{
    auth::{verify_api_csrf, CurrentUser},
    error::AppError,
    startup::AppState,
};

/// The operations that act on credentials in their body rather than on a
/// session, so the CSRF guard leaves them be (they have no `security` in the
/// OpenAPI document).
pub const PUBLIC_OPERATIONS: [&str; 2] = ["/api/v1/auth/register", "/api/v1/auth/token"];

/// Every state-changing API request authenticated by the session cookie (the
/// pages' own scripts) must carry the CSRF header; bearer-token clients need
/// not. Checked here for the whole scope, so no handler can forget it. The
/// user is looked up once: the `CurrentUser` extractor finds it in the
/// request. Requests without a valid session go on to the handler, which
/// answers 401 as it always has.
pub async fn csrf_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !req.method().is_safe() && !PUBLIC_OPERATIONS.contains(&req.path()) {
        let request = req.request().clone();
        match CurrentUser::extract(&request).await {
            Ok(current) => {
                let state = request.app_data::<web::Data<AppState>>().ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("application state missing"))
                })?;
                verify_api_csrf(&request, &current, &state.secret)?;
            }
            Err(AppError::Unauthenticated) => {}
            Err(other) => return Err(other.into()),
        }
    }
    next.call(req).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(openapi::configure)
        .configure(auth::configure)
        .configure(me::configure)
        .configure(email::configure)
        .configure(questions::configure)
        .configure(practice::configure)
        .configure(recordings::configure)
        .configure(answers::configure)
        .configure(cards::configure)
        .configure(scheduler::configure)
        .configure(drafts::configure)
        .configure(banks::configure)
        .configure(coach::configure)
        .configure(stories::configure)
        .configure(mock::configure)
        .configure(stats::configure)
        .default_service(web::to(unknown_endpoint));
}

async fn unknown_endpoint() -> HttpResponse {
    AppError::NotFound("endpoint").error_response()
}
