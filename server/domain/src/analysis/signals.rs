//! The answer's content signals, each a sentence- or clause-level heuristic that returns
//! the phrase it relied on (`Ok`) or why it was not met (`Err`).

use super::text::{
    clauses, find_seq, is_number, is_ordinal_digits, is_period_code, is_year, quote, sentences,
    seq_at, toks, Tok, MONTHS, TIME_UNITS, WEEKDAYS,
};

/// The phrase relied on, quoted, or why the signal is not met.
pub(super) type Signal = Result<String, String>;

const PEOPLE: [&str; 30] = [
    "engineers",
    "engineer",
    "people",
    "person",
    "developers",
    "devs",
    "staff",
    "employees",
    "reports",
    "testers",
    "designers",
    "members",
    "hires",
    "analysts",
    "contractors",
    "teams",
    "squads",
    "users",
    "customers",
    "clients",
    "accounts",
    "subscribers",
    "stores",
    "sites",
    "countries",
    "offices",
    "services",
    "stakeholders",
    "managers",
    "leads",
];

const MONEY_WORDS: [&str; 8] = [
    "dollars", "pounds", "euros", "k", "m", "bn", "million", "billion",
];

fn has_money_sign(w: &str) -> bool {
    w.contains(['$', '£', '€', '¥']) && w.chars().any(|c| c.is_ascii_digit())
}

/// Words that make a clause expected or hypothetical rather than measured.
fn hypothetical_clause(t: &[Tok<'_>]) -> bool {
    t.iter().enumerate().any(|(i, w)| {
        let perfect = t.get(i + 1).is_some_and(|n| n.norm == "have")
            || t.get(i + 2).is_some_and(|n| n.norm == "have");
        match w.norm.as_str() {
            "would" | "should" | "could" | "might" | "i'd" | "we'd" | "it'd" => !perfect,
            "will" | "i'll" | "we'll" | "it'll" | "expect" | "expected" | "expecting" | "hope"
            | "hoped" | "hopefully" | "hoping" | "aim" | "aiming" | "goal" | "projected"
            | "forecast" | "predicted" | "likely" | "potentially" => true,
            "on" => t.get(i + 1).is_some_and(|n| n.norm == "track"),
            _ => false,
        }
    })
}

/// Marks numbers that are not measures: dates, quarters, time passing, certainty, team
/// sizes in passing, ranks.
fn not_measures(t: &[Tok<'_>]) -> Vec<bool> {
    let n = t.len();
    let mut out = vec![false; n];
    let word = |i: usize| t.get(i).map_or("", |w| w.norm.as_str());
    for i in 0..n {
        let w = word(i);
        let time_of_day = w.chars().any(|c| c.is_ascii_digit())
            && (w.ends_with("am") || w.ends_with("pm") || w.contains(':'));
        if is_year(w)
            || is_period_code(w)
            || is_ordinal_digits(w)
            || time_of_day
            || t[i].raw.starts_with('#')
        {
            out[i] = true;
        }
        // "over the next 3 months", "in the first two weeks": a period, not a measure.
        if matches!(w, "next" | "following" | "first" | "last" | "past")
            && is_number(word(i + 1))
            && TIME_UNITS.contains(&word(i + 2))
        {
            out[i + 1] = true;
        }
        if MONTHS.contains(&w) || WEEKDAYS.contains(&w) {
            if i > 0 && is_number(word(i - 1)) {
                out[i - 1] = true;
            }
            if is_number(word(i + 1)) {
                out[i + 1] = true;
            }
        }
        // "week six", "day 3": a point in time.
        if matches!(
            w,
            "week" | "day" | "month" | "year" | "sprint" | "quarter" | "cycle" | "round" | "phase"
        ) && is_number(word(i + 1))
        {
            out[i + 1] = true;
        }
        // "after 6 months", "6 months later", "two weeks ago".
        if matches!(w, "after" | "since") && is_number(word(i + 1)) {
            out[i + 1] = true;
        }
        if is_number(w)
            && TIME_UNITS.contains(&word(i + 1))
            && (matches!(word(i + 2), "later" | "ago" | "in")
                || (word(i + 2) == "on" && i + 3 == n))
        {
            out[i] = true;
        }
        // "100% sure", "100 percent certain".
        let certain = |x: &str| matches!(x, "sure" | "certain" | "confident" | "convinced");
        if is_number(w)
            && (certain(word(i + 1)) || (word(i + 1) == "percent" && certain(word(i + 2))))
        {
            out[i] = true;
        }
        // "my 8 testers", "a team of 8": team sizes in passing.
        if matches!(w, "my" | "our" | "his" | "her" | "their")
            && is_number(word(i + 1))
            && PEOPLE.contains(&word(i + 2))
        {
            out[i + 1] = true;
        }
        if w == "of"
            && matches!(
                word(i.wrapping_sub(1)),
                "team" | "group" | "organisation" | "organization"
            )
            && is_number(word(i + 1))
        {
            out[i + 1] = true;
        }
        // Ranks: "top 3", "number one", "one of the best".
        if matches!(w, "top" | "number" | "no") && is_number(word(i + 1)) {
            out[i + 1] = true;
        }
        if w == "one"
            && word(i + 1) == "of"
            && (i + 2..(i + 6).min(n)).any(|j| {
                let x = word(j);
                x.ends_with("est") || matches!(x, "best" | "top" | "most" | "worst")
            })
        {
            out[i] = true;
        }
        if w == "half" && matches!(word(i.wrapping_sub(1)), "first" | "second") {
            out[i] = true;
        }
    }
    out
}

fn is_measure(w: &str) -> bool {
    is_number(w)
        || w.contains('%')
        || matches!(
            w,
            "half" | "halved" | "doubled" | "tripled" | "trebled" | "quadrupled" | "percent"
        )
}

/// "from about a day to under an hour": a change between two durations without digits.
fn change_in_time(t: &[Tok<'_>]) -> Option<usize> {
    let from = t.iter().position(|w| w.norm == "from")?;
    let to = (from + 1..(from + 6).min(t.len())).find(|&j| t[j].norm == "to")?;
    let unit = |range: std::ops::Range<usize>| {
        range.into_iter().any(|j| {
            t.get(j).is_some_and(|w| {
                TIME_UNITS.contains(&w.norm.as_str())
                    || matches!(
                        w.norm.as_str(),
                        "afternoon" | "morning" | "evening" | "night"
                    )
            })
        })
    };
    (unit(from + 1..to) && unit(to + 1..to + 4)).then_some(from)
}

/// The Result states a measured outcome of the episode.
pub(super) fn quantified_result(result: &str) -> Signal {
    let mut expected = None;
    for sentence in sentences(result) {
        for clause in clauses(sentence) {
            let t = toks(clause);
            let excluded = not_measures(&t);
            let Some(i) = (0..t.len())
                .find(|&i| !excluded[i] && is_measure(&t[i].norm))
                .or_else(|| change_in_time(&t))
            else {
                continue;
            };
            if hypothetical_clause(&t) {
                expected.get_or_insert_with(|| quote(&t, 0, t.len()));
                continue;
            }
            return Ok(quote(&t, i.saturating_sub(2), i + 5));
        }
    }
    Err(match expected {
        Some(q) => format!("the only figure is expected, not measured: {q}"),
        None if result.trim().is_empty() => "the result is empty".to_owned(),
        None => "no measured outcome in the result".to_owned(),
    })
}

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
pub(super) fn specific_episode(situation: &str, task: &str, action: &str) -> Signal {
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
                    quote(&t, span.start, span.end)
                ));
            }
            if let Some((i, len)) = (0..t.len()).find_map(|i| modal_at(&t, i).map(|l| (i, l))) {
                return Err(format!(
                    "told as a hypothetical: {}",
                    quote(&t, i, i + len + 1)
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

/// The Situation or Task states the stakes' scale.
pub(super) fn scale_stated(situation: &str, task: &str) -> Signal {
    for part in [situation, task] {
        for sentence in sentences(part) {
            let t = toks(sentence);
            let excluded = not_measures(&t);
            let word = |i: usize| t.get(i).map_or("", |w| w.norm.as_str());
            for i in 0..t.len() {
                let w = word(i);
                let found = |from: usize, to: usize| Ok(quote(&t, from, to));
                if has_money_sign(w) {
                    return found(i, i + 2);
                }
                // "by the end of the quarter", "by end of Q2".
                let date = |x: &str| {
                    MONTHS.contains(&x) && x != "may" || WEEKDAYS.contains(&x) || is_period_code(x)
                };
                if w == "by"
                    && (seq_at(&t, i + 1, &["the", "end"])
                        || word(i + 1) == "end"
                        || date(word(i + 1)))
                {
                    return found(i, i + 6);
                }
                if matches!(
                    w,
                    "team" | "organisation" | "organization" | "group" | "department" | "headcount"
                ) && word(i + 1) == "of"
                    && (is_number(word(i + 2))
                        || matches!(
                            word(i + 2),
                            "about" | "around" | "roughly" | "nearly" | "over"
                        ) && is_number(word(i + 3)))
                {
                    return found(i, i + 4);
                }
                if let Some((num, rest)) = w.split_once('-') {
                    let unit = TIME_UNITS.contains(&rest);
                    if is_number(num)
                        && (unit
                            || matches!(
                                rest,
                                "person" | "people" | "strong" | "engineer" | "member"
                            ))
                    {
                        return found(i, i + 2);
                    }
                }
                // "within a month", "within a year".
                if w == "within"
                    && matches!(word(i + 1), "a" | "one")
                    && TIME_UNITS.contains(&word(i + 2))
                {
                    return found(i, i + 3);
                }
                if !is_number(w) || excluded[i] || w == "one" || is_year(w) {
                    continue;
                }
                if MONEY_WORDS.contains(&word(i + 1)) {
                    return found(i, i + 3);
                }
                // "12 engineers", "40,000 customers", "about 15 business stakeholders".
                if let Some(j) = (i + 1..(i + 4).min(t.len())).find(|&j| PEOPLE.contains(&word(j)))
                {
                    if (i + 1..j).all(|k| !matches!(word(k), "of" | "and" | "or")) {
                        return found(i, j + 1);
                    }
                }
                // "in six weeks", "three weeks to", "due in 60 days".
                if TIME_UNITS.contains(&word(i + 1))
                    && (matches!(
                        word(i.wrapping_sub(1)),
                        "in" | "within" | "only" | "next" | "had" | "gave" | "given"
                    ) || matches!(word(i + 2), "to" | "before" | "until" | "left" | "away"))
                {
                    return found(i.saturating_sub(1), i + 3);
                }
                // "2% of sessions", "a fifth of its staff".
                if w.ends_with('%') && word(i + 1) == "of" {
                    return found(i, i + 3);
                }
            }
            if let Some(i) =
                find_seq(&t, &["of", "its", "staff"]).or(find_seq(&t, &["of", "our", "staff"]))
            {
                return Ok(quote(&t, i.saturating_sub(2), i + 3));
            }
        }
    }
    Err("no team size, money, user count or deadline in the situation or task".to_owned())
}

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
