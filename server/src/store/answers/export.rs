//! The learner's answers as one Markdown document.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::fields_of;
use crate::entities::{answer, question};

/// Keeps a user's text from turning into Markdown structure, HTML, a link or an
/// image: `&` and `<` as entities (no tag, comment or entity survives), a backslash
/// before inline markup (`[`, `]`, `!`, `*`, `_`, `` ` ``, `~`, `\`), before the `:` of
/// a URL scheme (`javascript:`, `http://`), the `@` of an e-mail address and the `.` of
/// `www.` (no autolink), and before a line-leading character that starts a block.
fn markdown_text(text: &str) -> String {
    text.trim()
        .lines()
        .map(|line| {
            let line = line.trim_start();
            let mut escaped = String::with_capacity(line.len() + 8);
            let mut previous = None;
            for (at, c) in line.char_indices() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '[' | ']' | '!' | '*' | '_' | '`' | '~' | '\\' | '@' => {
                        escaped.push('\\');
                        escaped.push(c);
                    }
                    ':' if previous.is_some_and(|p: char| p.is_ascii_alphabetic()) => {
                        escaped.push_str("\\:");
                    }
                    '.' if line.as_bytes()[at.saturating_sub(3)..at]
                        .eq_ignore_ascii_case(b"www") =>
                    {
                        escaped.push_str("\\.");
                    }
                    c => escaped.push(c),
                }
                previous = Some(c);
            }
            match line.chars().next() {
                Some('#' | '>' | '-' | '+' | '|' | '=') => format!("\\{escaped}"),
                _ => escaped,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

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
    let mut doc = String::from("# My interview answers\n");
    let mut current_competency = None;
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
    for q in grouped {
        let Some(a) = latest.get(&q.id) else { continue };
        if current_competency != Some(q.competency_id) {
            current_competency = Some(q.competency_id);
            let name = competencies
                .get(&q.competency_id)
                .map(|c| c.name.as_str())
                .unwrap_or("Other");
            doc.push_str(&format!("\n## {}\n", markdown_text(name)));
        }
        doc.push_str(&format!(
            "\n### {}\n\n*Attempt {}, {}*\n",
            markdown_text(&q.prompt),
            a.attempt,
            a.created_at.format("%a %-d %b %Y")
        ));
        for (label, text) in fields_of(a).named() {
            if !text.trim().is_empty() {
                let mut heading = label.to_owned();
                heading[..1].make_ascii_uppercase();
                doc.push_str(&format!("\n**{heading}.** {}\n", markdown_text(text)));
            }
        }
    }
    Ok(doc)
}
