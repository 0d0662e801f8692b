//! Agreement between self-reviews and coaches' reviews, and between the checklist's suggestions
//! and what learners ticked.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::entities::{answer, review};

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
    for own in reviews.iter().filter(|r| r.kind == review::Kind::Own) {
        let Some(question_id) = question_of.get(&own.answer_id) else {
            continue;
        };
        let checklist = crate::store::questions::checklist(db, *question_id).await?;
        let own_ticks = ticks.get(&own.id).unwrap_or(&empty);
        for coach in reviews
            .iter()
            .filter(|r| r.kind == review::Kind::Coach && r.answer_id == own.answer_id)
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
    let reviewed: Vec<(i32, i32, review::Kind)> = review::Entity::find()
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
    let mut reviews: Vec<&(i32, i32, review::Kind)> = Vec::new();
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
            let (compared, agreeing) = if *kind == review::Kind::Own {
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
