//! Builds the application from a `Config`: database, default bank, templates,
//! middleware and routes, bound to a listener (port 0 works in tests).

use std::net::TcpListener;

use actix_web::{
    body::MessageBody,
    dev::{Server, ServiceRequest, ServiceResponse},
    http::header,
    middleware::{self, Next},
    web, App, HttpMessage, HttpServer,
};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::{
    auth::{new_token, visitor_cookie, VisitorId, VISITOR_COOKIE},
    config::Config,
    db,
    error::AppError,
    routes, store,
    templates::Templates,
};

/// Shared by every worker; nothing in it differs between instances.
pub struct AppState {
    pub db: DatabaseConnection,
    pub templates: Templates,
    pub secret: Vec<u8>,
    pub config: Config,
    /// Wakes this instance's optimization worker when a job is queued here.
    pub optimizer: std::sync::Arc<tokio::sync::Notify>,
    /// Every password check and hash of this instance takes a turn here.
    pub hashing: crate::auth::PasswordHashing,
    /// The SMTP server, when one is configured; without it no email is sent
    /// and Settings says so.
    pub mailer: Option<std::sync::Arc<crate::mail::Mailer>>,
    /// Wakes this instance's mail worker when a message is queued here.
    pub mail: std::sync::Arc<tokio::sync::Notify>,
}

pub struct Application {
    port: u16,
    server: Server,
    /// The optimization worker and, with SMTP, the mail worker: stopped and
    /// joined after the server.
    workers: Vec<tokio::task::JoinHandle<()>>,
    stop_worker: tokio::sync::watch::Sender<bool>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&config.database_url).await?;
        if config.load_default_bank {
            store::banks::load_default_banks(&db).await?;
        }
        let secret = store::accounts::signing_secret(&db, config.secret.as_deref()).await?;
        let listener = TcpListener::bind(&config.addr)?;
        let port = listener.local_addr()?.port();
        // The import form's text box and file each fit the bank limit, plus room for the other
        // fields; an Anki package carried from the preview to the confirmation as base64 (4/3 of
        // its size) fits as well.
        let multipart_limit = config.max_bank_bytes * 2 + 64 * 1024;
        let optimizer = std::sync::Arc::new(tokio::sync::Notify::new());
        let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
        let (stop_worker, stop) = tokio::sync::watch::channel(false);
        let mut workers = vec![tokio::spawn(store::scheduler::run_worker(
            db.clone(),
            optimizer.clone(),
            instance.clone(),
            stop.clone(),
        ))];
        let mailer = crate::mail::Mailer::from_config(&config)?.map(std::sync::Arc::new);
        let mail = std::sync::Arc::new(tokio::sync::Notify::new());
        if let Some(mailer) = &mailer {
            let site = config.public_url.clone().unwrap_or_else(|| {
                let host = match config.addr.rsplit_once(':') {
                    Some(("0.0.0.0" | "[::]", _)) | None => "localhost".to_owned(),
                    Some((host, _)) => host.to_owned(),
                };
                let site = format!("http://{host}:{port}");
                tracing::warn!(
                    site = %site,
                    "STARLING_SMTP_URL is set but STARLING_PUBLIC_URL is not: links in reminders and digests point to this address"
                );
                site
            });
            tracing::info!(relay = mailer.relay(), "email reminders and digests are on");
            workers.push(tokio::spawn(store::mail::run_worker(
                db.clone(),
                mailer.clone(),
                site,
                secret.clone(),
                instance,
                mail.clone(),
                stop,
            )));
        }
        let hashing = crate::auth::PasswordHashing::new(
            config.password_hashing_concurrency,
            config.password_hashing_queue,
        )?;
        let state = web::Data::new(AppState {
            db,
            templates: Templates::new(),
            secret,
            config,
            optimizer,
            hashing,
            mailer,
            mail,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(json_config())
                // Page forms arrive as `web::Bytes`.
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(
                    actix_multipart::form::MultipartFormConfig::default()
                        .total_limit(multipart_limit)
                        .memory_limit(multipart_limit)
                        .error_handler(|err, _| {
                            crate::routes::page::PageError(multipart_error(err)).into()
                        }),
                )
                .app_data(
                    // A path id that is not a number names nothing that exists.
                    web::PathConfig::default()
                        .error_handler(|_, _| AppError::NotFound("resource").into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    AppError::BadRequest(format!("bad query string: {err}")).into()
                }))
                .wrap(middleware::from_fn(crate::nul_guard::reject_nul))
                .wrap(middleware::from_fn(routes::page::error_pages))
                .wrap(middleware::from_fn(visitor_id))
                .wrap(security_headers())
                .wrap(middleware::Compress::default())
                .wrap(middleware::from_fn(trace_request))
                .configure(routes::configure)
        })
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            workers,
            stop_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (gracefully with `stop(true)`), as SIGTERM does.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM, after its
    /// graceful shutdown), then stops the background workers and waits for
    /// them: a fit in progress is abandoned and its job queued again at once;
    /// an email being sent finishes (or its claim lapses for another instance).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let _ = self.stop_worker.send(true);
        let joined = futures_util::future::join_all(self.workers);
        if tokio::time::timeout(WORKER_STOP_WAIT, joined)
            .await
            .is_err()
        {
            tracing::warn!("a background worker did not stop in time");
        }
        served
    }
}

/// How long a stopping server waits for its optimization worker.
const WORKER_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The largest JSON body or page form accepted (413 beyond), the same for
/// both so what the API takes a form takes too. It fits the longest legal
/// answer in either encoding: five fields of `MAX_FIELD_CHARS` characters,
/// each up to 4 bytes of UTF-8, percent-encoded in a form (or a JSON
/// surrogate pair `\uXXXX\uXXXX`) as 12 bytes, with room for the other fields.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const _: () =
    assert!(MAX_BODY_BYTES >= 5 * crate::store::answers::MAX_FIELD_CHARS * 12 + 64 * 1024);

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _| {
            use actix_web::error::JsonPayloadError;
            match err {
                JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                    actix_web::error::InternalError::from_response(
                        "payload too large",
                        actix_web::HttpResponse::PayloadTooLarge().json(serde_json::json!({
                            "error": {"code": "too_large", "message": "The request body is larger than the limit of 2 MB"}
                        })),
                    )
                    .into()
                }
                JsonPayloadError::ContentType => AppError::BadRequest(
                    "send the body as JSON with Content-Type: application/json".to_owned(),
                )
                .into(),
                JsonPayloadError::Deserialize(err) => {
                    AppError::BadRequest(format!("invalid JSON body: {err}")).into()
                }
                other => AppError::BadRequest(format!("invalid JSON body: {other}")).into(),
            }
        })
}

fn multipart_error(err: actix_multipart::MultipartError) -> AppError {
    use actix_multipart::MultipartError;
    match err {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => {
            AppError::TooLarge("the upload is larger than the bank file limit".to_owned())
        }
        other if other.to_string().contains("limit") => {
            AppError::TooLarge(format!("the upload is too large: {other}"))
        }
        other => AppError::BadRequest(format!("unreadable upload: {other}")),
    }
}

fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
}

/// Gives visitors without a session a random id, so CSRF tokens can be bound
/// to something on the login and registration forms.
async fn visitor_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.config.secure_cookies);
    let issued = if req.cookie(VISITOR_COOKIE).is_none() {
        let id = new_token();
        req.extensions_mut().insert(VisitorId(id.clone()));
        Some(id)
    } else {
        None
    };
    let mut res = next.call(req).await?;
    if let Some(id) = issued {
        res.response_mut().add_cookie(&visitor_cookie(id, secure))?;
    }
    Ok(res)
}

/// One span per request; the outcome is logged at its end.
async fn trace_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // A request id for the logs and the response: the proxy's, when it sent
    // a sane one, else a new one.
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map_or_else(|| format!("{:016x}", rand::random::<u64>()), str::to_owned);
    let route = req.match_pattern();
    // A secret in the address (a calendar feed's token) stays out of the logs.
    let path = match route.as_deref() {
        Some(pattern) if pattern.contains("{token}") => pattern.to_owned(),
        _ => req.path().to_owned(),
    };
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        method = %req.method(),
        route = route.as_deref().unwrap_or("-"),
        path = %path,
    );
    req.extensions_mut()
        .insert(routes::page::RequestId(request_id.clone()));
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    if let Some(metrics) = crate::metrics::global() {
        metrics.observe(&method, route.as_deref(), status, elapsed.as_secs_f64());
    }
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    span.in_scope(|| tracing::info!(status, ms = elapsed.as_millis() as u64, "served"));
    Ok(res)
}
