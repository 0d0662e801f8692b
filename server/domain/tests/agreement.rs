//! Agreement of the answer-analysis signals with hand labels (issue 16).
//!
//! `answers-tune.toml` is what the heuristics were tuned on; `answers-holdout.toml` was
//! written and labelled apart and never looked at while tuning. Every signal must agree
//! with the labels on at least 90% of the answers of each file.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use serde::Deserialize;
use starling_domain::analysis::{analyse, Analysis, AnswerText};

const TUNE: &str = include_str!("data/answers-tune.toml");
const HOLDOUT: &str = include_str!("data/answers-holdout.toml");
const GOAL: f64 = 0.9;

#[derive(Deserialize)]
struct File {
    answer: Vec<Answer>,
}

#[derive(Deserialize)]
struct Answer {
    id: String,
    situation: String,
    task: String,
    action: String,
    result: String,
    reflection: String,
    labels: Labels,
}

#[derive(Deserialize)]
struct Labels {
    quantified_result: bool,
    specific_episode: bool,
    scale_stated: bool,
    reasoning_given: bool,
    has_lesson: bool,
    hedges: Vec<String>,
}

type Check = (&'static str, fn(&Analysis, &Labels) -> bool);

const SIGNALS: [Check; 6] = [
    ("quantified_result", |a, l| {
        a.quantified_result == l.quantified_result
    }),
    ("specific_episode", |a, l| {
        a.specific_episode == l.specific_episode
    }),
    ("scale_stated", |a, l| a.scale_stated == l.scale_stated),
    ("reasoning_given", |a, l| {
        a.reasoning_given == l.reasoning_given
    }),
    ("has_lesson", |a, l| a.has_lesson == l.has_lesson),
    ("hedges", |a, l| {
        let mut found = a.hedges.clone();
        let mut labelled: Vec<String> = l.hedges.iter().map(|h| h.to_lowercase()).collect();
        found.sort();
        found.dedup();
        labelled.sort();
        labelled.dedup();
        found == labelled
    }),
];

/// Per signal: (agreeing, total, ids of disagreements).
fn agreement(source: &str) -> Vec<(usize, usize, Vec<String>)> {
    let file: File = toml::from_str(source).expect("labelled answers parse");
    let analysed: Vec<(Analysis, &Answer)> = file
        .answer
        .iter()
        .map(|a| {
            let analysis = analyse(&AnswerText {
                situation: &a.situation,
                task: &a.task,
                action: &a.action,
                result: &a.result,
                reflection: &a.reflection,
            });
            (analysis, a)
        })
        .collect();
    SIGNALS
        .iter()
        .map(|(_, agrees)| {
            let misses: Vec<String> = analysed
                .iter()
                .filter(|(a, answer)| !agrees(a, &answer.labels))
                .map(|(_, answer)| answer.id.clone())
                .collect();
            (analysed.len() - misses.len(), analysed.len(), misses)
        })
        .collect()
}

#[test]
fn signals_agree_with_the_labels_on_tune_and_holdout() {
    let tune = agreement(TUNE);
    // While tuning, AGREEMENT_TUNE_ONLY=1 keeps the holdout unmeasured (it reads as 100%).
    let holdout = if std::env::var_os("AGREEMENT_TUNE_ONLY").is_some() {
        SIGNALS.iter().map(|_| (1, 1, Vec::new())).collect()
    } else {
        agreement(HOLDOUT)
    };
    let mut short = Vec::new();
    println!("{:<18} {:>16} {:>16}", "signal", "tune", "holdout");
    for (i, (name, _)) in SIGNALS.iter().enumerate() {
        let (t_ok, t_n, t_miss) = &tune[i];
        let (h_ok, h_n, _) = &holdout[i];
        let (t, h) = (*t_ok as f64 / *t_n as f64, *h_ok as f64 / *h_n as f64);
        println!(
            "{name:<18} {t_ok:>3}/{t_n:<3} {:>5.1}%  {h_ok:>3}/{h_n:<3} {:>5.1}%",
            t * 100.0,
            h * 100.0
        );
        // Only the tuning set's disagreements are named: the holdout stays unseen.
        if !t_miss.is_empty() {
            println!("    tune disagreements: {}", t_miss.join(", "));
        }
        if t < GOAL || h < GOAL {
            short.push(*name);
        }
    }
    assert!(
        short.is_empty(),
        "below {:.0}% agreement on tune or holdout: {short:?}",
        GOAL * 100.0
    );
}
