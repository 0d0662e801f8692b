//! `GET /healthz`: 200 when the database answers, 503 when it does not.
//! `GET /readyz`: 200 when the database answers and has every migration this
//! build knows (a load balancer sends traffic only then). `GET /metrics`:
//! Prometheus text.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

#[get("/healthz")]
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok"})),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "error": {"code": "unavailable", "message": "the database does not answer"}}))
        }
    }
}

#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    use migration::MigratorTrait;
    let unavailable = |message: String| {
        HttpResponse::ServiceUnavailable().json(
            json!({"status": "unavailable", "error": {"code": "unavailable", "message": message}}),
        )
    };
    if let Err(err) = state.db.ping().await {
        tracing::warn!(error = %err, "readiness: database unreachable");
        return unavailable("the database does not answer".to_owned());
    }
    match migration::Migrator::get_pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => HttpResponse::Ok().json(json!({"status": "ready"})),
        Ok(pending) => unavailable(format!("{} database migrations are pending", pending.len())),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: cannot read migrations");
            unavailable("cannot read the database's migrations".to_owned())
        }
    }
}

#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let body = crate::metrics::global()
        .map(|m| m.render(&state.db))
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
