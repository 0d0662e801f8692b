//! The coach's side: the review queue, a learner's overview, assignments; and the learner's
//! unread feedback.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::links::active_link;
use crate::{
    entities::{answer, coach_link, question, review, shared_answer, user},
    error::AppError,
};

#[derive(utoipa::ToSchema, Clone, Debug, Serialize, FromQueryResult)]
pub struct QueueItem {
    pub answer_id: i32,
    pub learner: String,
    pub question_id: i32,
    pub prompt: String,
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
}

/// Answers the coach may see and has not reviewed yet, oldest first: those
/// of learners linked to the coach now, all of them or only the ones shared
/// on the link, in one query.
pub async fn queue(
    db: &impl ConnectionTrait,
    coach_id: i32,
) -> Result<Vec<QueueItem>, sea_orm::DbErr> {
    use sea_orm::sea_query::{Condition, Query};
    let shared = Query::select()
        .expr(Expr::val(1))
        .from(shared_answer::Entity)
        .and_where(
            Expr::col((shared_answer::Entity, shared_answer::Column::LinkId))
                .equals((coach_link::Entity, coach_link::Column::Id)),
        )
        .and_where(
            Expr::col((shared_answer::Entity, shared_answer::Column::AnswerId))
                .equals((answer::Entity, answer::Column::Id)),
        )
        .to_owned();
    let reviewed = Query::select()
        .expr(Expr::val(1))
        .from(review::Entity)
        .and_where(
            Expr::col((review::Entity, review::Column::AnswerId))
                .equals((answer::Entity, answer::Column::Id)),
        )
        .and_where(Expr::col((review::Entity, review::Column::ReviewerId)).eq(coach_id))
        .to_owned();
    let select = Query::select()
        .expr_as(Expr::col((answer::Entity, answer::Column::Id)), "answer_id")
        .expr_as(Expr::col((user::Entity, user::Column::Username)), "learner")
        .expr_as(
            Expr::col((answer::Entity, answer::Column::QuestionId)),
            "question_id",
        )
        .expr_as(
            Expr::col((question::Entity, question::Column::Prompt)),
            "prompt",
        )
        .expr_as(
            Expr::col((answer::Entity, answer::Column::Attempt)),
            "attempt",
        )
        .expr_as(
            Expr::col((answer::Entity, answer::Column::CreatedAt)),
            "created_at",
        )
        .from(answer::Entity)
        .inner_join(
            coach_link::Entity,
            Expr::col((coach_link::Entity, coach_link::Column::LearnerId))
                .equals((answer::Entity, answer::Column::UserId)),
        )
        .inner_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((answer::Entity, answer::Column::UserId)),
        )
        .inner_join(
            question::Entity,
            Expr::col((question::Entity, question::Column::Id))
                .equals((answer::Entity, answer::Column::QuestionId)),
        )
        .and_where(Expr::col((coach_link::Entity, coach_link::Column::CoachId)).eq(coach_id))
        .and_where(Expr::col((coach_link::Entity, coach_link::Column::EndedAt)).is_null())
        .cond_where(
            Condition::any()
                .add(Expr::col((coach_link::Entity, coach_link::Column::ShareAll)).eq(true))
                .add(Expr::exists(shared)),
        )
        .and_where(Expr::exists(reviewed).not())
        .order_by(
            (answer::Entity, answer::Column::CreatedAt),
            sea_orm::Order::Asc,
        )
        .order_by((answer::Entity, answer::Column::Id), sea_orm::Order::Asc)
        .to_owned();
    QueueItem::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await
}

/// Coach reviews of the learner's answers they have not opened yet.
fn unread_coach_reviews(learner_id: i32) -> sea_orm::Select<review::Entity> {
    review::Entity::find()
        .filter(
            review::Column::AnswerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(answer::Column::Id)
                    .from(answer::Entity)
                    .and_where(answer::Column::UserId.eq(learner_id))
                    .to_owned(),
            ),
        )
        .filter(review::Column::Kind.eq(review::Kind::Coach))
        .filter(review::Column::SeenAt.is_null())
}

/// How many coach reviews of the learner's answers they have not opened yet.
pub async fn unread_feedback(
    db: &impl ConnectionTrait,
    learner_id: i32,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    unread_coach_reviews(learner_id).count(db).await
}

/// The learner's answers with coach reviews they have not opened yet,
/// newest answer first: where the "new feedback" notice leads.
pub async fn answers_with_unread_feedback(
    db: &impl ConnectionTrait,
    learner_id: i32,
) -> Result<Vec<i32>, sea_orm::DbErr> {
    use sea_orm::QuerySelect;
    unread_coach_reviews(learner_id)
        .select_only()
        .column(review::Column::AnswerId)
        .distinct()
        .order_by_desc(review::Column::AnswerId)
        .into_tuple::<i32>()
        .all(db)
        .await
}

/// The learner opened an answer: its coach reviews are read.
pub async fn mark_feedback_seen(
    db: &impl ConnectionTrait,
    answer_id: i32,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    review::Entity::update_many()
        .col_expr(review::Column::SeenAt, Expr::value(Some(now)))
        .filter(review::Column::AnswerId.eq(answer_id))
        .filter(review::Column::Kind.eq(review::Kind::Coach))
        .filter(review::Column::SeenAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// What a coach's dashboard shows about one linked learner.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct LearnerOverview {
    pub last_practice: Option<DateTime<Utc>>,
    pub due_today: u64,
    /// The learner's current streak, as their Progress page shows it.
    pub streak_days: u32,
    pub competencies_answered: usize,
    pub competencies_total: usize,
}

pub async fn learner_overview(
    db: &impl ConnectionTrait,
    learner: &user::Model,
    now: DateTime<Utc>,
) -> Result<LearnerOverview, sea_orm::DbErr> {
    use std::collections::HashSet;

    use sea_orm::QuerySelect;

    use crate::entities::{competency, review_log};
    let last_practice: Option<DateTime<Utc>> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::ReviewedAt)
        .filter(review_log::Column::UserId.eq(learner.id))
        .order_by_desc(review_log::Column::ReviewedAt)
        .into_tuple()
        .one(db)
        .await?;
    let streak_days = crate::store::stats::current_streak_of(db, learner, now).await?;
    let answered: Vec<i32> = answer::Entity::find()
        .select_only()
        .column(answer::Column::QuestionId)
        .filter(answer::Column::UserId.eq(learner.id))
        .into_tuple()
        .all(db)
        .await?;
    let answered_competencies: HashSet<i32> = question::Entity::find()
        .filter(question::Column::Id.is_in(answered))
        .all(db)
        .await?
        .into_iter()
        .map(|q| q.competency_id)
        .collect();
    let bank_ids = crate::store::questions::visible_bank_ids(db, learner.id).await?;
    let competencies_total = competency::Entity::find()
        .filter(competency::Column::BankId.is_in(bank_ids))
        .all(db)
        .await?
        .len();
    Ok(LearnerOverview {
        last_practice,
        due_today: crate::store::practice::today(db, learner, now).await?.due(),
        streak_days,
        competencies_answered: answered_competencies.len(),
        competencies_total,
    })
}

/// A coach assigns a question, or every active question of a bank, to a
/// linked learner; returns how many were newly assigned.
pub async fn assign(
    db: &impl ConnectionTrait,
    coach: &user::Model,
    learner_id: i32,
    question_id: Option<i32>,
    bank_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    use crate::entities::assignment;
    if active_link(db, coach.id, learner_id).await?.is_none() {
        return Err(AppError::NotFound("linked learner"));
    }
    let question_ids: Vec<i32> = match (question_id, bank_key) {
        (Some(id), None) => {
            crate::store::questions::ensure_visible_question(db, coach.id, id).await?;
            vec![id]
        }
        (None, Some(key)) => {
            let bank = crate::store::banks::visible_bank(db, Some(coach.id), key).await?;
            question::Entity::find()
                .filter(question::Column::BankId.eq(bank.id))
                .filter(question::Column::Retired.eq(false))
                .order_by_asc(question::Column::Position)
                .all(db)
                .await?
                .into_iter()
                .map(|q| q.id)
                .collect()
        }
        _ => {
            return Err(AppError::invalid(
                "question_id",
                "assign either a question_id or a bank_id",
            ))
        }
    };
    let mut added = 0;
    for id in question_ids {
        let inserted = assignment::Entity::insert(assignment::ActiveModel {
            coach_id: Set(coach.id),
            learner_id: Set(learner_id),
            question_id: Set(id),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                assignment::Column::LearnerId,
                assignment::Column::QuestionId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        added += inserted;
    }
    Ok(added)
}

/// The oldest assigned question the learner has not graded yet (no card, or
/// a new one), if any; a card the learner suspended or buried waits as the
/// queue's other cards do.
pub async fn next_assigned_question(
    db: &impl ConnectionTrait,
    learner_id: i32,
    bank_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Option<i32>, sea_orm::DbErr> {
    use crate::entities::{assignment, card};
    for a in assignment::Entity::find()
        .filter(assignment::Column::LearnerId.eq(learner_id))
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?
    {
        let Some(q) = question::Entity::find_by_id(a.question_id).one(db).await? else {
            continue;
        };
        if q.retired || !bank_ids.contains(&q.bank_id) {
            continue;
        }
        let started = card::Entity::find()
            .filter(card::Column::UserId.eq(learner_id))
            .filter(card::Column::QuestionId.eq(q.id))
            .one(db)
            .await?;
        if started.is_none_or(|c| {
            c.state == card::State::New
                && !c.suspended
                && c.buried_until.is_none_or(|until| until <= now)
        }) {
            return Ok(Some(q.id));
        }
    }
    Ok(None)
}
