//! The figures by competency and by checklist item: how often each was met.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{
    sea_query::{Condition, Query},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;

use super::LEAST_MET_ITEMS;
use crate::{
    entities::{answer, bank, competency, question, review, review_item, rubric_item},
    store::{choices, questions::visible_bank_ids},
};

#[derive(utoipa::ToSchema, Clone, Copy, Debug, Default, Serialize)]
pub struct Passed {
    pub reviews: u32,
    /// Graded Hard, Good or Easy.
    pub passed: u32,
    /// `passed / reviews`, to four decimals; `None` without reviews.
    pub rate: Option<f64>,
}

impl Passed {
    pub(super) fn add(&mut self, passed: bool) {
        self.reviews += 1;
        self.passed += u32::from(passed);
        self.rate = ratio(self.passed, self.reviews);
    }

    pub fn percent(&self) -> Option<u32> {
        percent(self.passed, self.reviews)
    }
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct CompetencyStats {
    pub key: String,
    pub name: String,
    /// The key of the bank the competency belongs to.
    pub bank: String,
    /// Attempts written, every attempt counted.
    pub answers: u32,
    /// Distinct questions with at least one attempt.
    pub questions_answered: u32,
    /// Active questions of the competency.
    pub questions_total: u32,
    /// Answers with a self-review.
    pub reviewed_answers: u32,
    /// Checklist items ticked in those self-reviews…
    pub items_ticked: u32,
    /// …out of the items on their checklists.
    pub items_checked: u32,
    /// `items_ticked / items_checked`, to four decimals; `None` before any self-review.
    pub coverage: Option<f64>,
}

impl CompetencyStats {
    pub fn percent(&self) -> Option<u32> {
        percent(self.items_ticked, self.items_checked)
    }
}

#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct ItemStats {
    pub id: i32,
    pub text: String,
    /// `star` for the built-in checklist, `question` for a question's own item.
    pub source: &'static str,
    /// Self-reviews that ticked the item…
    pub met: u32,
    /// …out of the self-reviews whose checklist held it.
    pub reviewed: u32,
    pub rate: f64,
}

impl ItemStats {
    pub fn percent(&self) -> u32 {
        percent(self.met, self.reviewed).unwrap_or(0)
    }
}

fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 10_000.0).round() / 10_000.0)
}

/// A whole percentage, rounded half up.
fn percent(part: u32, whole: u32) -> Option<u32> {
    (whole > 0)
        .then(|| ((u64::from(part) * 200 + u64::from(whole)) / (u64::from(whole) * 2)) as u32)
}

/// Per competency the learner practises (those of the banks they practise, less the ones
/// they switched off, plus any they have answered in) and per rubric item: how much of the
/// checklist their self-reviews ticked. An answer's checklist is the active STAR items and
/// its question's active items, as the review form shows it.
pub(super) async fn checklist_figures(
    db: &impl ConnectionTrait,
    user_id: i32,
    answers: &[answer::Model],
) -> Result<(Vec<CompetencyStats>, Vec<ItemStats>), sea_orm::DbErr> {
    let own_answers = || {
        Query::select()
            .column(answer::Column::Id)
            .from(answer::Entity)
            .and_where(answer::Column::UserId.eq(user_id))
            .to_owned()
    };
    let self_reviews = || {
        review::Entity::find()
            .filter(review::Column::ReviewerId.eq(user_id))
            .filter(review::Column::Kind.eq(review::Kind::Own))
            .filter(review::Column::AnswerId.in_subquery(own_answers()))
    };
    // One self-review per answer and reviewer: the latest is the one stored.
    let review_of_answer: HashMap<i32, i32> = self_reviews()
        .select_only()
        .columns([review::Column::Id, review::Column::AnswerId])
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(review_id, answer_id)| (answer_id, review_id))
        .collect();
    let ticks: HashSet<(i32, i32)> = review_item::Entity::find()
        .select_only()
        .columns([
            review_item::Column::ReviewId,
            review_item::Column::RubricItemId,
        ])
        .filter(
            review_item::Column::ReviewId.in_subquery(
                self_reviews()
                    .select_only()
                    .column(review::Column::Id)
                    .into_query(),
            ),
        )
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();

    let answered: BTreeSet<i32> = answers.iter().map(|a| a.question_id).collect();
    let items = rubric_item::Entity::find()
        .filter(rubric_item::Column::Retired.eq(false))
        .filter(
            Condition::any()
                .add(rubric_item::Column::QuestionId.is_null())
                .add(rubric_item::Column::QuestionId.is_in(answered.iter().copied())),
        )
        .order_by_asc(rubric_item::Column::Position)
        .order_by_asc(rubric_item::Column::Id)
        .all(db)
        .await?;
    let star: Vec<&rubric_item::Model> = items
        .iter()
        .filter(|item| item.question_id.is_none())
        .collect();
    let mut own: HashMap<i32, Vec<&rubric_item::Model>> = HashMap::new();
    for item in &items {
        if let Some(question_id) = item.question_id {
            own.entry(question_id).or_default().push(item);
        }
    }

    let competencies = practised_competencies(db, user_id, &answered).await?;
    let competency_ids: Vec<i32> = competencies.iter().map(|(c, _)| c.id).collect();
    let position: HashMap<i32, usize> = competency_ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let questions: Vec<(i32, i32, bool)> = question::Entity::find()
        .select_only()
        .columns([
            question::Column::Id,
            question::Column::CompetencyId,
            question::Column::Retired,
        ])
        .filter(
            Condition::any()
                .add(question::Column::CompetencyId.is_in(competency_ids.iter().copied()))
                .add(question::Column::Id.is_in(answered.iter().copied())),
        )
        .into_tuple()
        .all(db)
        .await?;
    // Question id → index of its competency in `per_competency`.
    let competency_of: HashMap<i32, usize> = questions
        .iter()
        .filter_map(|(q, c, _)| Some((*q, *position.get(c)?)))
        .collect();

    let mut per_competency: Vec<CompetencyStats> = competencies
        .into_iter()
        .map(|(c, bank)| CompetencyStats {
            key: c.key,
            name: c.name,
            bank,
            answers: 0,
            questions_answered: 0,
            questions_total: 0,
            reviewed_answers: 0,
            items_ticked: 0,
            items_checked: 0,
            coverage: None,
        })
        .collect();
    for (_, competency_id, retired) in &questions {
        let index = position.get(competency_id);
        if let (false, Some(figures)) = (*retired, index.and_then(|i| per_competency.get_mut(*i))) {
            figures.questions_total += 1;
        }
    }
    for question_id in &answered {
        if let Some(figures) = competency_of
            .get(question_id)
            .and_then(|i| per_competency.get_mut(*i))
        {
            figures.questions_answered += 1;
        }
    }

    // Per rubric item: (met, reviewed).
    let mut per_item: HashMap<i32, (u32, u32)> = HashMap::new();
    for a in answers {
        let figures = competency_of
            .get(&a.question_id)
            .and_then(|i| per_competency.get_mut(*i));
        let Some(figures) = figures else { continue };
        figures.answers += 1;
        let Some(review_id) = review_of_answer.get(&a.id) else {
            continue;
        };
        figures.reviewed_answers += 1;
        let checklist = star
            .iter()
            .chain(own.get(&a.question_id).into_iter().flatten());
        for item in checklist {
            let met = ticks.contains(&(*review_id, item.id));
            figures.items_checked += 1;
            figures.items_ticked += u32::from(met);
            let counts = per_item.entry(item.id).or_default();
            counts.0 += u32::from(met);
            counts.1 += 1;
        }
    }
    for figures in &mut per_competency {
        figures.coverage = ratio(figures.items_ticked, figures.items_checked);
    }

    let mut least_met: Vec<ItemStats> = items
        .into_iter()
        .filter_map(|item| {
            let (met, reviewed) = per_item.get(&item.id).copied()?;
            Some(ItemStats {
                id: item.id,
                source: if item.question_id.is_some() {
                    "question"
                } else {
                    "star"
                },
                text: item.text,
                met,
                reviewed,
                rate: ratio(met, reviewed).unwrap_or(0.0),
            })
        })
        .collect();
    // Items seen at least twice first (one miss says little), then the lowest rate (compared
    // exactly, as fractions), then the most often reviewed; ties keep checklist order.
    least_met.sort_by(|a, b| {
        (b.reviewed >= 2)
            .cmp(&(a.reviewed >= 2))
            .then_with(|| {
                (u64::from(a.met) * u64::from(b.reviewed))
                    .cmp(&(u64::from(b.met) * u64::from(a.reviewed)))
            })
            .then_with(|| b.reviewed.cmp(&a.reviewed))
    });
    least_met.truncate(LEAST_MET_ITEMS);
    Ok((per_competency, least_met))
}

/// The competencies the learner practises with their bank's key, by bank then position.
async fn practised_competencies(
    db: &impl ConnectionTrait,
    user_id: i32,
    answered: &BTreeSet<i32>,
) -> Result<Vec<(competency::Model, String)>, sea_orm::DbErr> {
    let choices = choices::for_user(db, user_id).await?;
    let practised_banks: Vec<i32> = visible_bank_ids(db, user_id)
        .await?
        .into_iter()
        .filter(|id| choices.practises_bank(*id))
        .collect();
    let answered_in = Query::select()
        .column(question::Column::CompetencyId)
        .from(question::Entity)
        .and_where(question::Column::Id.is_in(answered.iter().copied()))
        .to_owned();
    let found = competency::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(competency::Column::BankId.is_in(practised_banks))
                        .add(
                            competency::Column::Id
                                .is_not_in(choices.skipped_competencies.iter().copied()),
                        ),
                )
                .add(competency::Column::Id.in_subquery(answered_in)),
        )
        .order_by_asc(competency::Column::BankId)
        .order_by_asc(competency::Column::Position)
        .order_by_asc(competency::Column::Id)
        .all(db)
        .await?;
    let bank_keys: HashMap<i32, String> = bank::Entity::find()
        .filter(bank::Column::Id.is_in(found.iter().map(|c| c.bank_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.key))
        .collect();
    Ok(found
        .into_iter()
        .map(|c| {
            let key = bank_keys.get(&c.bank_id).cloned().unwrap_or_default();
            (c, key)
        })
        .collect())
}
