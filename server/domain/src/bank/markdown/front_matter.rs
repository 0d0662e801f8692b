//! The front matter of a Markdown bank: the `id`, `title` and `description` lines between
//! `---` lines at the top of the file.

use super::column;
use crate::bank::{Pos, Problem, Text};

#[derive(Default)]
pub(super) struct FrontMatter {
    pub(super) id: Option<Text>,
    pub(super) title: Option<Text>,
    pub(super) description: Option<Text>,
}

/// The front matter between `---` lines at the top, and the index of the first line
/// after it; `None` when it is not closed (reported).
pub(super) fn front_matter(
    lines: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<(FrontMatter, usize)> {
    let mut front = FrontMatter::default();
    if lines.first().map(|line| line.trim_end()) != Some("---") {
        return Some((front, 0));
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|line| matches!(line.trim_end(), "---" | "..."))
        .map(|at| at + 1)
    else {
        problems.push(Problem::new(
            Pos::START,
            None,
            "the front matter has no closing `---` line".to_owned(),
        ));
        return None;
    };
    for (index, line) in lines[1..end].iter().enumerate() {
        let number = index + 2;
        let content = line.trim_start();
        if content.trim_end().is_empty() || content.starts_with('#') {
            continue;
        }
        let key_pos = Pos {
            line: number,
            column: column(line, line.len() - content.len()),
        };
        let Some((key, value)) = line.split_once(':') else {
            problems.push(Problem::new(
                key_pos,
                None,
                "front matter lines are written `key: value`".to_owned(),
            ));
            continue;
        };
        let value_start = key.len() + 1 + (value.len() - value.trim_start().len());
        let pos = Pos {
            line: number,
            column: column(line, value_start),
        };
        let key = key.trim();
        let slot = match key {
            "id" => &mut front.id,
            "title" => &mut front.title,
            "description" => &mut front.description,
            _ => {
                problems.push(Problem::new(
                    key_pos,
                    Some(format!("bank.{key}")),
                    format!("unknown front matter key `{key}`; expected id, title or description"),
                ));
                continue;
            }
        };
        if slot.is_some() {
            problems.push(Problem::new(
                key_pos,
                Some(format!("bank.{key}")),
                format!("`{key}` is given twice in the front matter"),
            ));
            continue;
        }
        *slot = Some(Text::new(front_value(value.trim()), pos));
    }
    Some((front, end + 1))
}

/// A front matter value: as written, or decoded when quoted (`"…"` with JSON escapes,
/// `'…'` with `''` for a quote).
fn front_value(raw: &str) -> String {
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        if let Ok(value) = serde_json::from_str::<String>(raw) {
            return value;
        }
    }
    if raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'') {
        return raw[1..raw.len() - 1].replace("''", "'");
    }
    raw.to_owned()
}
