//! `GET /openapi.json`: the OpenAPI 3.1 document of this API, generated from
//! the handlers' `#[utoipa::path]` annotations and the types they send and
//! receive. The errors every endpoint can answer with (401 without
//! credentials, 403 for a missing CSRF header, 404 for a path id naming
//! nothing, 400 for a malformed body or query, 413 for a body over 2 MiB, 503
//! while the database is unreachable, 507 while the server's disk is full)
//! are added to each operation here, from what the operation takes, so no
//! annotation has to repeat them.

use std::sync::OnceLock;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        HttpMethod, OpenApi as Document, RefOr, Response, ResponseBuilder,
    },
    Modify, OpenApi, ToSchema,
};

use super::{
    answers, auth, banks, cards, coach, drafts, email, me, mock, practice, questions, recordings,
    scheduler, stats, stories,
};
use crate::auth::SESSION_COOKIE;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json);
}

/// The prefix every path of the document is served under.
pub const PREFIX: &str = "/api/v1";

/// Every error: `{"error": {"code", "message", …}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What went wrong, for programs.
    #[schema(value_type = ErrorCode)]
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault (`invalid`), or the bank field (`invalid_bank`).
    pub field: Option<String>,
    /// Where the first problem of a bank file is (`invalid_bank`).
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Every problem of a bank file (`invalid_bank`).
    pub errors: Option<Vec<starling_domain::bank::BankError>>,
    /// Seconds to wait before trying again (`too_many_requests`, `busy`, `unavailable`; also the `Retry-After` header).
    pub retry_after: Option<u64>,
}

/// The machine-readable error codes.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // Only its schema is used: the codes come from `AppError::code`.
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    BadCredentials,
    Forbidden,
    CsrfFailed,
    NotFound,
    Conflict,
    Invalid,
    InvalidBank,
    TooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
    StorageFull,
    Busy,
    Internal,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Starling API",
        description = "Practise behavioral interview questions with spaced repetition: \
            the daily queue, STAR answers and self-reviews, grades, question banks, coaching, \
            stories, mock interviews and statistics.\n\n\
            Authenticate with `Authorization: Bearer <token>` (from `POST /api/v1/auth/token` \
            or the Settings page). Calls authenticated by the session cookie instead (the \
            pages' own scripts) must send the page's CSRF token as `X-CSRF-Token` on every \
            request that changes something.\n\n\
            Every error is JSON: `{\"error\": {\"code\", \"message\", …}}`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        auth::register, auth::token, auth::list_tokens, auth::create_token, auth::revoke_token,
        me::me, me::update_me, email::show, email::update, email::change_address,
        questions::list,
        practice::next, practice::today,
        cards::show, cards::grade,
        answers::create, answers::show, answers::review, answers::export, answers::compare,
        recordings::put_draft, recordings::get_draft, recordings::delete_draft,
        recordings::put_answer, recordings::get_answer, recordings::delete_answer,
        drafts::show, drafts::save,
        scheduler::get_settings, scheduler::put_settings, scheduler::get_scheduler,
        scheduler::optimize, scheduler::plan, scheduler::update_card, scheduler::undo,
        scheduler::leeches, scheduler::export_log,
        banks::list, banks::import, banks::export_bank, banks::select,
        coach::invite, coach::join, coach::links, coach::update_link, coach::end_link,
        coach::queue, coach::assign, coach::calibration, coach::share, coach::unshare,
        stories::matrix, stories::list, stories::create, stories::show, stories::update,
        stories::remove,
        mock::create, mock::list, mock::show, mock::answer, mock::grade, mock::finish,
        stats::my_stats,
        openapi_json,
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&CommonResponses),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "accounts", description = "Registration, API tokens and the current user"),
        (name = "practice", description = "The daily queue, answers, self-reviews and grades"),
        (name = "scheduling", description = "Scheduler settings, the memory model, the interview plan, leeches and undo"),
        (name = "recordings", description = "Spoken rehearsals"),
        (name = "banks", description = "Question banks: import, export and what to practise"),
        (name = "coaching", description = "Coach links, the review queue and shared answers"),
        (name = "stories", description = "The story bank"),
        (name = "mock", description = "Mock interviews"),
        (name = "stats", description = "Progress figures"),
        (name = "meta", description = "This document"),
    ),
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.paths.paths = std::mem::take(&mut doc.paths.paths)
            .into_iter()
            .map(|(path, item)| (format!("{PREFIX}{path}"), item))
            .collect();
        doc
    })
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(document())
}

struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `POST /api/v1/auth/token` or the Settings page",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The pages' session cookie; changes also need the page's CSRF token in `X-CSRF-Token`",
            ))),
        );
        for item in doc.paths.paths.values_mut() {
            let methods = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Put, &mut item.put),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, operation) in methods {
                if let Some(operation) = operation.as_mut() {
                    add_common_responses(method, operation);
                }
            }
        }
    }
}

fn add_common_responses(method: HttpMethod, operation: &mut Operation) {
    let public = operation
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error_response(description)));
    };
    if json_body || has(ParameterIn::Query) {
        add(
            "400",
            "The body or query string is malformed (`bad_request`)",
        );
    }
    if !public {
        add(
            "401",
            "No valid bearer token or session cookie (`unauthenticated`)",
        );
        if method != HttpMethod::Get {
            add(
                "403",
                "Authenticated by the session cookie without a valid `X-CSRF-Token` (`csrf_failed`)",
            );
        }
    }
    if has(ParameterIn::Path) {
        add(
            "404",
            "Nothing the caller may see has this id (`not_found`)",
        );
    }
    if json_body {
        add("413", "The body is larger than 2 MiB (`too_large`)");
    }
    if json_body || has(ParameterIn::Query) || has(ParameterIn::Path) {
        add(
            "422",
            "A value is not acceptable (`invalid`, with `field`), such as text holding a NUL character",
        );
    }
    if operation.operation_id.as_deref() != Some("openapi_json") {
        add(
            "503",
            "The database is unreachable; try again shortly (`unavailable`, with `Retry-After`)",
        );
        // Reads write too: a token's last use, a card for a new question.
        add(
            "507",
            "The server's disk is full; nothing was saved (`storage_full`)",
        );
    }
    add(
        "500",
        "An internal error; the server log has the details (`internal`)",
    );
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}
