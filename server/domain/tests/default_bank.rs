//! The default bank (`question-bank/management-core.toml`) holds to what a
//! hiring manager expects of it: enough questions over enough competencies,
//! every theme of a real engineering/IT manager loop, three levels, real
//! follow-up probes and red flags, and no question asked twice in other words.

use starling_domain::bank::{parse_toml, Bank, Limits, Question};
use std::collections::{BTreeMap, BTreeSet, HashSet};

const SOURCE: &str = include_str!("../../../question-bank/management-core.toml");

const LEVELS: [&str; 3] = ["first-time", "experienced", "manager-of-managers"];

/// Themes real loops ask about, as the tags that mark them.
const THEMES: [&str; 16] = [
    "incidents",
    "letting-go",
    "managing-managers",
    "remote",
    "inclusion",
    "change-management",
    "tech-debt",
    "vendor-management",
    "ethics",
    "performance-reviews",
    "wellbeing",
    "promotion-case",
    "why-management",
    "product-partnership",
    "difficult-boss",
    "cloud-spend",
];

/// Two prompts whose content words overlap this much (Jaccard index of their
/// stemmed content-word sets) ask the same thing in other words.
const NEAR_DUPLICATE: f64 = 0.4;

/// Words that carry judgement rather than something a reader can see in an
/// answer; a rubric item must not lean on them.
const JUDGEMENT_WORDS: [&str; 11] = [
    "fully",
    "appropriately",
    "appropriate",
    "realistic",
    "realistically",
    "properly",
    "effectively",
    "respectfully",
    "sensitively",
    "thoughtfully",
    "clearly",
];

fn bank() -> Bank {
    parse_toml(SOURCE, &Limits::default()).unwrap_or_else(|errors| panic!("{errors}"))
}

const STOP_WORDS: &str =
    "a an the and or but of to in on at for with from by about as is was were \
    be been had has have it its this that these those there their they them then than what which \
    who whom when where why how did do does your you yours i me my we our us one someone \
    something some time tell describe give example situation not team made";

/// A prompt's content words, lower-cased, with plural and tense endings cut.
fn content_words(prompt: &str) -> BTreeSet<String> {
    let stop: HashSet<&str> = STOP_WORDS.split_whitespace().collect();
    prompt
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 2 && !stop.contains(w))
        .map(|w| {
            for suffix in ["ing", "ed", "es", "s"] {
                if let Some(stem) = w.strip_suffix(suffix) {
                    if stem.len() >= 4 {
                        return stem.to_owned();
                    }
                }
            }
            w.to_owned()
        })
        .collect()
}

fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (content_words(a), content_words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

fn normalized(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn assert_unique(question: &Question, field: &str, items: &[String]) {
    let mut seen = HashSet::new();
    for item in items {
        assert!(
            seen.insert(normalized(item)),
            "{}: {field} repeats {item:?}",
            question.id
        );
    }
}

#[test]
fn the_bank_covers_enough_questions_competencies_and_themes() {
    let bank = bank();
    assert!(
        bank.questions.len() >= 110,
        "{} questions",
        bank.questions.len()
    );
    assert!(
        bank.competencies.len() >= 22,
        "{} competencies",
        bank.competencies.len()
    );
    let mut per_competency: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &bank.questions {
        *per_competency.entry(q.competency.as_str()).or_default() += 1;
    }
    for c in &bank.competencies {
        let n = per_competency.get(c.id.as_str()).copied().unwrap_or(0);
        assert!(n >= 3, "competency {} has {n} questions", c.id);
    }
    for theme in THEMES {
        let n = bank
            .questions
            .iter()
            .filter(|q| q.tags.iter().any(|t| t == theme))
            .count();
        assert!(n >= 3, "theme {theme} has {n} questions");
    }
}

#[test]
fn every_question_has_levels_probes_red_flags_and_a_rubric() {
    let bank = bank();
    let mut per_level: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &bank.questions {
        assert!(!q.level.is_empty(), "{}: no level", q.id);
        for level in &q.level {
            assert!(
                LEVELS.contains(&level.as_str()),
                "{}: unknown level {level}",
                q.id
            );
            *per_level.entry(level.as_str()).or_default() += 1;
        }
        assert!(
            (3..=5).contains(&q.follow_ups.len()),
            "{}: {} follow-ups",
            q.id,
            q.follow_ups.len()
        );
        assert!(
            (2..=4).contains(&q.red_flags.len()),
            "{}: {} red flags",
            q.id,
            q.red_flags.len()
        );
        assert!(
            (3..=6).contains(&q.rubric.len()),
            "{}: {} rubric items",
            q.id,
            q.rubric.len()
        );
        assert_unique(q, "rubric", &q.rubric);
        assert_unique(q, "red_flags", &q.red_flags);
        assert_unique(q, "follow_ups", &q.follow_ups);
        for item in &q.rubric {
            let words: HashSet<String> = item
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphabetic())
                .map(str::to_owned)
                .collect();
            for judgement in JUDGEMENT_WORDS {
                assert!(
                    !words.contains(judgement),
                    "{}: rubric item {item:?} leans on {judgement:?}",
                    q.id
                );
            }
        }
    }
    for level in LEVELS {
        let n = per_level.get(level).copied().unwrap_or(0);
        assert!(n >= 30, "only {n} questions suit {level}");
    }
}

#[test]
fn no_two_prompts_ask_the_same_thing() {
    let bank = bank();
    let mut worst = (0.0, "", "");
    for (i, a) in bank.questions.iter().enumerate() {
        for b in &bank.questions[i + 1..] {
            let s = similarity(&a.prompt, &b.prompt);
            assert!(
                s < NEAR_DUPLICATE,
                "near-duplicate prompts ({s:.2}):\n  {}: {}\n  {}: {}",
                a.id,
                a.prompt,
                b.id,
                b.prompt
            );
            if s > worst.0 {
                worst = (s, &a.id, &b.id);
            }
        }
    }
    eprintln!("closest pair: {:.2} {} / {}", worst.0, worst.1, worst.2);
}

#[test]
fn the_similarity_measure_catches_a_reworded_question() {
    let original = "Tell me about a time you had to tell someone on your team that their work was not meeting expectations.";
    let reworded = "Describe when you told a team member their work was not meeting the expectations you had set.";
    assert!(similarity(original, reworded) >= NEAR_DUPLICATE);
    let other =
        "Tell me about a time you had to cut your team's cloud bill without hurting reliability.";
    assert!(similarity(original, other) < NEAR_DUPLICATE);
}

#[test]
fn question_ids_are_unique_and_every_competency_is_used() {
    let bank = bank();
    let mut ids = HashSet::new();
    for q in &bank.questions {
        assert!(ids.insert(q.id.as_str()), "{} twice", q.id);
    }
    let used: HashSet<&str> = bank
        .questions
        .iter()
        .map(|q| q.competency.as_str())
        .collect();
    for c in &bank.competencies {
        assert!(used.contains(c.id.as_str()), "{} unused", c.id);
    }
}
