//! `GET /healthz`: 200 when the database answers, 503 when it does not.
//! `GET /readyz`: 200 when the database answers, has every migration this
//! build knows and takes a write (a load balancer sends traffic only then).
//! `GET /metrics`: Prometheus text.

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
        Ok(pending) if pending.is_empty() => {}
        Ok(pending) => {
            return unavailable(format!("{} database migrations are pending", pending.len()))
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness: cannot read migrations");
            return unavailable("cannot read the database's migrations".to_owned());
        }
    }
    match probe_write(&state.db).await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: the database takes no writes");
            let (code, message) = match crate::db::fault(&err) {
                Some(crate::db::Fault::StorageFull) => (
                    "storage_full",
                    "the server's disk is full; writes fail until space is freed",
                ),
                _ => ("unavailable", "the database takes no writes"),
            };
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "error": {"code": code, "message": message}}))
        }
    }
}

/// Writes one small row, as every user's change must: a database that
/// answers reads may still refuse writes (a full disk), and an instance that
/// cannot save what users send should get no traffic. The row is rewritten
/// with the time on each probe, so the write always reaches the disk.
async fn probe_write(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{sea_query::OnConflict, EntityTrait, Set};

    use crate::entities::setting;
    setting::Entity::insert(setting::ActiveModel {
        key: Set("readiness_probe".to_owned()),
        value: Set(chrono::Utc::now().to_rfc3339()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
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
