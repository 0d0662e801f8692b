//! Automatic analysis of a STAR answer: word counts, speaking time and hints
//! about what a strong interviewer would notice, each tied to a checklist item.

use serde::Serialize;

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
    pub situation: usize,
    pub task: usize,
    pub action: usize,
    pub result: usize,
    pub reflection: usize,
    pub total: usize,
}

#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hint {
    pub code: &'static str,
    pub message: String,
    /// The key of the STAR checklist item this hint supports.
    pub rubric_item: &'static str,
}

#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    pub words: Words,
    pub speaking_seconds: u32,
    /// Whether the result carries a measure: a number, percentage, money, duration or count.
    pub quantified_result: bool,
    /// Share of first-person singular among "I" and "we" words in the action; none without either.
    pub i_we_ratio: Option<f64>,
    pub hints: Vec<Hint>,
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().map(|w| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase()
    })
}

fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

const HEDGES: [&str; 6] = [
    "kind of",
    "sort of",
    "basically",
    "i guess",
    "maybe",
    "i think maybe",
];

const NUMBER_WORDS: [&str; 24] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "fifty", "hundred", "thousand", "million", "half",
    "double", "doubled", "tripled", "dozen",
];

const DURATION_WORDS: [&str; 10] = [
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
];

fn is_quantified(text: &str) -> bool {
    if text
        .chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '%' | '$' | '€' | '£' | '¥'))
    {
        return true;
    }
    tokens(text).any(|w| {
        NUMBER_WORDS.contains(&w.as_str()) || DURATION_WORDS.contains(&w.as_str()) || w == "percent"
    })
}

fn hedges_in(text: &str) -> Vec<&'static str> {
    let normalized: String = tokens(text).collect::<Vec<_>>().join(" ");
    let padded = format!(" {normalized} ");
    HEDGES
        .iter()
        .copied()
        .filter(|h| padded.contains(&format!(" {h} ")))
        .collect()
}

fn minutes(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
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
    for w in tokens(answer.action) {
        match w.as_str() {
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
    let quantified_result = is_quantified(answer.result);
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
            hint("empty_section", item, format!("The {name} is empty."));
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
    if words.total > 0 && (words.situation + words.task) * 3 > words.total {
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
    if words.result > 0 && !quantified_result {
        hint(
            "unquantified_result",
            "star-measurable-result",
            "The result has no measure; add a number, a percentage, money, time saved or a count."
                .to_owned(),
        );
    }
    if words.reflection == 0 {
        hint(
            "no_reflection",
            "star-lesson",
            "There is no reflection; close with what you learned or now do differently.".to_owned(),
        );
    }
    let mut found: Vec<&str> = Vec::new();
    for part in [
        answer.situation,
        answer.task,
        answer.action,
        answer.result,
        answer.reflection,
    ] {
        for h in hedges_in(part) {
            if !found.contains(&h) {
                found.push(h);
            }
        }
    }
    if !found.is_empty() {
        hint(
            "hedging",
            "star-personal-role",
            format!(
                "Hedges weaken the story: {}.",
                found
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    Analysis {
        words,
        speaking_seconds,
        quantified_result,
        i_we_ratio,
        hints,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn codes(a: &Analysis) -> Vec<&'static str> {
        a.hints.iter().map(|h| h.code).collect()
    }

    fn repeat(text: &str, times: usize) -> String {
        vec![text; times].join(" ")
    }

    /// A strong answer: brief context, a long action in the first person, a measured result, a lesson.
    fn strong() -> (String, String, String, String, String) {
        (
            "Our payroll vendor failed two days before payday.".to_owned(),
            "I owned getting 400 people paid on time.".to_owned(),
            repeat("I called the vendor, I set up a manual fallback with finance because waiting was riskier, and I paired two engineers on the export script.", 7),
            "Everyone was paid on time and the fallback took 6 hours instead of 2 days.".to_owned(),
            "I learned to keep a tested runbook for every critical vendor, and I review it each quarter.".to_owned(),
        )
    }

    fn run(p: &(String, String, String, String, String)) -> Analysis {
        analyse(&AnswerText {
            situation: &p.0,
            task: &p.1,
            action: &p.2,
            result: &p.3,
            reflection: &p.4,
        })
    }

    #[test]
    fn a_strong_answer_gets_no_hints() {
        let a = run(&strong());
        assert!(a.hints.is_empty(), "{:?}", a.hints);
        assert!(a.quantified_result);
        assert_eq!(a.i_we_ratio, Some(1.0));
        assert!(
            (MIN_WORDS..=MAX_WORDS).contains(&a.words.total),
            "{}",
            a.words.total
        );
    }

    #[test]
    fn a_weak_answer_gets_the_hints_it_deserves() {
        let a = analyse(&AnswerText {
            situation: "We had a big project that was kind of late and basically everyone was stressed about it.",
            task: "We needed to fix it.",
            action: "We talked and we planned and we worked hard.",
            result: "It went well in the end.",
            reflection: "",
        });
        let c = codes(&a);
        for expected in [
            "too_short",
            "context_heavy",
            "action_not_largest",
            "we_dominates",
            "unquantified_result",
            "no_reflection",
            "hedging",
        ] {
            assert!(c.contains(&expected), "{expected} missing from {c:?}");
        }
        assert!(!a.quantified_result);
        assert_eq!(a.i_we_ratio, Some(0.0));
    }

    #[test]
    fn each_hint_fires_alone() {
        let base = strong();
        let mut p = base.clone();
        p.2 = repeat(&p.2, 3);
        assert_eq!(codes(&run(&p)), ["too_long"]);
        let mut p = base.clone();
        p.0 = repeat("The background went on and on.", 20);
        assert!(codes(&run(&p)).contains(&"context_heavy"));
        let mut p = base.clone();
        p.2 = p.2.replace("I ", "we ");
        assert_eq!(codes(&run(&p)), ["we_dominates"]);
        let mut p = base.clone();
        p.3 = "Everyone was paid on time and payroll was calm again.".to_owned();
        assert_eq!(codes(&run(&p)), ["unquantified_result"]);
        let mut p = base.clone();
        p.4 = String::new();
        assert_eq!(codes(&run(&p)), ["no_reflection"]);
        let mut p = base.clone();
        p.4 = "I guess I learned to keep a runbook.".to_owned();
        assert_eq!(codes(&run(&p)), ["hedging"]);
        let mut p = base;
        p.1 = String::new();
        assert_eq!(codes(&run(&p)), ["empty_section"]);
    }

    #[test]
    fn measures_in_many_forms_count() {
        for result in [
            "Cut costs by 20%",
            "Saved $40k",
            "Two weeks early",
            "Shipped in 3 sprints",
            "Churn halved, down to half",
        ] {
            assert!(is_quantified(result), "{result}");
        }
        assert!(!is_quantified("The team was happier"));
    }

    #[test]
    fn hedges_need_whole_words() {
        assert_eq!(hedges_in("Maybe we should"), ["maybe"]);
        assert!(hedges_in("the sort order of kinds").is_empty());
    }

    proptest! {
        #[test]
        fn analysis_never_panics_and_counts_add_up(parts in proptest::collection::vec(".{0,300}", 5)) {
            let a = analyse(&AnswerText { situation: &parts[0], task: &parts[1], action: &parts[2], result: &parts[3], reflection: &parts[4] });
            prop_assert_eq!(a.words.total, a.words.situation + a.words.task + a.words.action + a.words.result + a.words.reflection);
            prop_assert_eq!(a.speaking_seconds as usize, a.words.total * 60 / WORDS_PER_MINUTE as usize);
            if let Some(r) = a.i_we_ratio { prop_assert!((0.0..=1.0).contains(&r)); }
            prop_assert!(a.hints.iter().all(|h| h.rubric_item.starts_with("star-")));
        }
    }
}
