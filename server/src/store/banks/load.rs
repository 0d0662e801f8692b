//! Loading a parsed bank into the database: questions added, updated or retired by id, rubric
//! items kept by their wording so that learners' ticks stay attached.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Serialize;
use starling_domain::bank::{
    plan::{plan, Change, Fields, ItemStep, StoredItem, StoredQuestion},
    Bank,
};

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

    let competency_keys: HashMap<i32, &str> = existing_competencies
        .values()
        .map(|c| (c.id, c.key.as_str()))
        .collect();
    let existing_questions: HashMap<String, question::Model> = question::Entity::find()
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
    let stored: Vec<StoredQuestion> = existing_questions
        .values()
        .map(|q| stored_question(q, &competency_keys, &rubric_by_question))
        .collect();
    let steps = plan(&stored, parsed);

    let competency_of = |fields: &Fields, key: &str| {
        competency_ids
            .get(fields.competency.as_str())
            .copied()
            .ok_or_else(|| {
                sea_orm::DbErr::Custom(format!(
                    "question {key} names an undeclared competency {}",
                    fields.competency
                ))
            })
    };

    // New questions are written in batches, then their ids read back by key:
    // a large bank takes a few statements instead of one per question.
    let mut fresh = Vec::new();
    for step in steps.iter().filter(|s| s.change == Change::Added) {
        if let Some(fields) = &step.write {
            let mut row = question_row(fields, competency_of(fields, &step.key)?, now);
            row.bank_id = Set(stored_bank.id);
            row.key = Set(step.key.clone());
            fresh.push(row);
        }
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

    let mut rubric_inserts = Vec::new();
    let mut report = ImportReport::default();
    for step in steps {
        let question_id = match existing_questions.get(&step.key) {
            Some(found) => {
                if let Some(fields) = &step.write {
                    let mut active: question::ActiveModel =
                        question_row(fields, competency_of(fields, &step.key)?, now);
                    active.id = Set(found.id);
                    active.update(db).await?;
                }
                if step.change == Change::Retired {
                    let mut active: question::ActiveModel = found.clone().into();
                    active.retired = Set(true);
                    active.updated_at = Set(now);
                    active.update(db).await?;
                }
                found.id
            }
            None => new_ids.get(&step.key).copied().ok_or_else(|| {
                sea_orm::DbErr::RecordNotFound(format!("question {} after insert", step.key))
            })?,
        };
        let items = rubric_by_question.remove(&question_id).unwrap_or_default();
        apply_rubric(db, question_id, items, step.rubric, &mut rubric_inserts).await?;
        if rubric_inserts.len() >= RUBRIC_BATCH {
            flush_rubric(db, &mut rubric_inserts).await?;
        }
        match step.change {
            Change::Added => report.counts.added += 1,
            Change::Updated => report.counts.updated += 1,
            Change::Unchanged => report.counts.unchanged += 1,
            Change::Retired => report.counts.retired += 1,
        }
        report.changes.push(QuestionChange {
            id: step.key,
            prompt: step.prompt,
            change: step.change.as_str(),
        });
    }
    flush_rubric(db, &mut rubric_inserts).await?;
    Ok(report)
}

/// A stored question as the import plan compares it.
fn stored_question(
    q: &question::Model,
    competency_keys: &HashMap<i32, &str>,
    rubric_by_question: &HashMap<i32, Vec<rubric_item::Model>>,
) -> StoredQuestion {
    let list = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();
    StoredQuestion {
        key: q.key.clone(),
        fields: Fields {
            competency: competency_keys
                .get(&q.competency_id)
                .map(|k| (*k).to_owned())
                .unwrap_or_default(),
            prompt: q.prompt.clone(),
            variants: list(&q.variants),
            follow_ups: list(&q.follow_ups),
            red_flags: list(&q.red_flags),
            tags: list(&q.tags),
            level: list(&q.level),
            position: q.position,
        },
        retired: q.retired,
        rubric: rubric_by_question
            .get(&q.id)
            .map(|items| {
                items
                    .iter()
                    .map(|i| StoredItem {
                        key: i.key.clone(),
                        text: i.text.clone(),
                        position: i.position,
                        retired: i.retired,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The columns an import writes for a question, active.
fn question_row(
    fields: &Fields,
    competency_id: i32,
    now: chrono::DateTime<Utc>,
) -> question::ActiveModel {
    question::ActiveModel {
        competency_id: Set(competency_id),
        prompt: Set(fields.prompt.clone()),
        variants: Set(json_list(&fields.variants)),
        follow_ups: Set(json_list(&fields.follow_ups)),
        red_flags: Set(json_list(&fields.red_flags)),
        tags: Set(json_list(&fields.tags)),
        level: Set(json_list(&fields.level)),
        position: Set(fields.position),
        retired: Set(false),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Applies a question's rubric steps. New items are queued in `inserts` so
/// that a large import writes them in a few statements.
async fn apply_rubric(
    db: &impl ConnectionTrait,
    question_id: i32,
    stored: Vec<rubric_item::Model>,
    steps: Vec<ItemStep>,
    inserts: &mut Vec<rubric_item::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    let mut by_key: HashMap<String, rubric_item::Model> =
        stored.into_iter().map(|i| (i.key.clone(), i)).collect();
    for step in steps {
        match step {
            ItemStep::Insert {
                key,
                text,
                position,
            } => inserts.push(rubric_item::ActiveModel {
                question_id: Set(Some(question_id)),
                key: Set(key),
                text: Set(text),
                help: Set(String::new()),
                position: Set(position),
                retired: Set(false),
                ..Default::default()
            }),
            ItemStep::Update {
                key,
                text,
                position,
            } => {
                if let Some(found) = by_key.remove(&key) {
                    let mut active: rubric_item::ActiveModel = found.into();
                    active.text = Set(text);
                    active.position = Set(position);
                    active.retired = Set(false);
                    active.update(db).await?;
                }
            }
            ItemStep::Retire { key } => {
                if let Some(found) = by_key.remove(&key) {
                    let mut active: rubric_item::ActiveModel = found.into();
                    active.retired = Set(true);
                    active.update(db).await?;
                }
            }
        }
    }
    Ok(())
}
