//! A round under way and after: answering its questions, grading them, finishing, the summary.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use starling_domain::schedule::Rating;

use super::{get, Round};
use crate::{
    entities::{
        answer, card, mock_interview, mock_question, review, review_item, review_log, user,
    },
    error::AppError,
    store::{
        answers::{self, StarFields},
        practice,
        questions::checklist,
    },
};

/// What answering a question of the round gives back: the follow-ups the
/// interviewer would ask now, and the automatic analysis.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Answered {
    pub position: i32,
    pub answer_id: i32,
    pub card_id: i32,
    pub follow_ups: Vec<String>,
    /// What a weak answer to the question shows, to compare the answer with.
    pub red_flags: Vec<String>,
    pub analysis: starling_domain::analysis::Analysis,
    /// The next question's position, or `None` when the round is over.
    pub next_position: Option<i32>,
}

/// Answers the round's current question (questions are answered in order).
pub async fn answer(
    db: &DatabaseConnection,
    user: &user::Model,
    mock_id: i32,
    position: i32,
    fields: StarFields,
    seconds_spent: i64,
    now: DateTime<Utc>,
) -> Result<Answered, AppError> {
    let round = get(db, user.id, mock_id).await?;
    let asked = round
        .questions
        .iter()
        .find(|q| q.position == position)
        .ok_or(AppError::NotFound("question of this round"))?;
    if asked.answer_id.is_some() {
        return Err(AppError::Conflict(format!(
            "question {position} is already answered"
        )));
    }
    if let Some(current) = round.current().filter(|c| c.position != position) {
        return Err(AppError::Conflict(format!(
            "answer question {} first: a round goes in order",
            current.position
        )));
    }
    let saved =
        answers::create_answer(db, user.id, asked.id, fields, seconds_spent, None, now).await?;
    let card = practice::card_for_question(db, user.id, asked.id, now).await?;
    let txn = crate::db::begin_write(db).await?;
    let updated = mock_question::Entity::update_many()
        .col_expr(
            mock_question::Column::AnswerId,
            sea_orm::sea_query::Expr::value(saved.id),
        )
        .col_expr(
            mock_question::Column::CardId,
            sea_orm::sea_query::Expr::value(card.id),
        )
        .col_expr(
            mock_question::Column::AnsweredAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            mock_question::Column::SecondsSpent,
            sea_orm::sea_query::Expr::value(saved.seconds_spent),
        )
        .filter(mock_question::Column::MockId.eq(mock_id))
        .filter(mock_question::Column::Position.eq(position))
        .filter(mock_question::Column::AnswerId.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "question {position} is already answered"
        )));
    }
    let next_position = round
        .questions
        .iter()
        .find(|q| q.answer_id.is_none() && q.position != position)
        .map(|q| q.position);
    if next_position.is_none() {
        mock_interview::Entity::update_many()
            .col_expr(
                mock_interview::Column::FinishedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(mock_interview::Column::Id.eq(mock_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Answered {
        position,
        answer_id: saved.id,
        card_id: card.id,
        follow_ups: asked.follow_ups.clone(),
        red_flags: asked.red_flags.clone(),
        analysis: answers::analyse(&saved),
        next_position,
    })
}

/// Ends a round early; unanswered questions are simply not asked.
pub async fn finish(
    db: &DatabaseConnection,
    user_id: i32,
    mock_id: i32,
    now: DateTime<Utc>,
) -> Result<Round, AppError> {
    let round = get(db, user_id, mock_id).await?;
    if round.finished_at.is_none() {
        mock_interview::Entity::update_many()
            .col_expr(
                mock_interview::Column::FinishedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(mock_interview::Column::Id.eq(mock_id))
            .exec(db)
            .await?;
    }
    get(db, user_id, mock_id).await
}

/// Grades an answered question of the round: a review of its card.
pub async fn grade(
    db: &DatabaseConnection,
    user: &user::Model,
    mock_id: i32,
    position: i32,
    rating: Rating,
    now: DateTime<Utc>,
) -> Result<card::Model, AppError> {
    let round = get(db, user.id, mock_id).await?;
    let asked = round
        .questions
        .iter()
        .find(|q| q.position == position)
        .ok_or(AppError::NotFound("question of this round"))?;
    let (Some(answer_id), Some(card_id)) = (asked.answer_id, asked.card_id) else {
        return Err(AppError::invalid(
            "position",
            format!("question {position} has not been answered"),
        ));
    };
    practice::grade_card(db, user, card_id, rating, Some(answer_id), now).await
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct SummaryItem {
    pub position: i32,
    pub question_id: i32,
    pub prompt: String,
    pub competency_name: String,
    pub answer_id: Option<i32>,
    pub card_id: Option<i32>,
    pub seconds_spent: i32,
    pub words: usize,
    pub hints: Vec<starling_domain::analysis::Hint>,
    /// The answer's text, when the question was answered.
    pub answer: Option<StarFields>,
    /// The automatic analysis of the answer (its hints are `hints`).
    pub analysis: Option<starling_domain::analysis::Analysis>,
    /// Checklist items ticked in the self-review, and the checklist's size.
    pub met: Option<usize>,
    pub total_items: usize,
    pub rating: Option<&'static str>,
    pub due: Option<DateTime<Utc>>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Summary {
    pub round: Round,
    pub items: Vec<SummaryItem>,
    pub seconds_total: i32,
    pub answered: usize,
    pub graded: usize,
}

/// The round's summary: time per answer, hints, coverage and grades.
pub async fn summary(
    db: &DatabaseConnection,
    user_id: i32,
    mock_id: i32,
) -> Result<Summary, AppError> {
    let round = get(db, user_id, mock_id).await?;
    let answer_ids: Vec<i32> = round.questions.iter().filter_map(|q| q.answer_id).collect();
    let answers: HashMap<i32, answer::Model> = answer::Entity::find()
        .filter(answer::Column::Id.is_in(answer_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let reviews: HashMap<i32, i32> = review::Entity::find()
        .filter(review::Column::AnswerId.is_in(answer_ids.clone()))
        .filter(review::Column::ReviewerId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.answer_id, r.id))
        .collect();
    let mut ticks: HashMap<i32, HashSet<i32>> = HashMap::new();
    for item in review_item::Entity::find()
        .filter(review_item::Column::ReviewId.is_in(reviews.values().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
    {
        ticks
            .entry(item.review_id)
            .or_default()
            .insert(item.rubric_item_id);
    }
    let grades: HashMap<i32, review_log::Model> = review_log::Entity::find()
        .filter(review_log::Column::AnswerId.is_in(answer_ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|l| Some((l.answer_id?, l)))
        .collect();
    let mut items = Vec::new();
    for q in &round.questions {
        let found = q.answer_id.and_then(|id| answers.get(&id));
        let list = checklist(db, q.id).await?;
        let analysis = found.map(answers::analyse);
        let met = q.answer_id.and_then(|id| reviews.get(&id)).map(|review| {
            list.iter()
                .filter(|i| ticks.get(review).is_some_and(|t| t.contains(&i.id)))
                .count()
        });
        let grade = q.answer_id.and_then(|id| grades.get(&id));
        items.push(SummaryItem {
            position: q.position,
            question_id: q.id,
            prompt: q.prompt.clone(),
            competency_name: q.competency_name.clone(),
            answer_id: q.answer_id,
            card_id: q.card_id,
            seconds_spent: q.seconds_spent,
            words: analysis.as_ref().map_or(0, |a| a.words.total),
            hints: analysis
                .as_ref()
                .map(|a| a.hints.clone())
                .unwrap_or_default(),
            answer: found.map(answers::fields_of),
            analysis,
            met,
            total_items: list.len(),
            rating: grade.map(|g| answers::stored_rating(g.rating).as_str()),
            due: grade.map(|g| g.due),
        });
    }
    Ok(Summary {
        seconds_total: items.iter().map(|i| i.seconds_spent).sum(),
        answered: items.iter().filter(|i| i.answer_id.is_some()).count(),
        graded: items.iter().filter(|i| i.rating.is_some()).count(),
        items,
        round,
    })
}
