//! The answer's content signals, each a sentence- or clause-level heuristic that returns
//! the phrase it relied on (`Ok`) or why it was not met (`Err`).

mod episode;
mod measure;

pub(super) use episode::specific_episode;
pub(super) use measure::{quantified_result, scale_stated};

use crate::analysis::text::{is_number, quote, sentences, seq_at, toks, MONTHS};

/// The phrase relied on, quoted, or why the signal is not met.
pub(super) type Signal = Result<String, String>;

const CHOICE_VERBS: [&str; 10] = [
    "chose",
    "decided",
    "opted",
    "picked",
    "preferred",
    "recommended",
    "prioritised",
    "prioritized",
    "favoured",
    "favored",
];

/// The Action explains why at least one key step was chosen.
pub(super) fn reasoning_given(action: &str) -> Signal {
    const PHRASES: [&[&str]; 18] = [
        &["because"],
        &["so", "that"],
        &["instead", "of"],
        &["rather", "than"],
        &["trade-off"],
        &["tradeoff"],
        &["trade", "off"],
        &["the", "risk"],
        &["in", "order", "to"],
        &["so", "as", "to"],
        &["to", "avoid"],
        &["otherwise"],
        &["the", "alternative"],
        &["given", "that"],
        &["which", "meant"],
        &["the", "reason"],
        &["would've"],
        &["to", "make", "sure"],
    ];
    for sentence in sentences(action) {
        let t = toks(sentence);
        let word = |i: usize| t.get(i).map_or("", |w| w.norm.as_str());
        for i in 0..t.len() {
            let w = word(i);
            let hit = PHRASES.iter().any(|p| seq_at(&t, i, p))
                || (matches!(w, "would" | "could" | "might")
                    && (word(i + 1) == "have" || word(i + 2) == "have"))
                || (w == "since"
                    && i + 1 < t.len()
                    && !matches!(word(i + 1), "then" | "last" | "that" | "the")
                    && !is_number(word(i + 1))
                    && !MONTHS.contains(&word(i + 1)))
                || (w == "as"
                    && matches!(
                        word(i + 1),
                        "it" | "they" | "we" | "he" | "she" | "the" | "this" | "that"
                    )
                    && (i + 2..(i + 4).min(t.len())).any(|j| {
                        matches!(
                            word(j),
                            "was" | "were" | "had" | "would" | "could" | "meant" | "is"
                        )
                    }))
                || (w == "so"
                    && matches!(
                        word(i + 1),
                        "i" | "we" | "he" | "she" | "they" | "it" | "the" | "nobody" | "everyone"
                    ));
            if hit {
                return Ok(quote(&t, i, i + 8));
            }
        }
        // "I chose X over Y", "I chose to meet them first: a joint meeting…".
        if let Some(v) = t
            .iter()
            .position(|w| CHOICE_VERBS.contains(&w.norm.as_str()))
        {
            let colon = sentence.contains(':');
            let over = t[v..].iter().any(|w| w.norm == "over");
            if colon || over {
                return Ok(quote(&t, v.saturating_sub(1), v + 10));
            }
        }
    }
    Err(if action.trim().is_empty() {
        "the action is empty".to_owned()
    } else {
        "no step says why it was chosen over another".to_owned()
    })
}

/// The Reflection (or, without one, the Result's last sentence) states a lesson or a
/// lasting change in how the speaker works.
pub(super) fn has_lesson(reflection: &str, result: &str) -> Signal {
    const MARKERS: [&[&str]; 38] = [
        &["from", "that", "day"],
        &["i've", "kept"],
        &["i've", "made"],
        &["i'd", "have"],
        &["i", "would", "have"],
        &["should", "have"],
        &["anymore"],
        &["any", "more"],
        &["learned"],
        &["learnt"],
        &["lesson"],
        &["lessons"],
        &["taught", "me"],
        &["showed", "me"],
        &["since", "then"],
        &["ever", "since"],
        &["now", "i"],
        &["i", "now"],
        &["these", "days"],
        &["nowadays"],
        &["next", "time"],
        &["i've", "started"],
        &["i", "have", "started"],
        &["i've", "come"],
        &["i", "realised"],
        &["i", "realized"],
        &["from", "then", "on"],
        &["from", "now", "on"],
        &["going", "forward"],
        &["in", "future"],
        &["in", "the", "future"],
        &["differently"],
        &["i", "still"],
        &["takeaway"],
        &["to", "this", "day"],
        &["i've", "changed"],
        &["i", "make", "a", "point"],
        &["made", "me", "realise"],
    ];
    let reflection_empty = reflection.trim().is_empty();
    let text = if reflection_empty {
        sentences(result).last().copied().unwrap_or("")
    } else {
        reflection
    };
    for sentence in sentences(text) {
        let t = toks(sentence);
        let starts_now = t.first().is_some_and(|w| w.norm == "now");
        let ends_since = t
            .last()
            .is_some_and(|w| matches!(w.norm.as_str(), "since" | "now"))
            && t.len() > 2;
        if starts_now
            || ends_since
            || (0..t.len()).any(|i| MARKERS.iter().any(|m| seq_at(&t, i, m)))
        {
            return Ok(quote(&t, 0, 12));
        }
    }
    Err(if reflection_empty {
        "there is no reflection".to_owned()
    } else {
        "the reflection is a summary or a feeling, not a lesson".to_owned()
    })
}

pub(super) const HEDGES: [&str; 11] = [
    "kind of",
    "sort of",
    "basically",
    "i guess",
    "maybe",
    "i think",
    "probably",
    "somewhat",
    "i feel like",
    "more or less",
    "a bit",
];

/// The hedges in `text`, in the order of [`HEDGES`]; "kind of" and "sort of" only as hedges
/// ("sort of mediated"), not as nouns ("this kind of problem").
pub(super) fn hedges_in(text: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for sentence in sentences(text) {
        let t = toks(sentence);
        for h in HEDGES {
            if found.contains(&h) {
                continue;
            }
            let words: Vec<&str> = h.split(' ').collect();
            let hit = (0..t.len()).any(|i| {
                seq_at(&t, i, &words)
                    && !(matches!(h, "kind of" | "sort of")
                        && i > 0
                        && matches!(
                            t[i - 1].norm.as_str(),
                            "this"
                                | "that"
                                | "what"
                                | "the"
                                | "any"
                                | "some"
                                | "every"
                                | "which"
                                | "same"
                                | "right"
                                | "wrong"
                                | "one"
                                | "these"
                                | "those"
                        ))
            });
            if hit {
                found.push(h);
            }
        }
    }
    HEDGES.into_iter().filter(|h| found.contains(h)).collect()
}
