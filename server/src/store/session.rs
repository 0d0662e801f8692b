//! The day's practice as the learner sees it between questions: what a grade
//! just did, the summary once the queue is done, and the first-run start.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Condition, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::{
    entities::{answer, card, question, review, review_item, review_log, rubric_item, user},
    store::{
        answers::stored_rating,
        practice::{self, Today},
        questions::visible_bank_ids,
    },
};

/// What grading an attempt did, for the notice on the next page.
#[derive(Clone, Debug, Serialize)]
pub struct Graded {
    pub answer_id: i32,
    /// `again`, `hard`, `good` or `easy`.
    pub rating: &'static str,
    /// When the card comes back.
    pub due: DateTime<Utc>,
    /// `in 10 min` or `today 14:05` when the card comes back today; the
    /// page shows the day otherwise.
    pub back_soon: Option<String>,
    /// Whether this is the grade `POST /undo` would undo (the learner's
    /// latest one still standing).
    pub undoable: bool,
}

/// The grade of the user's own attempt `answer_id`, unless it was undone
/// (or the attempt is someone else's, or was never graded).
pub async fn graded(
    db: &impl ConnectionTrait,
    user: &user::Model,
    answer_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<Graded>, sea_orm::DbErr> {
    let standing = || {
        review_log::Entity::find()
            .filter(review_log::Column::UserId.eq(user.id))
            .filter(review_log::Column::UndoneAt.is_null())
    };
    let Some(log) = standing()
        .filter(review_log::Column::AnswerId.eq(answer_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let latest = standing()
        .select_only()
        .column(review_log::Column::Id)
        .order_by_desc(review_log::Column::ReviewedAt)
        .order_by_desc(review_log::Column::Id)
        .into_tuple::<i32>()
        .one(db)
        .await?;
    let tz = practice::clock_for(user).tz();
    Ok(Some(Graded {
        answer_id,
        rating: stored_rating(log.rating).as_str(),
        due: log.due,
        back_soon: soon(log.due, now, tz),
        undoable: latest == Some(log.id),
    }))
}

/// `in 8 min` within the hour, `today 14:05` later the same day (in the
/// learner's time zone), `now` when the time has come; `None` for another
/// day, which pages show with the `day` or `datetime` filter.
pub fn soon(due: DateTime<Utc>, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<String> {
    let seconds = (due - now).num_seconds();
    if seconds <= 0 {
        return Some("now".to_owned());
    }
    if seconds < 3600 {
        // Rounded up: a card due in 7 min 50 s is not yet due in 7 min.
        return Some(format!("in {} min", (seconds + 59) / 60));
    }
    let local = due.with_timezone(&tz);
    (local.date_naive() == now.with_timezone(&tz).date_naive())
        .then(|| format!("today {}", local.format("%H:%M")))
}

/// Time spent, for people: `under 1 min` for a real but short session (never
/// `0 min`), else whole minutes (`12 min`, `1 h 5 min`).
pub fn spent_label(seconds: i64) -> String {
    match seconds {
        ..=0 => "0 min".to_owned(),
        1..=59 => "under 1 min".to_owned(),
        _ => {
            let minutes = (seconds + 30) / 60;
            match (minutes / 60, minutes % 60) {
                (0, m) => format!("{m} min"),
                (h, 0) => format!("{h} h"),
                (h, m) => format!("{h} h {m} min"),
            }
        }
    }
}

/// The study day so far: what was answered, how long it took, how much of
/// each checklist the answers met compared with the attempt before, and when
/// the next review is due.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Serialize)]
pub struct SessionSummary {
    /// Attempts written this study day.
    pub answers: u32,
    /// Distinct questions among them.
    pub questions: u32,
    /// Seconds spent writing them.
    pub seconds_spent: i64,
    /// Items ticked in the self-reviews of the latest attempt today at each
    /// question…
    pub items_ticked: u32,
    /// …out of those attempts' checklists (reviewed attempts only).
    pub items_total: u32,
    /// For the questions whose attempt before today was self-reviewed too:
    /// what that attempt ticked, to compare with `items_ticked_compared`.
    pub items_ticked_before: u32,
    /// What today's attempts at those same questions ticked.
    pub items_ticked_compared: u32,
    /// Each question answered today, in the order first answered.
    pub per_question: Vec<QuestionCoverage>,
    /// When the next started card comes due as the queue serves it (a
    /// review held back by the daily limit comes tomorrow).
    pub next_due: Option<DateTime<Utc>>,
}

/// One question answered today: its latest attempt today against the
/// question's latest attempt before today.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct QuestionCoverage {
    pub question_id: i32,
    pub prompt: String,
    /// The latest attempt today.
    pub answer_id: i32,
    /// Items on the question's checklist (the STAR items and its own).
    pub items: u32,
    /// Items ticked in that attempt's self-review; `null` if not reviewed.
    pub ticked: Option<u32>,
    /// Items ticked in the self-review of the attempt before today;
    /// `null` when there was none or it was not reviewed.
    pub ticked_before: Option<u32>,
    /// Whether there was an attempt before today at all.
    pub answered_before: bool,
}

/// An attempt as the summary counts it.
struct Attempt {
    id: i32,
    question_id: i32,
    seconds_spent: i32,
}

impl From<(i32, i32, i32)> for Attempt {
    fn from((id, question_id, seconds_spent): (i32, i32, i32)) -> Self {
        Self {
            id,
            question_id,
            seconds_spent,
        }
    }
}

pub async fn summary(
    db: &impl ConnectionTrait,
    user: &user::Model,
    today: &Today,
    now: DateTime<Utc>,
) -> Result<SessionSummary, sea_orm::DbErr> {
    let since = practice::clock_for(user).today_start(now);
    // Only the figures, never the answers' text: a day of many long
    // answers costs no more memory than a day of short ones.
    let attempts = || {
        answer::Entity::find()
            .select_only()
            .columns([
                answer::Column::Id,
                answer::Column::QuestionId,
                answer::Column::SecondsSpent,
            ])
            .filter(answer::Column::UserId.eq(user.id))
            .order_by_asc(answer::Column::CreatedAt)
            .order_by_asc(answer::Column::Id)
    };
    let todays: Vec<Attempt> = attempts()
        .filter(answer::Column::CreatedAt.gte(since))
        .filter(answer::Column::CreatedAt.lte(now))
        .into_tuple::<(i32, i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(Attempt::from)
        .collect();
    let next_due = next_due(db, user, today, now).await?;
    if todays.is_empty() {
        return Ok(SessionSummary {
            next_due,
            ..SessionSummary::default()
        });
    }
    // Question → its latest attempt today, in the order first answered.
    let mut order: Vec<i32> = Vec::new();
    let mut latest: HashMap<i32, &Attempt> = HashMap::new();
    for a in &todays {
        if latest.insert(a.question_id, a).is_none() {
            order.push(a.question_id);
        }
    }
    let mut before: HashMap<i32, Attempt> = HashMap::new();
    for a in attempts()
        .filter(answer::Column::QuestionId.is_in(order.iter().copied()))
        .filter(answer::Column::CreatedAt.lt(since))
        .into_tuple::<(i32, i32, i32)>()
        .all(db)
        .await?
    {
        let a = Attempt::from(a);
        before.insert(a.question_id, a);
    }

    let compared: Vec<i32> = latest
        .values()
        .map(|a| a.id)
        .chain(before.values().map(|a| a.id))
        .collect();
    let reviews: HashMap<i32, i32> = review::Entity::find()
        .select_only()
        .columns([review::Column::AnswerId, review::Column::Id])
        .filter(review::Column::ReviewerId.eq(user.id))
        .filter(review::Column::Kind.eq(review::Kind::Own))
        .filter(review::Column::AnswerId.is_in(compared))
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let ticks: HashSet<(i32, i32)> = review_item::Entity::find()
        .select_only()
        .columns([
            review_item::Column::ReviewId,
            review_item::Column::RubricItemId,
        ])
        .filter(review_item::Column::ReviewId.is_in(reviews.values().copied()))
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    // Each question's checklist as the review form shows it now: the
    // active STAR items and its own; both attempts are measured against it.
    let items: Vec<(i32, Option<i32>)> = rubric_item::Entity::find()
        .select_only()
        .columns([rubric_item::Column::Id, rubric_item::Column::QuestionId])
        .filter(rubric_item::Column::Retired.eq(false))
        .filter(
            Condition::any()
                .add(rubric_item::Column::QuestionId.is_null())
                .add(rubric_item::Column::QuestionId.is_in(order.iter().copied())),
        )
        .into_tuple()
        .all(db)
        .await?;
    let prompts: HashMap<i32, String> = question::Entity::find()
        .select_only()
        .columns([question::Column::Id, question::Column::Prompt])
        .filter(question::Column::Id.is_in(order.iter().copied()))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();

    let ticked_in = |answer_id: i32, checklist: &[i32]| -> Option<u32> {
        let review_id = reviews.get(&answer_id)?;
        Some(
            checklist
                .iter()
                .filter(|item| ticks.contains(&(*review_id, **item)))
                .count() as u32,
        )
    };
    let mut summary = SessionSummary {
        answers: todays.len() as u32,
        questions: order.len() as u32,
        seconds_spent: todays
            .iter()
            .map(|a| i64::from(a.seconds_spent.max(0)))
            .sum(),
        next_due,
        ..SessionSummary::default()
    };
    for question_id in order {
        let Some(attempt) = latest.get(&question_id) else {
            continue;
        };
        let checklist: Vec<i32> = items
            .iter()
            .filter(|(_, q)| q.is_none() || *q == Some(question_id))
            .map(|(id, _)| *id)
            .collect();
        let ticked = ticked_in(attempt.id, &checklist);
        let earlier = before.get(&question_id);
        let ticked_before = earlier.and_then(|a| ticked_in(a.id, &checklist));
        if let Some(ticked) = ticked {
            summary.items_ticked += ticked;
            summary.items_total += checklist.len() as u32;
            if let Some(earlier) = ticked_before {
                summary.items_ticked_before += earlier;
                summary.items_ticked_compared += ticked;
            }
        }
        summary.per_question.push(QuestionCoverage {
            question_id,
            prompt: prompts.get(&question_id).cloned().unwrap_or_default(),
            answer_id: attempt.id,
            items: checklist.len() as u32,
            ticked,
            ticked_before,
            answered_before: earlier.is_some(),
        });
    }
    Ok(summary)
}

/// When the next started card is due as the queue serves it: learning cards
/// at their time, reviews at theirs, but a review already due that the daily
/// limit holds back only when the next study day starts.
pub async fn next_due(
    db: &impl ConnectionTrait,
    user: &user::Model,
    today: &Today,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    let bank_ids = visible_bank_ids(db, user.id).await?;
    let mut first: HashMap<card::State, DateTime<Utc>> = HashMap::new();
    for state in [
        card::State::Learning,
        card::State::Relearning,
        card::State::Review,
    ] {
        let due: Option<DateTime<Utc>> = practice::own_active_cards(user.id, bank_ids.clone(), now)
            .select_only()
            .column(card::Column::Due)
            .filter(card::Column::State.eq(state))
            .order_by_asc(card::Column::Due)
            .into_tuple()
            .one(db)
            .await?;
        if let Some(due) = due {
            first.insert(state, due);
        }
    }
    if let Some(review) = first.get_mut(&card::State::Review) {
        if *review <= now && today.review == 0 {
            *review = practice::clock_for(user).tomorrow_start(now);
        }
    }
    Ok(first.into_values().min())
}

/// Whether Today shows the first-run start: until the learner puts it away
/// or answers anything.
pub async fn shows_start(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<bool, sea_orm::DbErr> {
    if user.onboarded_at.is_some() {
        return Ok(false);
    }
    let answered = answer::Entity::find()
        .filter(answer::Column::UserId.eq(user.id))
        .count(db)
        .await?;
    Ok(answered == 0)
}

/// Puts the first-run start away for good (the first time only).
pub async fn finish_start(
    db: &impl ConnectionTrait,
    user: user::Model,
    now: DateTime<Utc>,
) -> Result<user::Model, sea_orm::DbErr> {
    if user.onboarded_at.is_some() {
        return Ok(user);
    }
    let mut active: user::ActiveModel = user.into();
    active.onboarded_at = Set(Some(now));
    active.update(db).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, s).unwrap()
    }

    #[test]
    fn soon_says_minutes_within_the_hour_rounded_up() {
        let now = at(14, 0, 0);
        assert_eq!(
            soon(at(14, 10, 0), now, chrono_tz::UTC).unwrap(),
            "in 10 min"
        );
        assert_eq!(
            soon(at(14, 7, 50), now, chrono_tz::UTC).unwrap(),
            "in 8 min"
        );
        assert_eq!(soon(at(14, 0, 1), now, chrono_tz::UTC).unwrap(), "in 1 min");
        assert_eq!(soon(now, now, chrono_tz::UTC).unwrap(), "now");
        assert_eq!(soon(at(13, 0, 0), now, chrono_tz::UTC).unwrap(), "now");
    }

    #[test]
    fn soon_gives_the_time_later_today_and_nothing_for_another_day() {
        let now = at(9, 0, 0);
        assert_eq!(
            soon(at(14, 5, 0), now, chrono_tz::UTC).unwrap(),
            "today 14:05"
        );
        assert_eq!(
            soon(
                at(23, 59, 0) + chrono::Duration::minutes(2),
                now,
                chrono_tz::UTC
            ),
            None
        );
        // 23:30 UTC is already tomorrow in Berlin.
        assert_eq!(soon(at(23, 30, 0), now, chrono_tz::Europe::Berlin), None);
        assert_eq!(
            soon(at(20, 30, 0), now, chrono_tz::Europe::Berlin).unwrap(),
            "today 21:30"
        );
    }

    #[test]
    fn a_real_session_is_never_zero_minutes() {
        assert_eq!(spent_label(0), "0 min");
        assert_eq!(spent_label(1), "under 1 min");
        assert_eq!(spent_label(59), "under 1 min");
        assert_eq!(spent_label(60), "1 min");
        assert_eq!(spent_label(89), "1 min");
        assert_eq!(spent_label(90), "2 min");
        assert_eq!(spent_label(3600), "1 h");
        assert_eq!(spent_label(3900), "1 h 5 min");
    }
}
