//! Times `analyse` on every labelled answer of both agreement files (issue 16): each
//! answer is analysed many times and timed one call at a time, and the p50, p99 and
//! maximum over all calls are printed in microseconds. Exits 1 when p99 misses 1 ms.
//!
//! `cargo run --release --example analysis_timing -p starling-domain` (or `bench/analysis`).
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::{hint::black_box, process::ExitCode, time::Instant};

use serde::Deserialize;
use starling_domain::analysis::{analyse, AnswerText};

const FILES: [&str; 2] = [
    include_str!("../tests/data/answers-tune.toml"),
    include_str!("../tests/data/answers-holdout.toml"),
];
const ROUNDS: usize = 200;
const GOAL_MICROS: f64 = 1000.0;

#[derive(Deserialize)]
struct File {
    answer: Vec<Answer>,
}

#[derive(Deserialize)]
struct Answer {
    situation: String,
    task: String,
    action: String,
    result: String,
    reflection: String,
}

fn main() -> ExitCode {
    let answers: Vec<Answer> = FILES
        .iter()
        .flat_map(|f| {
            toml::from_str::<File>(f)
                .expect("labelled answers parse")
                .answer
        })
        .collect();
    let texts: Vec<AnswerText<'_>> = answers
        .iter()
        .map(|a| AnswerText {
            situation: &a.situation,
            task: &a.task,
            action: &a.action,
            result: &a.result,
            reflection: &a.reflection,
        })
        .collect();
    // Warm-up: the checklist is parsed once on first use.
    for t in &texts {
        black_box(analyse(black_box(t)));
    }
    let mut micros = Vec::with_capacity(texts.len() * ROUNDS);
    for _ in 0..ROUNDS {
        for t in &texts {
            let start = Instant::now();
            black_box(analyse(black_box(t)));
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    let (p50, p99, max) = (at(0.5), at(0.99), micros[micros.len() - 1]);
    println!(
        "analyse: {} answers x {ROUNDS} rounds = {} calls",
        texts.len(),
        micros.len()
    );
    println!("per answer: p50 {p50:.1} µs, p99 {p99:.1} µs, max {max:.1} µs");
    if p99 < GOAL_MICROS {
        println!("ok (goal: p99 under {GOAL_MICROS:.0} µs)");
        ExitCode::SUCCESS
    } else {
        println!("p99 OVER the {GOAL_MICROS:.0} µs goal");
        ExitCode::FAILURE
    }
}
