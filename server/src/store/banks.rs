//! Question banks in the database: loading a parsed bank (insert, update in
//! place by stable ids, retire what the file no longer has) and the STAR checklist.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use starling_domain::{bank::Bank, checklist::STAR_CHECKLIST};

use crate::entities::{bank, competency, question, rubric_item};

/// The banks shipped in `question-bank/`, embedded in the binary.
static DEFAULT_BANKS: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../question-bank");

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub retired: u32,
}

/// Parses and loads every embedded default bank, then the STAR checklist.
/// Running it again changes nothing unless the embedded files changed.
pub async fn load_default_banks(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let txn = db.begin().await?;
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
        let counts = load_bank(&txn, &parsed, None).await?;
        tracing::info!(bank = %parsed.id, ?counts, "default bank loaded");
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
    for (position, item) in STAR_CHECKLIST.iter().enumerate() {
        let position = position as i32;
        match existing.get(item.key) {
            Some(found)
                if found.text == item.text
                    && found.help == item.help
                    && found.position == position => {}
            Some(found) => {
                let mut active: rubric_item::ActiveModel = found.clone().into();
                active.text = Set(item.text.to_owned());
                active.help = Set(item.help.to_owned());
                active.position = Set(position);
                active.retired = Set(false);
                active.update(db).await?;
            }
            None => {
                rubric_item::ActiveModel {
                    question_id: Set(None),
                    key: Set(item.key.to_owned()),
                    text: Set(item.text.to_owned()),
                    help: Set(item.help.to_owned()),
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

/// Loads one parsed bank inside the caller's transaction.
pub async fn load_bank(
    db: &impl ConnectionTrait,
    parsed: &Bank,
    owner_id: Option<i32>,
) -> Result<ImportCounts, sea_orm::DbErr> {
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

    let mut counts = ImportCounts::default();
    for (position, q) in parsed.questions.iter().enumerate() {
        let position = position as i32;
        let competency_id = *competency_ids.get(q.competency.as_str()).ok_or_else(|| {
            sea_orm::DbErr::Custom(format!(
                "question {} names an undeclared competency {}",
                q.id, q.competency
            ))
        })?;
        let wanted = question::Model {
            id: 0,
            bank_id: stored_bank.id,
            competency_id,
            key: q.id.clone(),
            prompt: q.prompt.clone(),
            variants: json_list(&q.variants),
            follow_ups: json_list(&q.follow_ups),
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
                let inserted = question::ActiveModel {
                    bank_id: Set(wanted.bank_id),
                    competency_id: Set(wanted.competency_id),
                    key: Set(wanted.key.clone()),
                    prompt: Set(wanted.prompt.clone()),
                    variants: Set(wanted.variants.clone()),
                    follow_ups: Set(wanted.follow_ups.clone()),
                    tags: Set(wanted.tags.clone()),
                    level: Set(wanted.level.clone()),
                    position: Set(wanted.position),
                    retired: Set(false),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                (inserted.id, true, false)
            }
        };
        changed |= sync_rubric(db, question_id, &q.rubric).await?;
        if added {
            counts.added += 1;
        } else if changed {
            counts.updated += 1;
        } else {
            counts.unchanged += 1;
        }
    }

    for (_, stale) in existing_questions {
        if !stale.retired {
            let mut active: question::ActiveModel = stale.into();
            active.retired = Set(true);
            active.updated_at = Set(now);
            active.update(db).await?;
            counts.retired += 1;
        }
    }
    Ok(counts)
}

/// Makes a question's rubric items match the file; returns whether anything changed.
async fn sync_rubric(
    db: &impl ConnectionTrait,
    question_id: i32,
    wanted: &[String],
) -> Result<bool, sea_orm::DbErr> {
    let existing = rubric_item::Entity::find()
        .filter(rubric_item::Column::QuestionId.eq(question_id))
        .order_by_asc(rubric_item::Column::Position)
        .all(db)
        .await?;
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
                rubric_item::ActiveModel {
                    question_id: Set(Some(question_id)),
                    key: Set(key),
                    text: Set(text.clone()),
                    help: Set(String::new()),
                    position: Set(position),
                    retired: Set(false),
                    ..Default::default()
                }
                .insert(db)
                .await?;
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
