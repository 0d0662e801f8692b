//! Question banks in the database: loading a parsed bank (insert, update in
//! place by stable ids, retire what the file no longer has) and the STAR checklist.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use starling_domain::{bank::Bank, checklist::star_checklist};

use crate::entities::{bank, competency, question, rubric_item};

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

#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub retired: u32,
}

/// What an import does (or, in a dry run, would do) to one question.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuestionChange {
    pub id: String,
    pub prompt: String,
    /// `added`, `updated`, `unchanged` or `retired`.
    pub change: &'static str,
}

#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub counts: ImportCounts,
    pub changes: Vec<QuestionChange>,
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

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// A question's red flags as stored: like its rubric items, a red flag that
/// repeats an earlier one's wording (case and spacing aside) is left out.
fn red_flags_json(items: &[String]) -> String {
    let mut seen = HashSet::new();
    let distinct: Vec<String> = items
        .iter()
        .filter(|item| seen.insert(rubric_key(item)))
        .cloned()
        .collect();
    json_list(&distinct)
}

/// A rubric item is known by its wording: an edited item is a new item, and
/// ticks given to the old wording stay with it.
fn rubric_key(text: &str) -> String {
    let normalized: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in normalized.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("r-{hash:016x}")
}

/// Rubric items written (and question ids looked up) per statement: well
/// under the bind-parameter limits of SQLite and PostgreSQL.
const RUBRIC_BATCH: usize = 500;

async fn flush_rubric(
    db: &impl ConnectionTrait,
    inserts: &mut Vec<rubric_item::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    if !inserts.is_empty() {
        rubric_item::Entity::insert_many(std::mem::take(inserts))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Loads one parsed bank inside the caller's transaction.
pub async fn load_bank(
    db: &impl ConnectionTrait,
    parsed: &Bank,
    owner_id: Option<i32>,
) -> Result<ImportReport, sea_orm::DbErr> {
    let now = Utc::now();
    let stored_bank = match bank::Entity::find()
        .filter(bank::Column::Key.eq(parsed.id.as_str()))
        .one(db)
        .await?
    {
        Some(found) => {
            if found.title != parsed.title || found.description != parsed.description {
                let mut active: bank::ActiveModel = found.into();
                active.title = Set(parsed.title.clone());
                active.description = Set(parsed.description.clone());
                active.updated_at = Set(now);
                active.update(db).await?
            } else {
                found
            }
        }
        None => {
            bank::ActiveModel {
                key: Set(parsed.id.clone()),
                title: Set(parsed.title.clone()),
                description: Set(parsed.description.clone()),
                owner_id: Set(owner_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };

    let mut competency_ids = HashMap::new();
    let existing_competencies: HashMap<String, competency::Model> = competency::Entity::find()
        .filter(competency::Column::BankId.eq(stored_bank.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key.clone(), c))
        .collect();
    for (position, comp) in parsed.competencies.iter().enumerate() {
        let position = position as i32;
        let id = match existing_competencies.get(&comp.id) {
            Some(found)
                if found.name == comp.name
                    && found.description == comp.description
                    && found.position == position =>
            {
                found.id
            }
            Some(found) => {
                let mut active: competency::ActiveModel = found.clone().into();
                active.name = Set(comp.name.clone());
                active.description = Set(comp.description.clone());
                active.position = Set(position);
                active.update(db).await?.id
            }
            None => {
                competency::ActiveModel {
                    bank_id: Set(stored_bank.id),
                    key: Set(comp.id.clone()),
                    name: Set(comp.name.clone()),
                    description: Set(comp.description.clone()),
                    position: Set(position),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        competency_ids.insert(comp.id.as_str(), id);
    }

    let mut existing_questions: HashMap<String, question::Model> = question::Entity::find()
        .filter(question::Column::BankId.eq(stored_bank.id))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.key.clone(), q))
        .collect();

    let question_ids: Vec<i32> = existing_questions.values().map(|q| q.id).collect();
    let mut rubric_by_question: HashMap<i32, Vec<rubric_item::Model>> = HashMap::new();
    for chunk in question_ids.chunks(RUBRIC_BATCH) {
        for item in rubric_item::Entity::find()
            .filter(rubric_item::Column::QuestionId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Some(qid) = item.question_id {
                rubric_by_question.entry(qid).or_default().push(item);
            }
        }
    }
    let mut rubric_inserts = Vec::new();

    let competency_of = |q: &starling_domain::bank::Question| {
        competency_ids
            .get(q.competency.as_str())
            .copied()
            .ok_or_else(|| {
                sea_orm::DbErr::Custom(format!(
                    "question {} names an undeclared competency {}",
                    q.id, q.competency
                ))
            })
    };

    // New questions are written in batches, then their ids read back by key:
    // a large bank takes a few statements instead of one per question.
    let mut fresh = Vec::new();
    for (position, q) in parsed.questions.iter().enumerate() {
        if existing_questions.contains_key(&q.id) {
            continue;
        }
        fresh.push(question::ActiveModel {
            bank_id: Set(stored_bank.id),
            competency_id: Set(competency_of(q)?),
            key: Set(q.id.clone()),
            prompt: Set(q.prompt.clone()),
            variants: Set(json_list(&q.variants)),
            follow_ups: Set(json_list(&q.follow_ups)),
            red_flags: Set(red_flags_json(&q.red_flags)),
            tags: Set(json_list(&q.tags)),
            level: Set(json_list(&q.level)),
            position: Set(position as i32),
            retired: Set(false),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in fresh.chunks(RUBRIC_BATCH) {
        question::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let mut new_ids: HashMap<String, i32> = HashMap::new();
    if !fresh.is_empty() {
        for (id, key) in question::Entity::find()
            .select_only()
            .column(question::Column::Id)
            .column(question::Column::Key)
            .filter(question::Column::BankId.eq(stored_bank.id))
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
        {
            if !existing_questions.contains_key(&key) {
                new_ids.insert(key, id);
            }
        }
    }

    let mut report = ImportReport::default();
    for (position, q) in parsed.questions.iter().enumerate() {
        let position = position as i32;
        let competency_id = competency_of(q)?;
        let wanted = question::Model {
            id: 0,
            bank_id: stored_bank.id,
            competency_id,
            key: q.id.clone(),
            prompt: q.prompt.clone(),
            variants: json_list(&q.variants),
            follow_ups: json_list(&q.follow_ups),
            red_flags: red_flags_json(&q.red_flags),
            tags: json_list(&q.tags),
            level: json_list(&q.level),
            position,
            retired: false,
            updated_at: now,
        };
        let (question_id, added, mut changed) = match existing_questions.remove(&q.id) {
            Some(found) => {
                let same = found.competency_id == wanted.competency_id
                    && found.prompt == wanted.prompt
                    && found.variants == wanted.variants
                    && found.follow_ups == wanted.follow_ups
                    && found.red_flags == wanted.red_flags
                    && found.tags == wanted.tags
                    && found.level == wanted.level
                    && found.position == wanted.position
                    && !found.retired;
                if !same {
                    let mut active: question::ActiveModel = found.clone().into();
                    active.competency_id = Set(wanted.competency_id);
                    active.prompt = Set(wanted.prompt.clone());
                    active.variants = Set(wanted.variants.clone());
                    active.follow_ups = Set(wanted.follow_ups.clone());
                    active.red_flags = Set(wanted.red_flags.clone());
                    active.tags = Set(wanted.tags.clone());
                    active.level = Set(wanted.level.clone());
                    active.position = Set(wanted.position);
                    active.retired = Set(false);
                    active.updated_at = Set(now);
                    active.update(db).await?;
                }
                (found.id, false, !same)
            }
            None => {
                let id = new_ids.get(&q.id).copied().ok_or_else(|| {
                    sea_orm::DbErr::RecordNotFound(format!("question {} after insert", q.id))
                })?;
                (id, true, false)
            }
        };
        let existing_items = rubric_by_question.remove(&question_id).unwrap_or_default();
        changed |= sync_rubric(
            db,
            question_id,
            existing_items,
            &q.rubric,
            &mut rubric_inserts,
        )
        .await?;
        if rubric_inserts.len() >= RUBRIC_BATCH {
            flush_rubric(db, &mut rubric_inserts).await?;
        }
        let change = if added {
            report.counts.added += 1;
            "added"
        } else if changed {
            report.counts.updated += 1;
            "updated"
        } else {
            report.counts.unchanged += 1;
            "unchanged"
        };
        report.changes.push(QuestionChange {
            id: q.id.clone(),
            prompt: q.prompt.clone(),
            change,
        });
    }

    flush_rubric(db, &mut rubric_inserts).await?;

    let mut stale: Vec<question::Model> = existing_questions
        .into_values()
        .filter(|q| !q.retired)
        .collect();
    stale.sort_by_key(|q| q.position);
    for question in stale {
        report.changes.push(QuestionChange {
            id: question.key.clone(),
            prompt: question.prompt.clone(),
            change: "retired",
        });
        let mut active: question::ActiveModel = question.into();
        active.retired = Set(true);
        active.updated_at = Set(now);
        active.update(db).await?;
        report.counts.retired += 1;
    }
    Ok(report)
}

/// Makes a question's rubric items match the file; returns whether anything
/// changed. New items are queued in `inserts` so that a large import writes
/// them in a few statements.
async fn sync_rubric(
    db: &impl ConnectionTrait,
    question_id: i32,
    existing: Vec<rubric_item::Model>,
    wanted: &[String],
    inserts: &mut Vec<rubric_item::ActiveModel>,
) -> Result<bool, sea_orm::DbErr> {
    let mut by_key: HashMap<String, rubric_item::Model> =
        existing.into_iter().map(|i| (i.key.clone(), i)).collect();
    let mut seen = HashSet::new();
    let mut changed = false;
    for (position, text) in wanted.iter().enumerate() {
        let position = position as i32;
        let key = rubric_key(text);
        if !seen.insert(key.clone()) {
            continue;
        }
        match by_key.remove(&key) {
            Some(found) if found.position == position && !found.retired && found.text == *text => {}
            Some(found) => {
                let mut active: rubric_item::ActiveModel = found.into();
                active.text = Set(text.clone());
                active.position = Set(position);
                active.retired = Set(false);
                active.update(db).await?;
                changed = true;
            }
            None => {
                inserts.push(rubric_item::ActiveModel {
                    question_id: Set(Some(question_id)),
                    key: Set(key),
                    text: Set(text.clone()),
                    help: Set(String::new()),
                    position: Set(position),
                    retired: Set(false),
                    ..Default::default()
                });
                changed = true;
            }
        }
    }
    for (_, stale) in by_key {
        if !stale.retired {
            let mut active: rubric_item::ActiveModel = stale.into();
            active.retired = Set(true);
            active.update(db).await?;
            changed = true;
        }
    }
    Ok(changed)
}

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
            Importer::User(user) if user.role == "admin" => None,
            Importer::User(user) => Some(user.id),
            Importer::Operator { owner_id } => *owner_id,
        }
    }

    /// Whether this importer may change an existing bank.
    fn may_update(&self, existing: &bank::Model) -> bool {
        match (self, existing.owner_id) {
            (Importer::Operator { .. }, _) => true,
            (Importer::User(user), None) => user.role == "admin",
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

/// A bank as the banks page and `GET /api/v1/banks` list it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct BankSummary {
    pub id: String,
    pub title: String,
    pub description: String,
    /// `global`, `mine` or `shared`.
    pub ownership: &'static str,
    pub questions: u64,
    pub practise: bool,
    pub competencies: Vec<CompetencySummary>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct CompetencySummary {
    pub id: String,
    pub name: String,
    pub questions: u64,
    pub practise: bool,
}

/// The banks a user can see, with their practice choices.
pub async fn list_banks(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<BankSummary>, sea_orm::DbErr> {
    use sea_orm::{PaginatorTrait, QueryOrder};
    let banks = bank::Entity::find()
        .filter(crate::store::questions::visible_banks(user_id))
        .order_by_asc(bank::Column::Title)
        .all(db)
        .await?;
    let choices = crate::store::choices::for_user(db, user_id).await?;
    let mut out = Vec::with_capacity(banks.len());
    for b in banks {
        let competencies = competency::Entity::find()
            .filter(competency::Column::BankId.eq(b.id))
            .order_by_asc(competency::Column::Position)
            .all(db)
            .await?;
        let mut comps = Vec::with_capacity(competencies.len());
        let mut total = 0;
        for c in competencies {
            let questions = question::Entity::find()
                .filter(question::Column::CompetencyId.eq(c.id))
                .filter(question::Column::Retired.eq(false))
                .count(db)
                .await?;
            total += questions;
            comps.push(CompetencySummary {
                practise: !choices.skipped_competencies.contains(&c.id),
                id: c.key,
                name: c.name,
                questions,
            });
        }
        out.push(BankSummary {
            practise: choices.practises_bank(b.id),
            ownership: match b.owner_id {
                None => "global",
                Some(owner) if owner == user_id => "mine",
                Some(_) => "shared",
            },
            id: b.key,
            title: b.title,
            description: b.description,
            questions: total,
            competencies: comps,
        });
    }
    Ok(out)
}

/// A bank the user can see, by its id (the key from the bank file).
pub async fn visible_bank(
    db: &impl ConnectionTrait,
    user_id: Option<i32>,
    key: &str,
) -> Result<bank::Model, crate::error::AppError> {
    let mut query = bank::Entity::find().filter(bank::Column::Key.eq(key));
    if let Some(user_id) = user_id {
        query = query.filter(crate::store::questions::visible_banks(user_id));
    }
    query
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound("bank"))
}

/// Reads a stored bank back into the domain model (active questions only),
/// for export.
pub async fn bank_model(
    db: &impl ConnectionTrait,
    stored: &bank::Model,
) -> Result<Bank, sea_orm::DbErr> {
    use starling_domain::bank::{Competency, Question};
    let competencies = competency::Entity::find()
        .filter(competency::Column::BankId.eq(stored.id))
        .order_by_asc(competency::Column::Position)
        .all(db)
        .await?;
    let keys: HashMap<i32, String> = competencies.iter().map(|c| (c.id, c.key.clone())).collect();
    let questions = question::Entity::find()
        .filter(question::Column::BankId.eq(stored.id))
        .filter(question::Column::Retired.eq(false))
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let mut rubric = crate::store::questions::rubric_by_question(db, ids).await?;
    let list = crate::store::questions::decode_list;
    Ok(Bank {
        id: stored.key.clone(),
        title: stored.title.clone(),
        description: stored.description.clone(),
        competencies: competencies
            .into_iter()
            .map(|c| Competency {
                id: c.key,
                name: c.name,
                description: c.description,
            })
            .collect(),
        questions: questions
            .into_iter()
            .map(|q| Question {
                competency: keys.get(&q.competency_id).cloned().unwrap_or_default(),
                rubric: rubric
                    .remove(&q.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|item| item.text)
                    .collect(),
                variants: list(&q.variants),
                follow_ups: list(&q.follow_ups),
                red_flags: list(&q.red_flags),
                tags: list(&q.tags),
                level: list(&q.level),
                id: q.key,
                prompt: q.prompt,
            })
            .collect(),
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
static PARSE_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
});

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
