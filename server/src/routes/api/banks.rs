//! `GET /banks`, `POST /banks?format=…&dry_run=…` (the body is the bank file),
//! `GET /banks/{id}/export?format=…`, `PUT /banks/{id}/selection`.

use actix_web::{get, http::header, post, put, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use starling_domain::bank::{export, Format};
use starling_domain::words::{human_size, over_limit, Rounding};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::CurrentUser,
    error::AppError,
    routes::api::openapi::ErrorBody,
    startup::AppState,
    store::{
        banks::{self, BankSummary, BankUpload, Imported, Importer},
        choices,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(import)
        .service(export_bank)
        .service(select);
}

/// The banks the user can see (the shared ones and their own), with what they practise of each.
#[utoipa::path(
    operation_id = "list_banks",
    tag = "banks",
    responses((status = 200, description = "The banks", body = Vec<BankSummary>)),
)]
#[get("/banks")]
async fn list(state: web::Data<AppState>, current: CurrentUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(banks::list_banks(&state.db, current.id()).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `toml`, `json`, `yaml`, `csv`, `tsv`, `md`, `txt` (Anki plain text) or `apkg` (Anki package, also `colpkg`); otherwise taken from the Content-Type (`application/zip` is an Anki package).
    format: Option<String>,
    /// Check and report what the import would do, without saving anything.
    #[serde(default)]
    dry_run: bool,
    /// The bank's id, for a CSV, TSV or Anki file (which has no header for it).
    bank_id: Option<String>,
    /// The bank's title, for a CSV, TSV or Anki file.
    title: Option<String>,
}

/// Reads the body up to `limit` bytes; past it the request is refused with 413.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    what: &str,
) -> Result<web::Bytes, AppError> {
    let too_large = || {
        AppError::TooLarge(format!(
            "The {what} is larger than the limit of {}",
            human_size(limit as u64, Rounding::Down)
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(declared) = declared.filter(|len| *len > limit) {
        return Err(AppError::TooLarge(over_limit(
            what,
            declared as u64,
            limit as u64,
        )));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|err| AppError::BadRequest(format!("reading the body: {err}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Imports a bank file (the body): creates the bank, or updates the user's bank with the same id
/// (questions matched by id; removed ones are retired, never deleted). An Anki package is sent as
/// it is (`application/zip` or `?format=apkg`); its media files are left out, as `notes` says.
#[utoipa::path(
    tag = "banks",
    params(ImportQuery),
    request_body(
        description = "The bank file",
        content(
            (String = "application/toml"),
            (String = "application/yaml"),
            (Object = "application/json"),
            (String = "text/csv"),
            (String = "text/tab-separated-values"),
            (String = "text/markdown"),
            (String = "text/plain"),
            (Vec<u8> = "application/zip"),
        ),
    ),
    responses(
        (status = 201, description = "The bank was created", body = Imported),
        (status = 200, description = "The bank was updated, or a dry run", body = Imported),
        (status = 409, description = "The bank id belongs to another user or is built in (`conflict`)", body = ErrorBody),
        (status = 413, description = "The file is larger than the limit, or an Anki package's collection unpacks to more than 64 MB (`too_large`)", body = ErrorBody),
        (status = 422, description = "The file is invalid: every problem with line and column (`invalid_bank`), or for an Anki package that is not one (not a zip, encrypted, over 1000 entries, an entry named outside it, no collection) one problem at line 1; or its format is unknown (`invalid`, field `format`)", body = ErrorBody),
    ),
)]
#[post("/banks")]
async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: CurrentUser,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let limits = state.config.bank_limits();
    let body = read_limited(&req, payload, limits.max_file_bytes, "bank file").await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = banks::resolve_format(query.format.as_deref(), None, content_type)?;
    let query = query.into_inner();
    let imported = banks::import_file(
        &state.db,
        &limits,
        BankUpload {
            bytes: body.to_vec(),
            format,
            bank_id: query.bank_id,
            title: query.title,
            dry_run: query.dry_run,
        },
        Importer::User(&current.user),
    )
    .await?;
    let mut response = if imported.created && !imported.dry_run {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(imported))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `toml` (the default), `json`, `yaml`, `csv`, `tsv`, `md` or `txt` (Anki plain text); not `apkg`, which is imported only.
    format: Option<String>,
}

/// A bank as a file, in any of the import formats (a download that imports back unchanged).
#[utoipa::path(
    tag = "banks",
    params(("id" = String, Path, description = "The bank's id"), ExportQuery),
    responses((status = 200, description = "The bank file", content(
        (String = "application/toml"),
        (String = "application/yaml"),
        (Object = "application/json"),
        (String = "text/csv"),
        (String = "text/tab-separated-values"),
        (String = "text/markdown"),
        (String = "text/plain"),
    ))),
)]
#[get("/banks/{id}/export")]
async fn export_bank(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let format = banks::resolve_export_format(query.format.as_deref().unwrap_or("toml"))?;
    let stored = banks::visible_bank(&state.db, Some(current.id()), &id).await?;
    let model = banks::bank_model(&state.db, &stored).await?;
    Ok(download(&model.id, format, export(&model, format)))
}

/// A bank file as a download named after the bank.
pub fn download(bank_id: &str, format: Format, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            format!("{}; charset=utf-8", format.content_type()),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{bank_id}.{}\"", format.extension()),
        ))
        .body(body)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Selection {
    practise: bool,
    /// The competency ids to practise; all when absent.
    competencies: Option<Vec<String>>,
}

/// Chooses whether to practise a bank, and which of its competencies.
#[utoipa::path(
    tag = "banks",
    params(("id" = String, Path, description = "The bank's id")),
    request_body = Selection,
    responses(
        (status = 200, description = "The bank with the new choice", body = BankSummary),
        (status = 422, description = "A competency the bank does not have (`invalid`, field `competencies`)", body = ErrorBody),
    ),
)]
#[put("/banks/{id}/selection")]
async fn select(
    state: web::Data<AppState>,
    current: CurrentUser,
    id: web::Path<String>,
    body: web::Json<Selection>,
) -> Result<HttpResponse, AppError> {
    let stored = banks::visible_bank(&state.db, Some(current.id()), &id).await?;
    choices::set_for_bank(
        &state.db,
        current.id(),
        stored.id,
        body.practise,
        body.competencies.as_deref(),
    )
    .await?;
    let summary = banks::list_banks(&state.db, current.id())
        .await?
        .into_iter()
        .find(|b| b.id == stored.key)
        .ok_or(AppError::NotFound("bank"))?;
    Ok(HttpResponse::Ok().json(summary))
}
