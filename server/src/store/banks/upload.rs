//! Imports from users: who may import into which bank, the upload's format and size, parsing
//! (one upload per core at a time), and the export format asked for.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use starling_domain::bank::Bank;

use super::{
    ensure_star_checklist,
    load::{load_bank, ImportCounts, QuestionChange},
};
use crate::entities::bank;

/// Who is importing: a signed-in user (learners and coaches own what they
/// import; an admin's banks are global), or the operator at the command line.
#[derive(Clone, Copy, Debug)]
pub enum Importer<'a> {
    User(&'a crate::entities::user::Model),
    Operator { owner_id: Option<i32> },
}

impl Importer<'_> {
    /// The owner a new bank gets.
    fn owner_of_new_bank(&self) -> Option<i32> {
        match self {
            Importer::User(user) if user.role == crate::auth::Role::Admin => None,
            Importer::User(user) => Some(user.id),
            Importer::Operator { owner_id } => *owner_id,
        }
    }

    /// Whether this importer may change an existing bank.
    fn may_update(&self, existing: &bank::Model) -> bool {
        match (self, existing.owner_id) {
            (Importer::Operator { .. }, _) => true,
            (Importer::User(user), None) => user.role == crate::auth::Role::Admin,
            (Importer::User(user), Some(owner)) => owner == user.id,
        }
    }
}

/// The outcome of an import, with whether it created the bank.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Imported {
    pub bank_id: String,
    pub created: bool,
    pub dry_run: bool,
    #[serde(flatten)]
    pub counts: ImportCounts,
    pub questions: Vec<QuestionChange>,
    /// What the file held that the bank does not keep, in words: such as the media files
    /// (images, sounds) of an Anki package. Empty for most files.
    pub notes: Vec<String>,
}

/// Imports one parsed bank in one transaction; a dry run rolls it back and
/// reports what would have changed.
pub async fn import_bank(
    db: &sea_orm::DatabaseConnection,
    parsed: &Bank,
    importer: Importer<'_>,
    dry_run: bool,
) -> Result<Imported, crate::error::AppError> {
    let txn = crate::db::begin_write(db).await?;
    let existing = bank::Entity::find()
        .filter(bank::Column::Key.eq(parsed.id.as_str()))
        .one(&txn)
        .await?;
    if let Some(found) = &existing {
        if !importer.may_update(found) {
            return Err(crate::error::AppError::Conflict(format!(
                "a bank with id {:?} already exists and is not yours to change; give your bank another id",
                parsed.id
            )));
        }
    }
    ensure_star_checklist(&txn).await?;
    let report = load_bank(&txn, parsed, importer.owner_of_new_bank()).await?;
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(Imported {
        bank_id: parsed.id.clone(),
        created: existing.is_none(),
        dry_run,
        counts: report.counts,
        questions: report.changes,
        notes: Vec::new(),
    })
}

/// How an uploaded bank file is to be read.
#[derive(Clone, Debug)]
pub struct BankUpload {
    pub bytes: Vec<u8>,
    pub format: starling_domain::bank::Format,
    pub bank_id: Option<String>,
    pub title: Option<String>,
    pub dry_run: bool,
}

/// Uploads are parsed one per core at most: an Anki package may unpack a 64 MB
/// collection and read it with SQLite, so a burst of imports queues here instead
/// of taking every core and a multiple of that memory.
static PARSE_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(crate::cores()));

/// The one import engine behind the CLI, the API and the import page: size
/// limit, parse and validate (every error with its line and column), then
/// one transaction.
pub async fn import_file(
    db: &sea_orm::DatabaseConnection,
    limits: &starling_domain::bank::Limits,
    upload: BankUpload,
    importer: Importer<'_>,
) -> Result<Imported, crate::error::AppError> {
    // Parsing a few megabytes takes long enough to stall other requests if it
    // ran on the async workers.
    let limits = *limits;
    let dry_run = upload.dry_run;
    let slot = PARSE_SLOTS
        .acquire()
        .await
        .map_err(|err| crate::error::AppError::Internal(err.into()))?;
    let parsed = tokio::task::spawn_blocking(move || parse_upload(&limits, &upload))
        .await
        .map_err(|err| crate::error::AppError::Internal(err.into()))??;
    drop(slot);
    let mut imported = import_bank(db, &parsed.bank, importer, dry_run).await?;
    imported.notes = parsed.notes;
    Ok(imported)
}

/// Parses an upload without touching the database (`bank check`): 413 for a file (or
/// an Anki package's collection) over its limit, 422 with every problem otherwise.
pub fn parse_upload(
    limits: &starling_domain::bank::Limits,
    upload: &BankUpload,
) -> Result<starling_domain::bank::Parsed, crate::error::AppError> {
    use starling_domain::bank::ParseError;
    if upload.bytes.len() > limits.max_file_bytes {
        return Err(crate::error::AppError::TooLarge(
            starling_domain::words::over_limit(
                "bank file",
                upload.bytes.len() as u64,
                limits.max_file_bytes as u64,
            ),
        ));
    }
    let options = starling_domain::bank::ParseOptions {
        bank_id: upload.bank_id.clone(),
        title: upload.title.clone(),
        limits: *limits,
    };
    starling_domain::bank::parse_file(&upload.bytes, upload.format, &options).map_err(|error| {
        match error {
            ParseError::TooLarge(message) => crate::error::AppError::TooLarge(message),
            ParseError::Invalid(errors) => crate::error::AppError::InvalidBank(errors.0),
        }
    })
}

/// The format of an upload: named explicitly, else by the file name, else by
/// the Content-Type.
pub fn resolve_format(
    named: Option<&str>,
    file_name: Option<&str>,
    content_type: Option<&str>,
) -> Result<starling_domain::bank::Format, crate::error::AppError> {
    use starling_domain::bank::Format;
    let known =
        "toml, json, yaml (yml), csv, tsv, md, txt (Anki plain text) or apkg (Anki package, also colpkg)";
    if let Some(name) = named.filter(|n| !n.trim().is_empty()) {
        return Format::from_name(name).ok_or_else(|| {
            crate::error::AppError::invalid(
                "format",
                format!("unknown format {name:?}: use {known}"),
            )
        });
    }
    file_name
        .and_then(Format::from_path)
        .or_else(|| content_type.and_then(Format::from_content_type))
        .ok_or_else(|| {
            crate::error::AppError::invalid(
                "format",
                format!("cannot tell the file's format: name it ({known})"),
            )
        })
}

/// The format a bank is exported in, by name: any but the Anki package, which is read
/// only.
pub fn resolve_export_format(
    named: &str,
) -> Result<starling_domain::bank::Format, crate::error::AppError> {
    let format = resolve_format(Some(named), None, None)?;
    if !format.is_exported() {
        return Err(crate::error::AppError::invalid(
            "format",
            format!(
                "{} files are imported only; export as txt (Anki plain text), which Anki imports",
                format.label()
            ),
        ));
    }
    Ok(format)
}
