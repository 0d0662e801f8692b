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
