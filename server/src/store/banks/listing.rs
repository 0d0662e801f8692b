//! The banks a user can see, with their competencies and counts.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use starling_domain::bank::Bank;

use crate::entities::{bank, competency, question};

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
    use sea_orm::{sea_query::Expr, QuerySelect};
    let banks = bank::Entity::find()
        .filter(crate::store::questions::visible_banks(user_id))
        .order_by_asc(bank::Column::Title)
        .all(db)
        .await?;
    let bank_ids: Vec<i32> = banks.iter().map(|b| b.id).collect();
    let choices = crate::store::choices::for_user(db, user_id).await?;
    // Every competency of these banks, and their active questions counted
    // in one grouped query (not one query per competency).
    let mut competencies: HashMap<i32, Vec<competency::Model>> = HashMap::new();
    for c in competency::Entity::find()
        .filter(competency::Column::BankId.is_in(bank_ids.clone()))
        .order_by_asc(competency::Column::Position)
        .order_by_asc(competency::Column::Id)
        .all(db)
        .await?
    {
        competencies.entry(c.bank_id).or_default().push(c);
    }
    let counts: HashMap<i32, i64> = question::Entity::find()
        .select_only()
        .column(question::Column::CompetencyId)
        .expr(Expr::cust("COUNT(*)"))
        .filter(question::Column::BankId.is_in(bank_ids))
        .filter(question::Column::Retired.eq(false))
        .group_by(question::Column::CompetencyId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::with_capacity(banks.len());
    for b in banks {
        let mut comps = Vec::new();
        let mut total = 0;
        for c in competencies.remove(&b.id).unwrap_or_default() {
            let questions = counts.get(&c.id).copied().unwrap_or(0).max(0) as u64;
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
