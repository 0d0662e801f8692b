//! What the queue draws from: the user's active cards, the questions new cards come from (the
//! learner's level first), capped counts, and the interview window's coverage per competency.

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, Func, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use starling_domain::level::Level;

use super::{clock_for, interview_date_of};
use crate::entities::{card, question, review_log, user};

/// Cards of active questions in banks the user can see, neither suspended
/// nor buried.
pub(crate) fn own_active_cards(
    user_id: i32,
    bank_ids: Vec<i32>,
    now: DateTime<Utc>,
) -> sea_orm::Select<card::Entity> {
    own_cards_of_questions(
        user_id,
        now,
        sea_orm::Condition::all()
            .add(question::Column::BankId.is_in(bank_ids))
            .add(question::Column::Retired.eq(false)),
    )
}

/// The user's cards, neither suspended nor buried, whose question meets
/// `questions`.
fn own_cards_of_questions(
    user_id: i32,
    now: DateTime<Utc>,
    questions: sea_orm::Condition,
) -> sea_orm::Select<card::Entity> {
    card::Entity::find()
        .filter(card::Column::UserId.eq(user_id))
        .filter(card::Column::Suspended.eq(false))
        .filter(
            sea_orm::Condition::any()
                .add(card::Column::BuriedUntil.is_null())
                .add(card::Column::BuriedUntil.lte(now)),
        )
        // Correlated, so the queue's `ORDER BY due LIMIT 1` walks the
        // (user_id, due) index and looks up each card's question by key,
        // instead of first listing every active question of the banks.
        .filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(question::Entity)
                .cond_where(
                    sea_orm::Condition::all()
                        .add(sea_orm::sea_query::ExprTrait::equals(
                            Expr::col((question::Entity, question::Column::Id)),
                            (card::Entity, card::Column::QuestionId),
                        ))
                        .add(questions),
                )
                .to_owned(),
        ))
}

/// How many rows `select` finds, counting at most `cap`: the query stops at
/// the cap, so a count only ever shown capped by a daily limit costs no more
/// than the limit. Rows are visited in the select's order.
pub(super) async fn count_at_most<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    cap: u64,
) -> Result<u64, sea_orm::DbErr> {
    if cap == 0 {
        return Ok(0);
    }
    let capped = select
        .select_only()
        .expr(Expr::val(1))
        .limit(cap)
        .into_query();
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(capped, "capped")
        .to_owned();
    Ok(match db.query_one(&count).await? {
        Some(row) => row.try_get::<i64>("", "n")?.max(0) as u64,
        None => 0,
    })
}

/// Questions new cards may come from: active, in a practised bank the user
/// can see, in a competency they have not switched off.
#[derive(Clone, Debug)]
pub(super) struct NewCardSource {
    pub(super) bank_ids: Vec<i32>,
    pub(super) skipped_competencies: Vec<i32>,
}

impl NewCardSource {
    pub(super) async fn for_user(
        db: &impl ConnectionTrait,
        user_id: i32,
        visible: &[i32],
    ) -> Result<Self, sea_orm::DbErr> {
        let choices = crate::store::choices::for_user(db, user_id).await?;
        Ok(Self {
            bank_ids: visible
                .iter()
                .copied()
                .filter(|id| choices.practises_bank(*id))
                .collect(),
            skipped_competencies: choices.skipped_competencies.into_iter().collect(),
        })
    }

    /// The conditions on a question new cards may come from.
    pub(super) fn questions(&self) -> sea_orm::Condition {
        sea_orm::Condition::all()
            .add(question::Column::BankId.is_in(self.bank_ids.clone()))
            .add(question::Column::Retired.eq(false))
            .add(question::Column::CompetencyId.is_not_in(self.skipped_competencies.clone()))
    }

    /// Cards shown but never graded (and not suspended or buried). The
    /// source's banks are among the visible ones, so one lookup of each
    /// card's question checks both.
    pub(super) fn started_cards(
        &self,
        user_id: i32,
        now: DateTime<Utc>,
    ) -> sea_orm::Select<card::Entity> {
        own_cards_of_questions(user_id, now, self.questions())
            .filter(card::Column::State.eq(card::State::New))
    }

    /// Questions the user has no card for yet, in the order their new cards
    /// come: those for the learner's `level` first (when they chose one),
    /// then by bank and place in the bank.
    pub(super) fn uncarded_in_order(
        &self,
        user_id: i32,
        level: Option<Level>,
    ) -> sea_orm::Select<question::Entity> {
        let mut select = self.uncarded(user_id);
        if let Some(level) = level {
            select = select.order_by(for_level_first(level), Order::Asc);
        }
        select
            .order_by_asc(question::Column::BankId)
            .order_by_asc(question::Column::Position)
    }

    /// Questions the user has no card for yet.
    pub(super) fn uncarded(&self, user_id: i32) -> sea_orm::Select<question::Entity> {
        question::Entity::find()
            .filter(self.questions())
            // NOT EXISTS, so each question's card is looked up by the
            // (user_id, question_id) index instead of hashing all the cards.
            .filter(
                sea_orm::Condition::all().not().add(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(card::Entity)
                        .and_where(card::Column::UserId.eq(user_id))
                        .and_where(sea_orm::sea_query::ExprTrait::equals(
                            Expr::col((card::Entity, card::Column::QuestionId)),
                            (question::Entity, question::Column::Id),
                        ))
                        .to_owned(),
                )),
            )
    }
}

/// An ORDER BY key putting the questions that suit `level` first: 0 when a
/// question's `level` list names it or is empty (the question suits every
/// level), 1 otherwise. The list is JSON text such as
/// `["first-time","experienced"]` and level names hold no quotes, so the
/// quoted name matches a whole item only; the text is lowered so that
/// SQLite's case-blind LIKE and PostgreSQL's case-sensitive one agree.
fn for_level_first(level: Level) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    let levels = Expr::col((question::Entity, question::Column::Level));
    Expr::case(
        sea_orm::Condition::any()
            .add(ExprTrait::eq(levels.clone(), "[]"))
            .add(ExprTrait::like(
                Func::lower(levels),
                format!("%\"{level}\"%"),
            )),
        0,
    )
    .finally(1)
    .into()
}

/// How far back reviews count towards covering a competency for an interview.
pub const INTERVIEW_WINDOW_DAYS: u64 = 30;

/// When an interview is ahead: the start of the window whose reviews count
/// towards it (30 study days before the interview day).
pub fn interview_window(user: &user::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let clock = clock_for(user);
    let date = interview_date_of(user).filter(|d| *d > clock.day_of(now))?;
    let start = date
        .checked_sub_days(chrono::Days::new(INTERVIEW_WINDOW_DAYS))
        .unwrap_or(date);
    Some(clock.day_start(start))
}

/// Reviews (grades not undone) since `since`, per competency id.
pub async fn competency_reviews(
    db: &impl ConnectionTrait,
    user_id: i32,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<i32, u64>, sea_orm::DbErr> {
    let rows: Vec<(i32,)> = review_log::Entity::find()
        .select_only()
        .column(question::Column::CompetencyId)
        .join(
            sea_orm::JoinType::InnerJoin,
            review_log::Entity::belongs_to(card::Entity)
                .from(review_log::Column::CardId)
                .to(card::Column::Id)
                .into(),
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            card::Entity::belongs_to(question::Entity)
                .from(card::Column::QuestionId)
                .to(question::Column::Id)
                .into(),
        )
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::ReviewedAt.gte(since))
        .filter(review_log::Column::UndoneAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for (competency,) in rows {
        *counts.entry(competency).or_insert(0) += 1;
    }
    Ok(counts)
}
