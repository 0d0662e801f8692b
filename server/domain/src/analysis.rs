//! Automatic analysis of a STAR answer: word counts, speaking time and hints
//! about what a strong interviewer would notice, each tied to a checklist item.

use serde::Serialize;

mod signals;
mod text;

/// Words a minute when speaking an interview answer (people say 130-150).
pub const WORDS_PER_MINUTE: u32 = 140;
/// Shortest and longest answer for a 1.5 to 3 minute reply.
pub const MIN_WORDS: usize = 195;
pub const MAX_WORDS: usize = 450;

/// The five parts of an answer, as text.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnswerText<'a> {
    pub situation: &'a str,
    pub task: &'a str,
    pub action: &'a str,
    pub result: &'a str,
    pub reflection: &'a str,
}

#[derive(utoipa::ToSchema, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Words {
    /// Words in the situation.
    pub situation: usize,
    /// Words in the task.
    pub task: usize,
    /// Words in the action.
    pub action: usize,
    /// Words in the result.
    pub result: usize,
    /// Words in the reflection.
    pub reflection: usize,
    /// Words in the whole answer.
    pub total: usize,
}

#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Stable code of the hint, e.g. `unquantified_result`.
    pub code: &'static str,
    /// What to do about it, in one or two sentences.
    pub message: String,
    /// The key of the STAR checklist item this hint supports.
    pub rubric_item: &'static str,
}

/// How one built-in STAR checklist item fares by the automatic signals.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct StarSuggestion {
    /// The key of the STAR checklist item.
    pub key: &'static str,
    /// Whether the signals suggest the answer meets the item.
    pub met: bool,
    /// The phrase relied on, quoted, when met; why not, when not met.
    pub evidence: String,
}

#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    /// Words in each part of the answer.
    pub words: Words,
    /// Speaking time at 140 words a minute, in seconds.
    pub speaking_seconds: u32,
    /// Whether the result states a measured outcome of the episode: a number, percentage,
    /// money, duration or count describing a change (not a date, time passing, certainty, a
    /// team size in passing, an expected figure or a rank).
    pub quantified_result: bool,
    /// Share of first-person singular among "I" and "we" words in the action; none without either.
    pub i_we_ratio: Option<f64>,
    /// Whether the answer tells one real past episode, not a habit ("I usually", "whenever… I
    /// would") or a hypothetical ("I would").
    pub specific_episode: bool,
    /// Whether the situation or task states the stakes' scale: team size, money, users or
    /// customers, or a deadline.
    pub scale_stated: bool,
    /// Whether the action explains why at least one key step was chosen.
    pub reasoning_given: bool,
    /// Whether the reflection (or, without one, the answer's end) states a lesson or a lasting
    /// change in how the speaker works.
    pub has_lesson: bool,
    /// The hedges found anywhere in the answer ("kind of", "maybe", "I think"…); empty when none.
    pub hedges: Vec<String>,
    /// One suggestion per built-in STAR checklist item, in checklist order.
    pub star_items: Vec<StarSuggestion>,
    /// What to improve, each tied to a checklist item.
    pub hints: Vec<Hint>,
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn minutes(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Analyses one answer; cheap enough to run on every request.
pub fn analyse(answer: &AnswerText<'_>) -> Analysis {
    let words = Words {
        situation: count_words(answer.situation),
        task: count_words(answer.task),
        action: count_words(answer.action),
        result: count_words(answer.result),
        reflection: count_words(answer.reflection),
        total: 0,
    };
    let words = Words {
        total: words.situation + words.task + words.action + words.result + words.reflection,
        ..words
    };
    let speaking_seconds = (words.total as u64 * 60 / u64::from(WORDS_PER_MINUTE)) as u32;
    let (mut singular, mut plural) = (0usize, 0usize);
    for w in text::toks(answer.action) {
        match w.norm.as_str() {
            "i" | "me" | "my" | "mine" | "myself" | "i'm" | "i've" | "i'd" | "i'll" => {
                singular += 1
            }
            "we" | "us" | "our" | "ours" | "ourselves" | "we're" | "we've" | "we'd" | "we'll" => {
                plural += 1
            }
            _ => {}
        }
    }
    let i_we_ratio = (singular + plural > 0).then(|| singular as f64 / (singular + plural) as f64);

    let quantified = signals::quantified_result(answer.result);
    let episode = signals::specific_episode(answer.situation, answer.task, answer.action);
    let scale = signals::scale_stated(answer.situation, answer.task);
    let reasoning = signals::reasoning_given(answer.action);
    let lesson = signals::has_lesson(answer.reflection, answer.result);
    let mut hedges: Vec<&'static str> = Vec::new();
    for part in [
        answer.situation,
        answer.task,
        answer.action,
        answer.result,
        answer.reflection,
    ] {
        hedges.extend(signals::hedges_in(part));
    }
    let hedges: Vec<&'static str> = signals::HEDGES
        .into_iter()
        .filter(|h| hedges.contains(h))
        .collect();
    let action_hedges = signals::hedges_in(answer.action);
    let context_heavy = words.total > 0 && (words.situation + words.task) * 3 > words.total;

    let mut hints = Vec::new();
    let mut hint = |code, rubric_item, message: String| {
        hints.push(Hint {
            code,
            message,
            rubric_item,
        })
    };
    for (name, count, item) in [
        ("situation", words.situation, "star-brief-context"),
        ("task", words.task, "star-brief-context"),
        ("action", words.action, "star-reasoned-actions"),
        ("result", words.result, "star-measurable-result"),
    ] {
        if count == 0 {
            hint(
                "empty_section",
                item,
                format!("The {name} is empty; write it before asking for a review."),
            );
        }
    }
    if let Err(why) = &episode {
        if words.action > 0 {
            hint(
                "habit_not_episode",
                "star-one-episode",
                format!("This is {why}; pick one occasion when it actually happened and tell that one, in the past tense: when, what you did, what came of it."),
            );
        }
    }
    if words.total < MIN_WORDS {
        hint(
            "too_short",
            "star-reasoned-actions",
            format!(
                "{} words is about {} spoken; a strong answer takes 1.5 to 3 minutes ({MIN_WORDS}-{MAX_WORDS} words).",
                words.total,
                minutes(speaking_seconds)
            ),
        );
    } else if words.total > MAX_WORDS {
        hint(
            "too_long",
            "star-brief-context",
            format!(
                "{} words is about {} spoken; keep it under 3 minutes ({MAX_WORDS} words).",
                words.total,
                minutes(speaking_seconds)
            ),
        );
    }
    if scale.is_err() && words.situation + words.task > 0 {
        hint(
            "no_scale",
            "star-brief-context",
            "The situation and task don't say how big the stakes were; add one figure: the team size, the money, the users affected or the deadline.".to_owned(),
        );
    }
    if context_heavy {
        hint(
            "context_heavy",
            "star-brief-context",
            "Situation and task take more than a third of the answer; cut the background and spend the time on what you did.".to_owned(),
        );
    }
    let largest_other = [words.situation, words.task, words.result, words.reflection]
        .into_iter()
        .max()
        .unwrap_or(0);
    if words.action > 0 && words.action <= largest_other {
        hint(
            "action_not_largest",
            "star-reasoned-actions",
            "The action should be the largest part: say what you did, step by step, and why."
                .to_owned(),
        );
    }
    if plural > singular {
        hint(
            "we_dominates",
            "star-personal-role",
            format!("The action says \"we\" {plural} times and \"I\" {singular} times; make your own part explicit."),
        );
    }
    if reasoning.is_err() && words.action > 0 {
        hint(
            "no_reasoning",
            "star-reasoned-actions",
            "The action lists steps without saying why; for your key decision, say why you chose it over the alternative (\"because…\", \"rather than…\") and what it cost.".to_owned(),
        );
    }
    if words.result > 0 && quantified.is_err() {
        hint(
            "unquantified_result",
            "star-measurable-result",
            "The result has no measured outcome; add what changed and by how much: from what to what, the money or time saved, or how many people or cases it affected.".to_owned(),
        );
    }
    if lesson.is_err() {
        hint(
            "no_lesson",
            "star-lesson",
            if words.reflection == 0 {
                "There is no reflection; close with what you learned or what you now do differently because of this episode (\"Since then I…\").".to_owned()
            } else {
                "The reflection is a summary or a feeling; say what you learned or what you now do differently because of this episode (\"Since then I…\").".to_owned()
            },
        );
    }
    if !hedges.is_empty() {
        hint(
            "hedging",
            "star-personal-role",
            format!(
                "Hedges weaken the story: {}; drop them and state what you did and decided plainly.",
                quoted_list(&hedges)
            ),
        );
    }

    let personal: Result<String, String> = if !action_hedges.is_empty() {
        Err(format!(
            "hedged in the action: {}",
            quoted_list(&action_hedges)
        ))
    } else {
        match i_we_ratio {
            Some(r) if r >= 0.5 => Ok(format!(
                "\"I\" {singular} times and \"we\" {plural} times in the action"
            )),
            Some(_) => Err(format!(
                "\"we\" {plural} times and \"I\" only {singular} times in the action"
            )),
            None => Err("the action never says \"I\"".to_owned()),
        }
    };
    let brief_context = match &scale {
        Ok(_) if context_heavy => Err(format!(
            "situation and task are {}% of the answer, over a third",
            (words.situation + words.task) * 100 / words.total.max(1)
        )),
        other => other.clone(),
    };
    let star_items = crate::checklist::star_checklist()
        .iter()
        .filter_map(|item| {
            let signal = match item.key.as_str() {
                "star-one-episode" => &episode,
                "star-brief-context" => &brief_context,
                "star-personal-role" => &personal,
                "star-reasoned-actions" => &reasoning,
                "star-measurable-result" => &quantified,
                "star-lesson" => &lesson,
                _ => return None,
            };
            Some(StarSuggestion {
                key: item.key.as_str(),
                met: signal.is_ok(),
                evidence: match signal {
                    Ok(e) | Err(e) => e.clone(),
                },
            })
        })
        .collect();
    Analysis {
        words,
        speaking_seconds,
        quantified_result: quantified.is_ok(),
        i_we_ratio,
        specific_episode: episode.is_ok(),
        scale_stated: scale.is_ok(),
        reasoning_given: reasoning.is_ok(),
        has_lesson: lesson.is_ok(),
        hedges: hedges.iter().map(|h| (*h).to_owned()).collect(),
        star_items,
        hints,
    }
}

#[cfg(test)]
mod tests;
