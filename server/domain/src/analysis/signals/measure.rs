//! Figures: whether the Result measures an outcome, and whether the Situation or Task
//! states the stakes' scale.

use crate::analysis::text::{
    clauses, find_seq, is_number, is_ordinal_digits, is_period_code, is_year, quote, sentences,
    seq_at, toks, Tok, MONTHS, TIME_UNITS, WEEKDAYS,
};

use super::Signal;

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
pub(in crate::analysis) fn quantified_result(result: &str) -> Signal {
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

/// The Situation or Task states the stakes' scale.
pub(in crate::analysis) fn scale_stated(situation: &str, task: &str) -> Signal {
    for part in [situation, task] {
        for sentence in sentences(part) {
            let t = toks(sentence);
            let excluded = not_measures(&t);
            let word = |i: usize| t.get(i).map_or("", |w| w.norm.as_str());
            for (i, &not_a_measure) in excluded.iter().enumerate() {
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
                if !is_number(w) || not_a_measure || w == "one" || is_year(w) {
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
