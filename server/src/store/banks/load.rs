//! Loading a parsed bank into the database: questions added, updated or retired by id, rubric
//! items kept by their wording so that learners' ticks stay attached.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use starling_domain::bank::Bank;

use crate::entities::{bank, competency, question, rubric_item};

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
