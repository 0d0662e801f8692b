//! Coaches and learners: invite codes, links, what a linked coach may read
//! (all answers, or only the ones shared on that link) and the review queue.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use crate::{
    entities::{answer, coach_invite, coach_link, question, review, shared_answer, user},
    error::AppError,
};

/// How long an invite code stays valid.
pub const INVITE_DAYS: i64 = 7;

/// Letters and digits that cannot be mistaken for one another when read aloud.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

pub async fn create_invite(
    db: &impl ConnectionTrait,
    coach: &user::Model,
    now: DateTime<Utc>,
) -> Result<coach_invite::Model, AppError> {
    if coach.role == "learner" {
        return Err(AppError::Forbidden(
            "only coaches create invite codes; ask an administrator to make you a coach".to_owned(),
        ));
    }
    Ok(coach_invite::ActiveModel {
        coach_id: Set(coach.id),
        code: Set(new_code()),
        uses_left: Set(1),
        expires_at: Set(now + Duration::days(INVITE_DAYS)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A learner joins a coach with an invite code.
pub async fn join(
    db: &impl ConnectionTrait,
    learner: &user::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<coach_link::Model, AppError> {
    let code = code.trim().to_uppercase();
    let invite = coach_invite::Entity::find()
        .filter(coach_invite::Column::Code.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid("code", "no invite has this code; check it with your coach")
        })?;
    if invite.expires_at <= now {
        return Err(AppError::invalid(
            "code",
            format!(
                "this invite code expired on {}; ask your coach for a new one",
                invite.expires_at.format("%a %-d %b %Y")
            ),
        ));
    }
    if invite.coach_id == learner.id {
        return Err(AppError::invalid("code", "this is your own invite code"));
    }
    if active_link(db, invite.coach_id, learner.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "you are already linked to this coach".to_owned(),
        ));
    }
    // Take one use; of two learners racing for the last use only one wins.
    let taken = coach_invite::Entity::update_many()
        .col_expr(
            coach_invite::Column::UsesLeft,
            Expr::col(coach_invite::Column::UsesLeft).sub(Expr::val(1)),
        )
        .filter(coach_invite::Column::Id.eq(invite.id))
        .filter(coach_invite::Column::UsesLeft.gt(0))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Err(AppError::invalid(
            "code",
            "this invite code has already been used; ask your coach for a new one",
        ));
    }
    Ok(coach_link::ActiveModel {
        coach_id: Set(invite.coach_id),
        learner_id: Set(learner.id),
        share_all: Set(true),
        created_at: Set(now),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn active_link(
    db: &impl ConnectionTrait,
    coach_id: i32,
    learner_id: i32,
) -> Result<Option<coach_link::Model>, sea_orm::DbErr> {
    coach_link::Entity::find()
        .filter(coach_link::Column::CoachId.eq(coach_id))
        .filter(coach_link::Column::LearnerId.eq(learner_id))
        .filter(coach_link::Column::EndedAt.is_null())
        .one(db)
        .await
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct LinkView {
    pub id: i32,
    pub coach_id: i32,
    pub coach: String,
    pub learner_id: i32,
    pub learner: String,
    pub share_all: bool,
    pub created_at: DateTime<Utc>,
    /// The asking user's side of the link: `coach` or `learner`.
    pub my_role: &'static str,
}

/// The user's active links, as coach and as learner.
pub async fn links_of(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<Vec<LinkView>, sea_orm::DbErr> {
    let links = coach_link::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(coach_link::Column::CoachId.eq(user_id))
                .add(coach_link::Column::LearnerId.eq(user_id)),
        )
        .filter(coach_link::Column::EndedAt.is_null())
        .order_by_asc(coach_link::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = links
        .iter()
        .flat_map(|l| [l.coach_id, l.learner_id])
        .collect();
    let names: std::collections::HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(links
        .into_iter()
        .map(|l| LinkView {
            id: l.id,
            coach: names.get(&l.coach_id).cloned().unwrap_or_default(),
            learner: names.get(&l.learner_id).cloned().unwrap_or_default(),
            coach_id: l.coach_id,
            learner_id: l.learner_id,
            share_all: l.share_all,
            created_at: l.created_at,
            my_role: if l.coach_id == user_id {
                "coach"
            } else {
                "learner"
            },
        })
        .collect())
}

/// An active link the user is part of; any other id is "not found".
async fn my_link(
    db: &impl ConnectionTrait,
    user_id: i32,
    link_id: i32,
) -> Result<coach_link::Model, AppError> {
    coach_link::Entity::find_by_id(link_id)
        .filter(coach_link::Column::EndedAt.is_null())
        .one(db)
        .await?
        .filter(|l| l.coach_id == user_id || l.learner_id == user_id)
        .ok_or(AppError::NotFound("link"))
}

/// Either side ends a link; from then on the coach sees nothing new or old.
pub async fn end_link(
    db: &impl ConnectionTrait,
    user_id: i32,
    link_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let link = my_link(db, user_id, link_id).await?;
    let mut active: coach_link::ActiveModel = link.into();
    active.ended_at = Set(Some(now));
    active.update(db).await?;
    Ok(())
}

/// The learner switches a link between sharing every answer and sharing only chosen ones.
pub async fn set_share_all(
    db: &impl ConnectionTrait,
    learner_id: i32,
    link_id: i32,
    share_all: bool,
) -> Result<coach_link::Model, AppError> {
    let link = my_link(db, learner_id, link_id).await?;
    if link.learner_id != learner_id {
        return Err(AppError::Forbidden(
            "only the learner decides what a link shares".to_owned(),
        ));
    }
    let mut active: coach_link::ActiveModel = link.into();
    active.share_all = Set(share_all);
    Ok(active.update(db).await?)
}

/// Shares (or stops sharing) one of the learner's answers on one of their links.
pub async fn share_answer(
    db: &impl ConnectionTrait,
    learner_id: i32,
    answer_id: i32,
    link_id: i32,
    share: bool,
) -> Result<(), AppError> {
    crate::store::answers::own_answer(db, learner_id, answer_id).await?;
    let link = my_link(db, learner_id, link_id).await?;
    if link.learner_id != learner_id {
        return Err(AppError::NotFound("link"));
    }
    shared_answer::Entity::delete_many()
        .filter(shared_answer::Column::LinkId.eq(link_id))
        .filter(shared_answer::Column::AnswerId.eq(answer_id))
        .exec(db)
        .await?;
    if share {
        shared_answer::Entity::insert(shared_answer::ActiveModel {
            link_id: Set(link_id),
            answer_id: Set(answer_id),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Whether a coach may read an answer: an active link to its author that
/// shares everything, or shares this answer.
pub async fn coach_can_see(
    db: &impl ConnectionTrait,
    coach_id: i32,
    found: &answer::Model,
) -> Result<bool, sea_orm::DbErr> {
    let Some(link) = active_link(db, coach_id, found.user_id).await? else {
        return Ok(false);
    };
    if link.share_all {
        return Ok(true);
    }
    Ok(shared_answer::Entity::find_by_id((link.id, found.id))
        .one(db)
        .await?
        .is_some())
}

/// Who is reading an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Author,
    Coach,
}

/// An answer its author or a coach allowed to see it may read; for anyone
/// else it does not exist.
pub async fn readable_answer(
    db: &impl ConnectionTrait,
    user_id: i32,
    answer_id: i32,
) -> Result<(answer::Model, Reader), AppError> {
    let found = answer::Entity::find_by_id(answer_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("answer"))?;
    if found.user_id == user_id {
        return Ok((found, Reader::Author));
    }
    if coach_can_see(db, user_id, &found).await? {
        return Ok((found, Reader::Coach));
    }
    Err(AppError::NotFound("answer"))
}

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

/// Agreement between a learner's self-reviews and their coaches' reviews,
/// per checklist item, over the answers both reviewed.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Calibration {
    pub rubric_item_id: i32,
    pub text: String,
    /// Answers where both the learner and a coach reviewed this item's checklist.
    pub compared: u32,
    pub agreed: u32,
    /// The learner ticked it, the coach did not.
    pub over_rated: u32,
    /// The coach ticked it, the learner did not.
    pub under_rated: u32,
}

pub async fn calibration(
    db: &impl ConnectionTrait,
    learner_id: i32,
) -> Result<Vec<Calibration>, sea_orm::DbErr> {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use crate::entities::review_item;
    let answers: Vec<answer::Model> = answer::Entity::find()
        .filter(answer::Column::UserId.eq(learner_id))
        .all(db)
        .await?;
    let answer_ids: Vec<i32> = answers.iter().map(|a| a.id).collect();
    let reviews = review::Entity::find()
        .filter(review::Column::AnswerId.is_in(answer_ids))
        .all(db)
        .await?;
    let mut ticks: HashMap<i32, HashSet<i32>> = HashMap::new();
    for item in review_item::Entity::find()
        .filter(
            review_item::Column::ReviewId.is_in(reviews.iter().map(|r| r.id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?
    {
        ticks
            .entry(item.review_id)
            .or_default()
            .insert(item.rubric_item_id);
    }
    let empty = HashSet::new();
    let mut figures: BTreeMap<i32, Calibration> = BTreeMap::new();
    let question_of: HashMap<i32, i32> = answers.iter().map(|a| (a.id, a.question_id)).collect();
    for own in reviews.iter().filter(|r| r.kind == "self") {
        let Some(question_id) = question_of.get(&own.answer_id) else {
            continue;
        };
        let checklist = crate::store::questions::checklist(db, *question_id).await?;
        let own_ticks = ticks.get(&own.id).unwrap_or(&empty);
        for coach in reviews
            .iter()
            .filter(|r| r.kind == "coach" && r.answer_id == own.answer_id)
        {
            let coach_ticks = ticks.get(&coach.id).unwrap_or(&empty);
            for item in &checklist {
                let entry = figures.entry(item.id).or_insert_with(|| Calibration {
                    rubric_item_id: item.id,
                    text: item.text.clone(),
                    compared: 0,
                    agreed: 0,
                    over_rated: 0,
                    under_rated: 0,
                });
                entry.compared += 1;
                match (own_ticks.contains(&item.id), coach_ticks.contains(&item.id)) {
                    (true, false) => entry.over_rated += 1,
                    (false, true) => entry.under_rated += 1,
                    _ => entry.agreed += 1,
                }
            }
        }
    }
    let mut out: Vec<Calibration> = figures.into_values().collect();
    out.sort_by(|a, b| {
        b.over_rated
            .cmp(&a.over_rated)
            .then(a.rubric_item_id.cmp(&b.rubric_item_id))
    });
    Ok(out)
}

/// How often ticks agreed with Starling's suggestions on each built-in STAR
/// item: the learner's self-reviews, and their coaches' reviews.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct SuggestionAgreement {
    /// The STAR checklist item's key and text.
    pub key: String,
    pub text: String,
    /// Self-reviews of answers Starling analysed, and how many ticked this
    /// item as Starling suggested (met or not met).
    pub self_compared: u32,
    pub self_agreed: u32,
    /// The same for coaches' reviews of the learner's answers.
    pub coach_compared: u32,
    pub coach_agreed: u32,
}

/// The most recent reviewed answers the suggestion agreement looks at: the
/// analysis is cheap (well under a millisecond an answer) and this bounds it.
pub const AGREEMENT_ANSWERS: u64 = 300;

pub async fn suggestion_agreement(
    db: &impl ConnectionTrait,
    learner_id: i32,
) -> Result<Vec<SuggestionAgreement>, sea_orm::DbErr> {
    use std::collections::{HashMap, HashSet};

    use sea_orm::QuerySelect;

    use crate::entities::{review_item, rubric_item};
    let reviewed: Vec<(i32, i32, String)> = review::Entity::find()
        .select_only()
        .columns([
            review::Column::Id,
            review::Column::AnswerId,
            review::Column::Kind,
        ])
        .filter(
            review::Column::AnswerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(answer::Column::Id)
                    .from(answer::Entity)
                    .and_where(answer::Column::UserId.eq(learner_id))
                    .to_owned(),
            ),
        )
        .order_by_desc(review::Column::AnswerId)
        .into_tuple()
        .all(db)
        .await?;
    // The newest answers first, at most AGREEMENT_ANSWERS of them.
    let mut answer_ids: HashSet<i32> = HashSet::new();
    let mut reviews: Vec<&(i32, i32, String)> = Vec::new();
    for review in &reviewed {
        if answer_ids.len() as u64 == AGREEMENT_ANSWERS && !answer_ids.contains(&review.1) {
            break;
        }
        answer_ids.insert(review.1);
        reviews.push(review);
    }
    let suggested: HashMap<i32, starling_domain::analysis::Analysis> = answer::Entity::find()
        .filter(answer::Column::Id.is_in(answer_ids.iter().copied()))
        .all(db)
        .await?
        .iter()
        .map(|a| (a.id, crate::store::answers::analyse(a)))
        .collect();
    let ticks: HashSet<(i32, i32)> = review_item::Entity::find()
        .select_only()
        .columns([
            review_item::Column::ReviewId,
            review_item::Column::RubricItemId,
        ])
        .filter(review_item::Column::ReviewId.is_in(reviews.iter().map(|r| r.0)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let star: Vec<rubric_item::Model> = rubric_item::Entity::find()
        .filter(rubric_item::Column::QuestionId.is_null())
        .filter(rubric_item::Column::Retired.eq(false))
        .order_by_asc(rubric_item::Column::Position)
        .all(db)
        .await?;
    let mut out: Vec<SuggestionAgreement> = star
        .iter()
        .map(|item| SuggestionAgreement {
            key: item.key.clone(),
            text: item.text.clone(),
            self_compared: 0,
            self_agreed: 0,
            coach_compared: 0,
            coach_agreed: 0,
        })
        .collect();
    for (review_id, answer_id, kind) in reviews {
        let Some(analysis) = suggested.get(answer_id) else {
            continue;
        };
        for (item, figures) in star.iter().zip(out.iter_mut()) {
            let Some(suggestion) = analysis.star_items.iter().find(|s| s.key == item.key) else {
                continue;
            };
            let agreed = ticks.contains(&(*review_id, item.id)) == suggestion.met;
            let (compared, agreeing) = if kind == "self" {
                (&mut figures.self_compared, &mut figures.self_agreed)
            } else {
                (&mut figures.coach_compared, &mut figures.coach_agreed)
            };
            *compared += 1;
            *agreeing += u32::from(agreed);
        }
    }
    Ok(out)
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
        .filter(review::Column::Kind.eq("coach"))
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
        .filter(review::Column::Kind.eq("coach"))
        .filter(review::Column::SeenAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// For each of the learner's links that shares only chosen answers, whether
/// this answer is shared on it.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ShareChoice {
    pub link_id: i32,
    pub coach: String,
    pub shared: bool,
}

pub async fn share_choices(
    db: &impl ConnectionTrait,
    learner_id: i32,
    answer_id: i32,
) -> Result<Vec<ShareChoice>, sea_orm::DbErr> {
    let mut out = Vec::new();
    for link in links_of(db, learner_id)
        .await?
        .into_iter()
        .filter(|l| l.learner_id == learner_id && !l.share_all)
    {
        let shared = shared_answer::Entity::find_by_id((link.id, answer_id))
            .one(db)
            .await?
            .is_some();
        out.push(ShareChoice {
            link_id: link.id,
            coach: link.coach,
            shared,
        });
    }
    Ok(out)
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
    let streak_days = crate::store::stats::streak_of(db, learner, now)
        .await?
        .current;
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
            vec![
                crate::store::questions::visible_question(db, coach.id, id)
                    .await?
                    .id,
            ]
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

/// The oldest assigned question the learner has not started, if any.
pub async fn next_assigned_question(
    db: &impl ConnectionTrait,
    learner_id: i32,
    bank_ids: &[i32],
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
        if started.is_none_or(|c| c.state == "new") {
            return Ok(Some(q.id));
        }
    }
    Ok(None)
}
