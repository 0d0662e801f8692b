//! Two attempts at the same question side by side: a word-level diff of
//! each STAR field and the change in checklist coverage between the
//! author's self-reviews of the two.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use starling_domain::compare::{word_diff, Op, Segment, DIFF_TIME_BUDGET};
use tokio::sync::Semaphore;

use crate::{
    entities::answer,
    error::AppError,
    store::{
        answers::{fields_of, reviews_of, StarFields},
        coaching::readable_answer,
        questions::{checklist, question_of_answer},
    },
};

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Side {
    pub id: i32,
    pub attempt: i32,
    pub created_at: DateTime<Utc>,
    pub seconds_spent: i32,
    pub words: usize,
    /// Checklist items ticked in the self-review; `None` before it is reviewed.
    pub met: Option<usize>,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct FieldDiff {
    pub name: &'static str,
    pub segments: Vec<Segment>,
    pub words_before: usize,
    pub words_after: usize,
    pub changed: bool,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ItemChange {
    pub id: i32,
    pub text: String,
    pub source: &'static str,
    pub before: bool,
    pub after: bool,
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct Comparison {
    pub question_id: i32,
    pub prompt: String,
    pub total_items: usize,
    /// The older attempt.
    pub before: Side,
    /// The newer attempt.
    pub after: Side,
    pub fields: Vec<FieldDiff>,
    /// Every checklist item, ticked or not in each self-review.
    pub items: Vec<ItemChange>,
    /// Items ticked only in the newer attempt's self-review, and only in the older's.
    pub gained: Vec<i32>,
    pub lost: Vec<i32>,
    /// Change in the number of items met (newer minus older), when both are reviewed.
    pub coverage_change: Option<i64>,
}

/// Diffs run one per core at most, so a burst of comparisons of long
/// answers queues here instead of taking every core from other requests.
static DIFF_SLOTS: std::sync::LazyLock<Semaphore> =
    std::sync::LazyLock::new(|| Semaphore::new(crate::cores()));

/// The word diff of each STAR field, computed off the async workers within
/// [`DIFF_TIME_BUDGET`] for all five.
async fn field_diffs(before: StarFields, after: StarFields) -> Result<Vec<FieldDiff>, AppError> {
    let _slot = DIFF_SLOTS
        .acquire()
        .await
        .map_err(|err| AppError::Internal(err.into()))?;
    tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + DIFF_TIME_BUDGET;
        before
            .named()
            .iter()
            .zip(after.named().iter())
            .map(|((name, old), (_, new))| {
                let segments = word_diff(old, new, deadline);
                FieldDiff {
                    name,
                    changed: segments.iter().any(|s| s.op != Op::Equal),
                    segments,
                    words_before: words(old),
                    words_after: words(new),
                }
            })
            .collect()
    })
    .await
    .map_err(|err| AppError::Internal(err.into()))
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The author's self-review ticks of an answer, if it has been reviewed.
async fn self_ticks(
    db: &impl ConnectionTrait,
    answer: &answer::Model,
) -> Result<Option<Vec<i32>>, AppError> {
    Ok(reviews_of(db, answer.id)
        .await?
        .into_iter()
        .find(|r| {
            r.kind == crate::entities::review::Kind::Own.as_str() && r.reviewer_id == answer.user_id
        })
        .map(|r| r.checked))
}

/// Compares two attempts the reader may read (the author, or a coach the
/// answers are shared with), oldest first whatever the order asked.
pub async fn compare(
    db: &impl ConnectionTrait,
    reader_id: i32,
    first: i32,
    second: i32,
) -> Result<Comparison, AppError> {
    if first == second {
        return Err(AppError::invalid(
            "b",
            "choose two different attempts to compare",
        ));
    }
    let (a, _) = readable_answer(db, reader_id, first).await?;
    let (b, _) = readable_answer(db, reader_id, second).await?;
    if a.question_id != b.question_id || a.user_id != b.user_id {
        return Err(AppError::invalid(
            "b",
            "only attempts at the same question can be compared",
        ));
    }
    let (before, after) = if (a.attempt, a.id) <= (b.attempt, b.id) {
        (a, b)
    } else {
        (b, a)
    };
    let question = question_of_answer(db, before.question_id).await?;
    let items = checklist(db, before.question_id).await?;
    let ticks_before = self_ticks(db, &before).await?;
    let ticks_after = self_ticks(db, &after).await?;
    let fields = field_diffs(fields_of(&before), fields_of(&after)).await?;
    let has = |ticks: &Option<Vec<i32>>, id: i32| ticks.as_ref().is_some_and(|t| t.contains(&id));
    let changes: Vec<ItemChange> = items
        .iter()
        .map(|item| ItemChange {
            id: item.id,
            text: item.text.clone(),
            source: item.source,
            before: has(&ticks_before, item.id),
            after: has(&ticks_after, item.id),
        })
        .collect();
    let both_reviewed = ticks_before.is_some() && ticks_after.is_some();
    let met = |ticks: &Option<Vec<i32>>| {
        ticks
            .as_ref()
            .map(|t| items.iter().filter(|i| t.contains(&i.id)).count())
    };
    let side = |answer: &answer::Model, met: Option<usize>| Side {
        id: answer.id,
        attempt: answer.attempt,
        created_at: answer.created_at,
        seconds_spent: answer.seconds_spent,
        words: fields_of(answer)
            .named()
            .iter()
            .map(|(_, t)| words(t))
            .sum(),
        met,
    };
    let met_before = met(&ticks_before);
    let met_after = met(&ticks_after);
    Ok(Comparison {
        question_id: question.id,
        prompt: question.prompt,
        total_items: items.len(),
        gained: if both_reviewed {
            changes
                .iter()
                .filter(|c| c.after && !c.before)
                .map(|c| c.id)
                .collect()
        } else {
            Vec::new()
        },
        lost: if both_reviewed {
            changes
                .iter()
                .filter(|c| c.before && !c.after)
                .map(|c| c.id)
                .collect()
        } else {
            Vec::new()
        },
        coverage_change: match (met_before, met_after) {
            (Some(b), Some(a)) => Some(a as i64 - b as i64),
            _ => None,
        },
        before: side(&before, met_before),
        after: side(&after, met_after),
        fields,
        items: changes,
    })
}
