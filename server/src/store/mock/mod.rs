//! Mock interview rounds: a timed round of questions picked for what the
//! learner needs (due, weak, never practised), asked one at a time; every
//! answer is a real attempt, and grading it in the summary is a review of
//! its card like any other.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use starling_domain::mock::{pick, questions_for, weight, Candidate, MAX_MINUTES, MIN_MINUTES};

use crate::{
    entities::{
        answer, card, competency, mock_interview, mock_question, question, review_log, user,
    },
    error::AppError,
    store::{
        choices,
        questions::{decode_list, visible_bank_ids},
        stories::taggable_competencies,
    },
};

mod answering;

pub use answering::{answer, finish, grade, summary, Answered, Summary, SummaryItem};

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct RoundQuestion {
    /// The question's id.
    pub id: i32,
    pub position: i32,
    pub prompt: String,
    pub competency: String,
    pub competency_name: String,
    pub follow_ups: Vec<String>,
    /// What a weak answer to this question shows.
    pub red_flags: Vec<String>,
    pub answer_id: Option<i32>,
    pub card_id: Option<i32>,
    pub seconds_spent: i32,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Round {
    pub id: i32,
    pub minutes: i32,
    pub competencies: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// When the round's time is up: `created_at` plus `minutes`.
    pub ends_at: DateTime<Utc>,
    /// The time each question may take: the round's minutes shared equally
    /// among its questions, in seconds.
    pub target_seconds: i32,
    pub finished_at: Option<DateTime<Utc>>,
    pub questions: Vec<RoundQuestion>,
}

/// The time each of `questions` questions may take in a round of `minutes`.
pub fn target_seconds(minutes: i32, questions: usize) -> i32 {
    minutes * 60 / (questions.max(1) as i32)
}

impl Round {
    /// The first question not answered yet.
    pub fn current(&self) -> Option<&RoundQuestion> {
        self.questions.iter().find(|q| q.answer_id.is_none())
    }
}

/// Starts a round of `minutes` over `keys` (empty: every competency the learner practises).
pub async fn create(
    db: &DatabaseConnection,
    user: &user::Model,
    minutes: i64,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Round, AppError> {
    if !(i64::from(MIN_MINUTES)..=i64::from(MAX_MINUTES)).contains(&minutes) {
        return Err(AppError::invalid(
            "minutes",
            format!("a round lasts {MIN_MINUTES} to {MAX_MINUTES} minutes, not {minutes}"),
        ));
    }
    let known = taggable_competencies(db, user.id).await?;
    let mut wanted: Vec<String> = Vec::new();
    for key in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if !known.iter().any(|c| c.key == key) {
            return Err(AppError::invalid(
                "competencies",
                format!("unknown competency `{key}`"),
            ));
        }
        if !wanted.iter().any(|w| w == key) {
            wanted.push(key.to_owned());
        }
    }
    let keys: HashSet<String> = if wanted.is_empty() {
        known
            .iter()
            .filter(|c| c.practised)
            .map(|c| c.key.clone())
            .collect()
    } else {
        wanted.iter().cloned().collect()
    };
    // Questions of those competencies in banks the learner practises.
    let choices = choices::for_user(db, user.id).await?;
    let banks: Vec<i32> = visible_bank_ids(db, user.id)
        .await?
        .into_iter()
        .filter(|b| choices.practises_bank(*b))
        .collect();
    let competencies: HashMap<i32, String> = competency::Entity::find()
        .filter(competency::Column::BankId.is_in(banks.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter(|c| {
            keys.contains(&c.key)
                && (!wanted.is_empty() || !choices.skipped_competencies.contains(&c.id))
        })
        .map(|c| (c.id, c.key))
        .collect();
    let questions = question::Entity::find()
        .filter(question::Column::BankId.is_in(banks))
        .filter(question::Column::Retired.eq(false))
        .filter(
            question::Column::CompetencyId.is_in(competencies.keys().copied().collect::<Vec<_>>()),
        )
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?;
    if questions.is_empty() {
        return Err(AppError::invalid(
            "competencies",
            "no questions to ask for these competencies",
        ));
    }
    // What the learner needs: due cards, recent trouble, competencies never answered.
    let cards: HashMap<i32, card::Model> = card::Entity::find()
        .filter(card::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.question_id, c))
        .collect();
    let mut trouble: HashMap<i32, Vec<i16>> = HashMap::new();
    for log in review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user.id))
        .filter(review_log::Column::UndoneAt.is_null())
        .order_by_desc(review_log::Column::ReviewedAt)
        .all(db)
        .await?
    {
        let recent = trouble.entry(log.card_id).or_default();
        if recent.len() < 3 {
            recent.push(log.rating);
        }
    }
    let answered: HashSet<i32> = answer::Entity::find()
        .filter(answer::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.question_id)
        .collect();
    let practised_competencies: HashSet<&str> = questions
        .iter()
        .filter(|q| answered.contains(&q.id))
        .filter_map(|q| competencies.get(&q.competency_id).map(String::as_str))
        .collect();
    let candidates: Vec<Candidate> = questions
        .iter()
        .map(|q| {
            let key = competencies
                .get(&q.competency_id)
                .cloned()
                .unwrap_or_default();
            let card = cards.get(&q.id);
            let due = card.is_some_and(|c| c.state != card::State::New && c.due <= now);
            let weakness = card
                .and_then(|c| trouble.get(&c.id))
                .map(|ratings| {
                    ratings.iter().filter(|r| **r <= 2).count() as f64 / ratings.len().max(1) as f64
                })
                .unwrap_or(0.0);
            Candidate {
                question_id: q.id,
                weight: weight(
                    due,
                    weakness,
                    !practised_competencies.contains(key.as_str()),
                ),
                competency: key,
            }
        })
        .collect();
    let seed = (now.timestamp_nanos_opt().unwrap_or(0) as u64) ^ ((user.id as u64) << 32);
    let order = pick(&candidates, questions_for(minutes as u32), seed);

    let txn = crate::db::begin_write(db).await?;
    let round = mock_interview::ActiveModel {
        user_id: Set(user.id),
        minutes: Set(minutes as i32),
        competencies: Set(serde_json::to_string(&wanted).unwrap_or_else(|_| "[]".to_owned())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mock_question::Entity::insert_many(order.iter().enumerate().map(|(n, &i)| {
        mock_question::ActiveModel {
            mock_id: Set(round.id),
            position: Set(n as i32 + 1),
            question_id: Set(candidates[i].question_id),
            ..Default::default()
        }
    }))
    .exec(&txn)
    .await?;
    txn.commit().await?;
    get(db, user.id, round.id).await
}

/// One of the user's rounds; anyone else's is "not found".
pub async fn get(db: &impl ConnectionTrait, user_id: i32, mock_id: i32) -> Result<Round, AppError> {
    let round = mock_interview::Entity::find_by_id(mock_id)
        .filter(mock_interview::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("mock interview"))?;
    let rows = mock_question::Entity::find()
        .filter(mock_question::Column::MockId.eq(round.id))
        .order_by_asc(mock_question::Column::Position)
        .all(db)
        .await?;
    let questions: HashMap<i32, question::Model> = question::Entity::find()
        .filter(question::Column::Id.is_in(rows.iter().map(|r| r.question_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let competencies = crate::store::questions::competencies_of(db, questions.values()).await?;
    Ok(Round {
        id: round.id,
        minutes: round.minutes,
        competencies: serde_json::from_str(&round.competencies).unwrap_or_default(),
        created_at: round.created_at,
        ends_at: round.created_at + chrono::Duration::minutes(i64::from(round.minutes)),
        target_seconds: target_seconds(round.minutes, rows.len()),
        finished_at: round.finished_at,
        questions: rows
            .into_iter()
            .filter_map(|row| {
                let q = questions.get(&row.question_id)?;
                let c = competencies.get(&q.competency_id);
                Some(RoundQuestion {
                    id: q.id,
                    position: row.position,
                    prompt: q.prompt.clone(),
                    competency: c.map(|c| c.key.clone()).unwrap_or_default(),
                    competency_name: c.map(|c| c.name.clone()).unwrap_or_default(),
                    follow_ups: decode_list(&q.follow_ups),
                    red_flags: decode_list(&q.red_flags),
                    answer_id: row.answer_id,
                    card_id: row.card_id,
                    seconds_spent: row.seconds_spent,
                })
            })
            .collect(),
    })
}

/// The user's rounds, newest first.
pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<Round>, AppError> {
    let ids: Vec<i32> = mock_interview::Entity::find()
        .filter(mock_interview::Column::UserId.eq(user_id))
        .order_by_desc(mock_interview::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut out = Vec::new();
    for id in ids.into_iter().take(50) {
        out.push(get(db, user_id, id).await?);
    }
    Ok(out)
}
