//! Whether the answer tells one real past episode, not a habit or a hypothetical.

use crate::analysis::text::{quote, sentences, seq_at, toks, Tok};

use super::Signal;

/// Words after "I'd"/"we'd" that make it "had" (past perfect), not "would".
fn past_participle(w: &str) -> bool {
    (w.ends_with("ed") && !matches!(w, "need" | "proceed" | "feed" | "succeed" | "exceed"))
        || matches!(
            w,
            "have"
                | "had"
                | "been"
                | "already"
                | "just"
                | "never"
                | "ever"
                | "only"
                | "done"
                | "made"
                | "told"
                | "seen"
                | "gone"
                | "heard"
                | "spent"
                | "built"
                | "left"
                | "sent"
                | "taken"
                | "given"
                | "written"
                | "become"
                | "said"
                | "known"
                | "run"
                | "got"
                | "gotten"
                | "brought"
                | "thought"
                | "won"
                | "lost"
                | "set"
                | "put"
        )
}

/// Verbs that make a following "I would" reported speech ("I told him I would cover it").
const REPORTING: [&str; 16] = [
    "said",
    "told",
    "promised",
    "agreed",
    "explained",
    "decided",
    "knew",
    "thought",
    "assured",
    "committed",
    "wrote",
    "announced",
    "warned",
    "that",
    "offered",
    "confirmed",
];

/// The words of a "would"-type modal that is not counterfactual ("would have") nor
/// reported speech.
fn modal_at(t: &[Tok<'_>], i: usize) -> Option<usize> {
    let reported = (i.saturating_sub(4)..i).any(|j| REPORTING.contains(&t[j].norm.as_str()));
    if reported {
        return None;
    }
    let next = t.get(i + 1).map_or("", |w| w.norm.as_str());
    let after = t.get(i + 2).map_or("", |w| w.norm.as_str());
    match t[i].norm.as_str() {
        "i'd" | "we'd" if !past_participle(next) => Some(1),
        "i'll" | "we'll" => Some(1),
        "i" | "we"
            if matches!(next, "would" | "will")
                && after != "have"
                && !(matches!(after, "not" | "never")
                    && t.get(i + 3).is_some_and(|w| w.norm == "have")) =>
        {
            Some(2)
        }
        _ => None,
    }
}

const HABIT_ADVERBS: [&str; 9] = [
    "usually",
    "always",
    "often",
    "normally",
    "generally",
    "typically",
    "tend",
    "regularly",
    "routinely",
];

const RECURRING: [&str; 23] = [
    "time",
    "other",
    "day",
    "morning",
    "evening",
    "week",
    "month",
    "quarter",
    "sprint",
    "release",
    "candidate",
    "incident",
    "meeting",
    "review",
    "retro",
    "year",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// One real past episode, not a habit or a hypothetical.
pub(in crate::analysis) fn specific_episode(situation: &str, task: &str, action: &str) -> Signal {
    for (part, is_action) in [(situation, false), (task, false), (action, true)] {
        for sentence in sentences(part) {
            let t = toks(sentence);
            let Some(first) = t.first() else { continue };
            if !is_action
                && matches!(
                    first.norm.as_str(),
                    "if" | "suppose" | "imagine" | "say" | "hypothetically" | "let's" | "assuming"
                )
            {
                return Err(format!("told as a hypothetical: {}", quote(&t, 0, 3)));
            }
            let mut habit = None;
            for i in 0..t.len() {
                let w = t[i].norm.as_str();
                let next = t.get(i + 1).map_or("", |x| x.norm.as_str());
                let opener = i == 0 && is_action && HABIT_ADVERBS.contains(&w);
                if matches!(w, "i" | "we") && HABIT_ADVERBS.contains(&next)
                    || (w == "used" && next == "to" && is_action)
                    || opener
                    || seq_at(&t, i, &["as", "a", "rule"])
                    || seq_at(&t, i, &["habit", "of"])
                    || seq_at(&t, i, &["in", "general"])
                {
                    habit.get_or_insert(i..i + 2);
                }
                if is_action {
                    let starts = i == 0 || (i == 1 && t[0].norm == "for");
                    if matches!(w, "whenever" | "anytime")
                        || (matches!(w, "every" | "each" | "any") && next == "time")
                        || (starts && matches!(w, "every" | "each") && RECURRING.contains(&next))
                        || (w == "when"
                            && matches!(next, "someone" | "anyone" | "somebody" | "anybody"))
                    {
                        habit.get_or_insert(i..i + 2);
                    }
                }
            }
            if let Some(span) = &habit {
                let also = (0..t.len()).find_map(|i| modal_at(&t, i).map(|len| i..i + len));
                let span = also
                    .filter(|m| m.start < span.start)
                    .unwrap_or(span.clone());
                return Err(format!(
                    "told as a habit: {}",
                    quote(&t, span.start, span.end + 4)
                ));
            }
            if let Some((i, len)) = (0..t.len()).find_map(|i| modal_at(&t, i).map(|l| (i, l))) {
                return Err(format!(
                    "told as a hypothetical: {}",
                    quote(&t, i, i + len + 3)
                ));
            }
        }
    }
    let first = sentences(action).first().map(|s| {
        let t = toks(s);
        quote(&t, 0, 8)
    });
    match first {
        Some(q) => Ok(q),
        None => Err("the action is empty".to_owned()),
    }
}
