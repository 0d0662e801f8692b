//! Question banks in the database: loading a parsed bank (insert, update in
//! place by stable ids, retire what the file no longer has) and the STAR checklist.

use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use starling_domain::checklist::star_checklist;

use crate::entities::rubric_item;

mod listing;
mod load;
mod upload;

pub use listing::{bank_model, list_banks, visible_bank, BankSummary, CompetencySummary};
pub use load::{load_bank, ImportCounts, ImportReport, QuestionChange};
pub use upload::{
    import_bank, import_file, parse_upload, resolve_export_format, resolve_format, BankUpload,
    Imported, Importer,
};

/// The banks shipped in `question-bank/`, embedded in the binary.
static DEFAULT_BANKS: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../question-bank");

/// The sample bank file written in `format` (`question-bank/samples/`), for people to
/// download from the import page and copy.
pub fn sample_file(format: starling_domain::bank::Format) -> Option<&'static str> {
    DEFAULT_BANKS
        .get_file(format!("samples/sample.{}", format.extension()))?
        .contents_utf8()
}

/// Parses and loads every embedded default bank, then the STAR checklist.
/// Running it again changes nothing unless the embedded files changed.
pub async fn load_default_banks(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(db).await?;
    ensure_star_checklist(&txn).await?;
    let limits = starling_domain::bank::Limits::default();
    for file in DEFAULT_BANKS.files() {
        if file.path().extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = file.path().display().to_string();
        let source = file
            .contents_utf8()
            .ok_or_else(|| anyhow::anyhow!("{name}: not UTF-8"))?;
        let parsed = starling_domain::bank::parse_toml(source, &limits).map_err(|errors| {
            let lines: Vec<String> = errors.0.iter().map(|e| format!("{name}:{e}")).collect();
            anyhow::anyhow!("embedded bank is invalid:\n{}", lines.join("\n"))
        })?;
        let report = load_bank(&txn, &parsed, None).await?;
        tracing::info!(bank = %parsed.id, counts = ?report.counts, "default bank loaded");
    }
    txn.commit().await?;
    Ok(())
}

/// Writes the built-in STAR checklist as rubric items without a question.
pub async fn ensure_star_checklist(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let existing: HashMap<String, rubric_item::Model> = rubric_item::Entity::find()
        .filter(rubric_item::Column::QuestionId.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|item| (item.key.clone(), item))
        .collect();
    for (position, item) in star_checklist().iter().enumerate() {
        let position = position as i32;
        match existing.get(&item.key) {
            Some(found)
                if found.text == item.text
                    && found.help == item.help
                    && found.position == position => {}
            Some(found) => {
                let mut active: rubric_item::ActiveModel = found.clone().into();
                active.text = Set(item.text.clone());
                active.help = Set(item.help.clone());
                active.position = Set(position);
                active.retired = Set(false);
                active.update(db).await?;
            }
            None => {
                rubric_item::ActiveModel {
                    question_id: Set(None),
                    key: Set(item.key.clone()),
                    text: Set(item.text.clone()),
                    help: Set(item.help.clone()),
                    position: Set(position),
                    retired: Set(false),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(())
}
