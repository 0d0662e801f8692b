#![allow(clippy::unwrap_used)]
use super::signals::{
    has_lesson, hedges_in, quantified_result, reasoning_given, scale_stated, specific_episode,
};
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
    assert!(a.specific_episode && a.scale_stated && a.reasoning_given && a.has_lesson);
    assert!(a.hedges.is_empty());
    assert_eq!(a.i_we_ratio, Some(1.0));
    let keys: Vec<&str> = a.star_items.iter().map(|s| s.key).collect();
    let checklist: Vec<&str> = crate::checklist::star_checklist()
        .iter()
        .map(|i| i.key.as_str())
        .collect();
    assert_eq!(keys, checklist);
    assert!(a.star_items.iter().all(|s| s.met), "{:?}", a.star_items);
    let result = &a.star_items[4];
    assert_eq!(result.key, "star-measurable-result");
    assert!(result.evidence.contains("6 hours"), "{}", result.evidence);
    assert!(
        (MIN_WORDS..=MAX_WORDS).contains(&a.words.total),
        "{}",
        a.words.total
    );
}

/// The strong answer of the API test (tests/api/practice.rs) gets no hints either.
#[test]
fn the_api_tests_strong_answer_gets_no_hints() {
    let action = ["I called the vendor, I set up a manual fallback with finance because waiting was riskier, and I paired two engineers on the export script."; 7].join(" ");
    let a = analyse(&AnswerText {
        situation: "Our payroll vendor failed two days before payday.",
        task: "I owned getting 400 people paid on time.",
        action: &action,
        result: "Everyone was paid on time; the fallback took 6 hours instead of 2 days.",
        reflection: "I learned to keep a tested runbook for every critical vendor.",
    });
    assert!(a.hints.is_empty(), "{:?}", a.hints);
    let evidence: Vec<&str> = a.star_items.iter().map(|s| s.evidence.as_str()).collect();
    assert_eq!(
        evidence,
        [
            "\"I called the vendor, I set up a…\"",
            "\"failed two days before payday\"",
            "\"I\" 21 times and \"we\" 0 times in the action",
            "\"because waiting was riskier, and I paired two…\"",
            "\"fallback took 6 hours instead of 2 days\"",
            "\"I learned to keep a tested runbook for every critical vendor\"",
        ]
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
        "no_scale",
        "context_heavy",
        "action_not_largest",
        "we_dominates",
        "no_reasoning",
        "unquantified_result",
        "no_lesson",
        "hedging",
    ] {
        assert!(c.contains(&expected), "{expected} missing from {c:?}");
    }
    assert!(!a.quantified_result && !a.scale_stated && !a.reasoning_given && !a.has_lesson);
    assert!(a.specific_episode);
    assert_eq!(a.hedges, ["kind of", "basically"]);
    assert_eq!(a.i_we_ratio, Some(0.0));
    assert!(a
        .star_items
        .iter()
        .all(|s| !s.met || s.key == "star-one-episode"));
    let evidence = |key: &str| {
        a.star_items
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.evidence.clone())
            .unwrap()
    };
    assert_eq!(
        evidence("star-measurable-result"),
        "no measured outcome in the result"
    );
    assert_eq!(evidence("star-lesson"), "there is no reflection");
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
    assert_eq!(codes(&run(&p)), ["no_lesson"]);
    let mut p = base.clone();
    p.4 = "It was a stressful week and I was proud of the team.".to_owned();
    assert_eq!(codes(&run(&p)), ["no_lesson"]);
    let mut p = base.clone();
    p.4 = "I guess I learned to keep a runbook.".to_owned();
    assert_eq!(codes(&run(&p)), ["hedging"]);
    let mut p = base.clone();
    p.0 = "Our payroll vendor failed just before payday.".to_owned();
    p.1 = "I owned getting everyone paid on time.".to_owned();
    assert_eq!(codes(&run(&p)), ["no_scale"]);
    let mut p = base.clone();
    p.2 = repeat("I called the vendor, I set up a manual fallback with finance that afternoon, and I paired two engineers on the export script.", 8);
    assert_eq!(codes(&run(&p)), ["no_reasoning"]);
    let mut p = base.clone();
    p.2 =
        p.2.replace("I called", "Whenever a vendor failed, I would call");
    let a = run(&p);
    assert_eq!(codes(&a), ["habit_not_episode"]);
    assert_eq!(
        a.star_items[0].evidence,
        "told as a habit: \"Whenever a vendor failed, I would…\""
    );
    let mut p = base;
    p.1 = String::new();
    assert_eq!(codes(&run(&p)), ["empty_section"]);
}

#[test]
fn every_hint_names_its_item_and_a_next_step() {
    let a = analyse(&AnswerText {
        situation: "I usually have a lot going on.",
        task: "Basically keep things moving.",
        action: "We meet and we talk.",
        result: "Fine.",
        reflection: "It was ok.",
    });
    let items: Vec<&str> = crate::checklist::star_checklist()
        .iter()
        .map(|i| i.key.as_str())
        .collect();
    assert!(!a.hints.is_empty());
    for h in &a.hints {
        assert!(items.contains(&h.rubric_item), "{h:?}");
        assert!(h.message.contains(';') || h.message.contains(':'), "{h:?}");
    }
}

#[test]
fn measured_outcomes_count_and_the_traps_do_not() {
    for result in [
        "Cut costs by 20%",
        "Saved $40k",
        "Two weeks early",
        "Shipped in 3 sprints",
        "Churn halved, down to half",
        "Uptime went from 40% to 95%.",
        "Review time was cut from four days to one.",
        "We saved about $40k a year.",
        "Sign-ups doubled.",
        "Two of three teams adopted it.",
        "Complaints went to zero.",
        "Wait time fell from about a day to under an hour.",
    ] {
        assert!(quantified_result(result).is_ok(), "{result}");
    }
    for result in [
        "The team was happier",
        "We shipped in Q3.",
        "It was live by March 2023.",
        "After 6 months things felt calmer.",
        "I'm 100% sure it was the right call.",
        "My 8 engineers were happy.",
        "I'd expect ~50% less churn.",
        "It should save 20% of the cost.",
        "It was one of the best launches we had.",
        "We finished 2nd in the internal awards, in week six.",
        "The deal closed a week later.",
    ] {
        assert!(quantified_result(result).is_err(), "{result}");
    }
    assert_eq!(
        quantified_result("I'd expect ~50% less churn."),
        Err("the only figure is expected, not measured: \"I'd expect ~50% less churn\"".to_owned())
    );
    assert_eq!(
        quantified_result("Uptime went from 40% to 95%."),
        Ok("\"went from 40% to 95%\"".to_owned())
    );
}

#[test]
fn habits_and_hypotheticals_are_not_one_episode() {
    let episode = |action: &str| specific_episode("Our release slipped.", "I owned it.", action);
    for action in [
        "I usually pilot a change with one team first.",
        "I always write down what we will stop doing.",
        "Whenever this happens I would call a retro.",
        "Each time a deadline moved, I'd write it down.",
        "I would list everything I do in a week.",
        "I'd talk to her first.",
        "Every time a release slipped, I used to hold a retro.",
        "Whenever someone struggled, I would sit with them.",
        "Every Monday I ranked the requests.",
    ] {
        assert!(episode(action).is_err(), "{action}");
    }
    for action in [
        "I called the vendor the same day and set up a fallback.",
        "I told him I would cover his on-call shifts, and I did.",
        "I'd already warned the director, so I went straight to legal.",
        "A bad deploy would have doubled the outage, so I rolled back.",
        "I checked in with him every Friday for a month.",
    ] {
        assert!(episode(action).is_ok(), "{action}");
    }
    assert!(specific_episode("Suppose a vendor raised prices.", "", "I called them.").is_err());
    assert_eq!(
        episode("I usually pilot it."),
        Err("told as a habit: \"I usually pilot it\"".to_owned())
    );
}

#[test]
fn scale_is_team_money_users_or_a_deadline() {
    for (situation, task) in [
        ("I led 12 engineers.", ""),
        ("We were bidding for a $2M contract.", ""),
        ("The app had 40,000 users.", ""),
        ("", "It had to ship by the end of the quarter."),
        ("", "I had to do it in three weeks."),
        ("My team of seven was stuck.", ""),
        ("I ran a 25-person organisation.", ""),
    ] {
        assert!(scale_stated(situation, task).is_ok(), "{situation} {task}");
    }
    for (situation, task) in [
        ("In 2021 I hired a manager.", "I had to decide."),
        ("Two directors wanted my team.", ""),
        ("Our biggest customer escalated.", ""),
        ("The bill had doubled in a year.", ""),
        ("It cost each of them about a day a week.", ""),
        ("One of my engineers was struggling.", ""),
    ] {
        assert!(scale_stated(situation, task).is_err(), "{situation} {task}");
    }
}

#[test]
fn reasoning_is_a_why_for_a_step() {
    for action in [
        "I rolled back because we couldn't verify the fix.",
        "I met them separately so that neither felt ambushed.",
        "I escalated through the contract rather than threaten to leave.",
        "I chose the audit over the launch.",
        "I chose to meet them separately first: a joint meeting would have turned into a fight.",
        "I went to the VP, since he owned both budgets.",
        "I was worried they'd feel sidelined, so I flew out.",
    ] {
        assert!(reasoning_given(action).is_ok(), "{action}");
    }
    for action in [
        "I asked for time. Then I went through the tests. Then we split the suite.",
        "Set review rules: comment on code, not people.",
        "I'd follow the incident plan: contain, assess, notify legal.",
        "I paired him with two engineers, and they documented each module as they went.",
    ] {
        assert!(reasoning_given(action).is_err(), "{action}");
    }
}

#[test]
fn a_lesson_is_learned_or_a_lasting_change() {
    for reflection in [
        "I learned to put refusals in writing.",
        "Since then I agree the cut line at kickoff.",
        "Now I always bring options.",
        "Next time I'll involve legal on day one.",
        "I've started writing decisions down.",
        "It taught me to ask for data early.",
        "These days I go to the other manager first.",
    ] {
        assert!(has_lesson(reflection, "").is_ok(), "{reflection}");
    }
    for reflection in [
        "It was a tough time.",
        "I was proud of the team.",
        "Overall it was a good outcome.",
        "I think it went well overall.",
    ] {
        assert!(has_lesson(reflection, "").is_err(), "{reflection}");
    }
    assert!(has_lesson("", "We shipped it. Since then I plan the cut line first.").is_ok());
    assert!(has_lesson("", "The suite now runs in 12 minutes.").is_err());
}

#[test]
fn hedges_need_whole_words() {
    assert_eq!(hedges_in("Maybe we should"), ["maybe"]);
    assert!(hedges_in("the sort order of kinds").is_empty());
    assert!(hedges_in("What kind of tool was it?").is_empty());
    assert_eq!(
        hedges_in(
            "I kind of led it, I think, and it was a bit more or less fine; I feel like probably."
        ),
        [
            "kind of",
            "i think",
            "probably",
            "i feel like",
            "more or less",
            "a bit"
        ]
    );
}

proptest! {
    #[test]
    fn analysis_never_panics_and_counts_add_up(parts in proptest::collection::vec(".{0,300}", 5)) {
        let a = analyse(&AnswerText { situation: &parts[0], task: &parts[1], action: &parts[2], result: &parts[3], reflection: &parts[4] });
        prop_assert_eq!(a.words.total, a.words.situation + a.words.task + a.words.action + a.words.result + a.words.reflection);
        prop_assert_eq!(a.speaking_seconds as usize, a.words.total * 60 / WORDS_PER_MINUTE as usize);
        if let Some(r) = a.i_we_ratio { prop_assert!((0.0..=1.0).contains(&r)); }
        prop_assert!(a.hints.iter().all(|h| h.rubric_item.starts_with("star-")));
        prop_assert_eq!(a.star_items.len(), crate::checklist::star_checklist().len());
        prop_assert!(a.star_items.iter().all(|s| !s.evidence.is_empty()));
    }
}
