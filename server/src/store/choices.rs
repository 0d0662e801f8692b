//! Which banks and competencies a learner practises. New cards come only from
//! practised banks and competencies; cards already started keep coming back.

use std::collections::HashSet;

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{bank_choice, competency, skipped_competency};

#[derive(Clone, Debug, Default)]
pub struct Choices {
    pub banks_off: HashSet<i32>,
    pub skipped_competencies: HashSet<i32>,
}

impl Choices {
    pub fn practises_bank(&self, bank_id: i32) -> bool {
        !self.banks_off.contains(&bank_id)
    }
}

pub async fn for_user(db: &impl ConnectionTrait, user_id: i32) -> Result<Choices, sea_orm::DbErr> {
    let banks_off = bank_choice::Entity::find()
        .filter(bank_choice::Column::UserId.eq(user_id))
        .filter(bank_choice::Column::Practise.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.bank_id)
        .collect();
    let skipped_competencies = skipped_competency::Entity::find()
        .filter(skipped_competency::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.competency_id)
        .collect();
    Ok(Choices {
        banks_off,
        skipped_competencies,
    })
}

/// Sets whether a bank is practised and which of its competencies are.
pub async fn set_for_bank(
    db: &sea_orm::DatabaseConnection,
    user_id: i32,
    bank_id: i32,
    practise: bool,
    practised_competency_keys: Option<&[String]>,
) -> Result<(), crate::error::AppError> {
    let competencies = competency::Entity::find()
        .filter(competency::Column::BankId.eq(bank_id))
        .all(db)
        .await?;
    if let Some(keys) = practised_competency_keys {
        if let Some(unknown) = keys
            .iter()
            .find(|k| !competencies.iter().any(|c| &c.key == *k))
        {
            return Err(crate::error::AppError::invalid(
                "competencies",
                format!("this bank has no competency {unknown:?}"),
            ));
        }
    }
    let txn = crate::db::begin_write(db).await?;
    bank_choice::Entity::delete_many()
        .filter(bank_choice::Column::UserId.eq(user_id))
        .filter(bank_choice::Column::BankId.eq(bank_id))
        .exec(&txn)
        .await?;
    if !practise {
        bank_choice::Entity::insert(bank_choice::ActiveModel {
            user_id: Set(user_id),
            bank_id: Set(bank_id),
            practise: Set(false),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    if let Some(keys) = practised_competency_keys {
        let ids: Vec<i32> = competencies.iter().map(|c| c.id).collect();
        skipped_competency::Entity::delete_many()
            .filter(skipped_competency::Column::UserId.eq(user_id))
            .filter(skipped_competency::Column::CompetencyId.is_in(ids))
            .exec(&txn)
            .await?;
        let skipped: Vec<skipped_competency::ActiveModel> = competencies
            .iter()
            .filter(|c| !keys.contains(&c.key))
            .map(|c| skipped_competency::ActiveModel {
                user_id: Set(user_id),
                competency_id: Set(c.id),
            })
            .collect();
        if !skipped.is_empty() {
            skipped_competency::Entity::insert_many(skipped)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}
