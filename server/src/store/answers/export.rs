//! The learner's answers as one Markdown document.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use starling_domain::answer_export::{
    answers_markdown as answers_markdown_document, Entry, Section,
};

use super::fields_of;
use crate::entities::{answer, question};

/// The user's latest attempt at every question, as one Markdown document
/// grouped by competency, to read before an interview.
pub async fn answers_markdown(
    db: &impl ConnectionTrait,
    user_id: i32,
    competency_key: Option<&str>,
) -> Result<String, sea_orm::DbErr> {
    let mut latest: HashMap<i32, answer::Model> = HashMap::new();
    for a in answer::Entity::find()
        .filter(answer::Column::UserId.eq(user_id))
        .all(db)
        .await?
    {
        match latest.get(&a.question_id) {
            Some(seen) if seen.attempt >= a.attempt => {}
            _ => {
                latest.insert(a.question_id, a);
            }
        }
    }
    let questions = question::Entity::find()
        .filter(question::Column::Id.is_in(latest.keys().copied().collect::<Vec<_>>()))
        .order_by_asc(question::Column::BankId)
        .order_by_asc(question::Column::Position)
        .all(db)
        .await?;
    let competencies = crate::store::questions::competencies_of(db, &questions).await?;
    let mut grouped: Vec<&question::Model> = questions
        .iter()
        .filter(|q| {
            competency_key.is_none_or(|key| {
                competencies
                    .get(&q.competency_id)
                    .is_some_and(|c| c.key == key)
            })
        })
        .collect();
    grouped.sort_by_key(|q| {
        competencies
            .get(&q.competency_id)
            .map(|c| (c.bank_id, c.position))
            .unwrap_or_default()
    });
    let mut sections: Vec<Section> = Vec::new();
    let mut current_competency = None;
    for q in grouped {
        let Some(a) = latest.get(&q.id) else { continue };
        if current_competency != Some(q.competency_id) {
            current_competency = Some(q.competency_id);
            let competency = competencies
                .get(&q.competency_id)
                .map(|c| c.name.as_str())
                .unwrap_or("Other");
            sections.push(Section {
                competency,
                answers: Vec::new(),
            });
        }
        if let Some(section) = sections.last_mut() {
            section.answers.push(Entry {
                prompt: &q.prompt,
                attempt: a.attempt,
                written: a.created_at,
                fields: fields_of(a)
                    .named()
                    .map(|(label, text)| (label, text.to_owned()))
                    .to_vec(),
            });
        }
    }
    Ok(answers_markdown_document(&sections))
}
