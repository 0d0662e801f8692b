//! Bank pages: the banks a learner can see and practises, importing a file
//! (upload or paste → preview of the changes → confirm), and browsing questions.

use std::collections::HashMap;

use actix_multipart::form::{bytes::Bytes as FileField, text::Text, MultipartForm};
use actix_web::{
    get,
    http::{header, StatusCode},
    post, web, HttpRequest, HttpResponse,
};
use base64::Engine as _;
use minijinja::{context, Value};
use serde::Deserialize;
use starling_domain::{
    bank::Format,
    words::{human_size, Rounding},
};

use crate::{
    error::AppError,
    routes::page::{render, CarriesCsrf, CsrfForm, CsrfMultipart, PageError, PageUser},
    startup::AppState,
    store::{
        answers,
        banks::{self, BankUpload, Importer},
        choices, questions,
    },
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(banks_page)
        .service(sample)
        .service(import_page)
        .service(import)
        .service(select)
        .service(browse);
}

async fn banks_view(
    req: &HttpRequest,
    state: &AppState,
    current: &PageUser,
    message: Option<String>,
) -> Result<HttpResponse, PageError> {
    let list = banks::list_banks(&state.db, current.id()).await?;
    render(
        state,
        req,
        Some(&current.user),
        "banks.html",
        StatusCode::OK,
        context! { banks => Value::from_serialize(&list), message => message },
    )
    .await
}

#[get("/banks")]
async fn banks_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    banks_view(&req, &state, &current, None).await
}

#[derive(Deserialize)]
struct SelectionForm {
    practise: Option<String>,
    #[serde(default)]
    competency: Vec<String>,
}

#[post("/banks/{id}/selection")]
async fn select(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<SelectionForm>,
) -> Result<HttpResponse, PageError> {
    let stored = banks::visible_bank(&state.db, Some(current.id()), &id).await?;
    choices::set_for_bank(
        &state.db,
        current.id(),
        stored.id,
        form.practise.is_some(),
        Some(&form.competency),
    )
    .await?;
    banks_view(
        &req,
        &state,
        &current,
        Some(format!("Saved your choices for {}.", stored.title)),
    )
    .await
}

/// What the import form shows again after a preview or an error.
#[derive(Default, serde::Serialize)]
struct ImportFormValues {
    text: String,
    format: String,
    bank_id: String,
    title: String,
    file_name: String,
    /// An Anki package (no text to show), in URL-safe base64 (nothing in it for HTML to
    /// escape): the preview carries it on to the confirmation.
    package: String,
}

async fn import_form(
    req: &HttpRequest,
    state: &AppState,
    current: &PageUser,
    values: &ImportFormValues,
    error: Option<&AppError>,
) -> Result<HttpResponse, PageError> {
    let status = error
        .map(actix_web::ResponseError::status_code)
        .unwrap_or(StatusCode::OK);
    let errors = match error {
        Some(AppError::InvalidBank(list)) => Value::from_serialize(list),
        _ => Value::from(Vec::<Value>::new()),
    };
    render(
        state,
        req,
        Some(&current.user),
        "bank_import.html",
        status,
        context! {
            form => Value::from_serialize(values),
            error => error.map(|e| e.to_string()),
            errors => errors,
            max_size => human_size(state.config.max_bank_bytes as u64, Rounding::Down),
            samples => Format::ALL.iter().map(|f| context! { extension => f.extension(), label => f.label() }).collect::<Vec<_>>(),
        },
    ).await
}

/// A small bank in each format, to download and copy: every sample imports as it is
/// (the CSV, TSV and Anki text ones take the bank id from their file name).
#[get("/banks/sample.{extension}")]
async fn sample(extension: web::Path<String>) -> Result<HttpResponse, AppError> {
    let format = Format::from_name(&extension)
        .filter(|format| format.extension() == extension.as_str())
        .ok_or(AppError::NotFound("sample file"))?;
    let text = banks::sample_file(format).ok_or(AppError::NotFound("sample file"))?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            format!("{}; charset=utf-8", format.content_type()),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sample.{}\"", format.extension()),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(text))
}

#[get("/banks/import")]
async fn import_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
) -> Result<HttpResponse, PageError> {
    import_form(&req, &state, &current, &ImportFormValues::default(), None).await
}

#[derive(MultipartForm)]
struct ImportUpload {
    csrf_token: Text<String>,
    file: Option<FileField>,
    text: Option<Text<String>>,
    /// An Anki package carried on from its preview (base64).
    package: Option<Text<String>>,
    format: Option<Text<String>>,
    bank_id: Option<Text<String>>,
    title: Option<Text<String>>,
    /// `preview` (the default) or `confirm`.
    intent: Option<Text<String>>,
}

impl CarriesCsrf for ImportUpload {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn non_empty(field: Option<Text<String>>) -> Option<String> {
    field
        .map(|t| t.into_inner().trim().to_owned())
        .filter(|s| !s.is_empty())
}

#[post("/banks/import")]
async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    CsrfMultipart(form): CsrfMultipart<ImportUpload>,
) -> Result<HttpResponse, PageError> {
    let confirm = form
        .intent
        .as_ref()
        .is_some_and(|i| i.as_str() == "confirm");
    let uploaded = form.file.filter(|f| !f.data.is_empty());
    let file_name = uploaded
        .as_ref()
        .and_then(|f| f.file_name.clone())
        .unwrap_or_default();
    // An uploaded file wins over the text box; the preview carries the text on.
    let text = match &uploaded {
        Some(file) => String::from_utf8_lossy(&file.data).into_owned(),
        None => form.text.map(|t| t.into_inner()).unwrap_or_default(),
    };
    let package = non_empty(form.package);
    let mut values = ImportFormValues {
        text,
        format: non_empty(form.format).unwrap_or_default(),
        bank_id: non_empty(form.bank_id).unwrap_or_default(),
        title: non_empty(form.title).unwrap_or_default(),
        file_name,
        package: String::new(),
    };
    let bytes: Vec<u8> = match (uploaded, package) {
        (Some(file), _) => file.data.to_vec(),
        (None, Some(package)) => {
            match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(package) {
                Ok(bytes) => bytes,
                Err(_) => {
                    let err = AppError::invalid(
                        "package",
                        "the package did not arrive whole; choose the file again",
                    );
                    return import_form(&req, &state, &current, &values, Some(&err)).await;
                }
            }
        }
        (None, None) => values.text.clone().into_bytes(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let err = AppError::invalid("text", "choose a file or paste the bank's text");
        return import_form(&req, &state, &current, &values, Some(&err)).await;
    }
    let format = match banks::resolve_format(
        Some(values.format.as_str()).filter(|f| !f.is_empty()),
        Some(values.file_name.as_str()).filter(|f| !f.is_empty()),
        None,
    ) {
        Ok(format) => format,
        Err(err) => return import_form(&req, &state, &current, &values, Some(&err)).await,
    };
    values.format = format.extension().to_owned();
    if format == Format::Apkg {
        // A zip archive is no text to show or edit: the preview carries the file itself.
        values.text.clear();
        values.package = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
    }
    if values.bank_id.is_empty() && !format.carries_bank_id() {
        // As on the command line: a file that cannot name its bank is named by its file.
        values.bank_id = bank_id_from_file_name(&values.file_name);
    }
    let outcome = banks::import_file(
        &state.db,
        &state.config.bank_limits(),
        BankUpload {
            bytes,
            format,
            bank_id: Some(values.bank_id.clone()).filter(|s| !s.is_empty()),
            title: Some(values.title.clone()).filter(|s| !s.is_empty()),
            dry_run: !confirm,
        },
        Importer::User(&current.user),
    )
    .await;
    match outcome {
        Ok(imported) => render(
            &state,
            &req,
            Some(&current.user),
            "bank_preview.html",
            StatusCode::OK,
            context! { imported => Value::from_serialize(&imported), form => Value::from_serialize(&values) },
        ).await,
        Err(err @ AppError::TooLarge(_)) => {
            // Megabytes of text are not worth sending back to fix by hand.
            values.text.clear();
            values.package.clear();
            import_form(&req, &state, &current, &values, Some(&err)).await
        }
        Err(
            err @ (AppError::InvalidBank(_) | AppError::Invalid { .. } | AppError::Conflict(_)),
        ) => import_form(&req, &state, &current, &values, Some(&err)).await,
        Err(other) => Err(other.into()),
    }
}

/// The bank id a file name stands for: `Team leads.csv` → `team-leads`; empty for no name.
fn bank_id_from_file_name(file_name: &str) -> String {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    if stem.trim().is_empty() {
        String::new()
    } else {
        starling_domain::bank::competency_id(stem)
    }
}

#[derive(Deserialize)]
struct BrowseQuery {
    q: Option<String>,
    bank: Option<String>,
    competency: Option<String>,
    tag: Option<String>,
    level: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[get("/questions")]
async fn browse(
    req: HttpRequest,
    state: web::Data<AppState>,
    current: PageUser,
    query: web::Query<BrowseQuery>,
) -> Result<HttpResponse, PageError> {
    let all = questions::list_questions(&state.db, current.id(), None, filled(&query.bank)).await?;
    let mut competencies: Vec<(String, String)> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut levels: Vec<String> = Vec::new();
    for q in &all {
        if !competencies.iter().any(|(key, _)| key == &q.competency) {
            competencies.push((q.competency.clone(), q.competency_name.clone()));
        }
        for tag in &q.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        for level in &q.level {
            if !levels.contains(level) {
                levels.push(level.clone());
            }
        }
    }
    tags.sort();
    levels.sort();
    let needle = filled(&query.q).map(str::to_lowercase);
    let shown: Vec<_> = all
        .into_iter()
        .filter(|q| filled(&query.competency).is_none_or(|c| q.competency == c))
        .filter(|q| filled(&query.tag).is_none_or(|t| q.tags.iter().any(|x| x == t)))
        .filter(|q| filled(&query.level).is_none_or(|l| q.level.iter().any(|x| x == l)))
        .filter(|q| {
            needle.as_ref().is_none_or(|n| {
                q.prompt.to_lowercase().contains(n)
                    || q.variants.iter().any(|v| v.to_lowercase().contains(n))
                    || q.rubric.iter().any(|r| r.text.to_lowercase().contains(n))
            })
        })
        .collect();
    let mut attempts: HashMap<i32, Vec<Value>> = HashMap::new();
    for (question, list) in answers::history(&state.db, current.id()).await? {
        attempts.insert(
            question.id,
            list.iter()
                .map(|a| context! { answer_id => a.answer_id, attempt => a.attempt, created_at => a.created_at.to_rfc3339(), rating => a.rating })
                .collect(),
        );
    }
    let rows: Vec<Value> = shown
        .iter()
        .map(|q| {
            context! {
                question => Value::from_serialize(q),
                attempts => attempts.remove(&q.id).unwrap_or_default(),
            }
        })
        .collect();
    render(
        &state,
        &req,
        Some(&current.user),
        "questions.html",
        StatusCode::OK,
        context! {
            rows => rows,
            competencies => competencies.into_iter().map(|(key, name)| context! { key => key, name => name }).collect::<Vec<_>>(),
            tags => tags,
            levels => levels,
            filter => context! {
                q => query.q.clone().unwrap_or_default(),
                bank => query.bank.clone().unwrap_or_default(),
                competency => query.competency.clone().unwrap_or_default(),
                tag => query.tag.clone().unwrap_or_default(),
                level => query.level.clone().unwrap_or_default(),
            },
        },
    ).await
}
