//! Login burst client (run by `bench/logins`): registers USERS accounts, then
//! sends LOGINS concurrent `POST /api/v1/auth/token` at once (each for its own
//! account, from its own `X-Forwarded-For` address, so the login throttle
//! does not step in: only the bound on password hashing does), ROUNDS times,
//! while one client times `GET /healthz` every 10 ms. Prints the logins'
//! statuses and duration, the `/healthz` p50/p99/max during the bursts, and
//! the server's resident memory (SERVER_PID): idle, peak (VmHWM) and after.
//! Exits 1 when the server's peak passes 300 MB or `/healthz` p99 100 ms.
//!
//! Usage: logins BASE_URL  (sizes from USERS, LOGINS, ROUNDS)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A field of /proc/PID/status in MB (VmRSS, VmHWM).
fn memory_mb(pid: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Registers `name`, waiting and retrying while the server says it is busy.
async fn register(client: &reqwest::Client, base: &str, name: String) {
    loop {
        let res = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        match res.status().as_u16() {
            201 | 409 => return,
            503 => tokio::time::sleep(Duration::from_millis(200)).await,
            other => panic!("register {name}: {other} {}", res.text().await.unwrap()),
        }
    }
}

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("usage: logins BASE_URL");
    let pid = std::env::var("SERVER_PID").unwrap_or_default();
    let users = env_number("USERS", 300);
    let logins = env_number("LOGINS", 300);
    let rounds = env_number("ROUNDS", 3);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();

    let started = Instant::now();
    for chunk in (0..users).collect::<Vec<_>>().chunks(4) {
        join_all(
            chunk
                .iter()
                .map(|n| register(&client, &base, format!("bench{n:04}"))),
        )
        .await;
    }
    println!(
        "registered {users} accounts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let idle = memory_mb(&pid, "VmRSS:");

    let probing = Arc::new(AtomicBool::new(true));
    let prober = {
        let (client, base, probing) = (reqwest::Client::new(), base.clone(), probing.clone());
        tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failures = 0;
            while probing.load(Ordering::SeqCst) {
                let started = Instant::now();
                match client.get(format!("{base}/healthz")).send().await {
                    Ok(res) if res.status() == 200 => times.push(started.elapsed()),
                    _ => failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (times, failures)
        })
    };

    let mut statuses = BTreeMap::<String, usize>::new();
    let mut slowest = Duration::ZERO;
    let burst_started = Instant::now();
    for round in 0..rounds {
        let round_started = Instant::now();
        let results = join_all((0..logins).map(|n| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let started = Instant::now();
                let res = client
                    .post(format!("{base}/api/v1/auth/token"))
                    .header("x-forwarded-for", format!("10.{round}.{}.{}", n / 250, n % 250))
                    .json(&json!({"username": format!("bench{:04}", n % users), "password": PASSWORD}))
                    .send()
                    .await;
                let label = match res {
                    Ok(res) => res.status().as_u16().to_string(),
                    Err(err) => format!("transport error: {err}"),
                };
                (label, started.elapsed())
            }
        }))
        .await;
        for (label, took) in results {
            *statuses.entry(label).or_default() += 1;
            slowest = slowest.max(took);
        }
        println!(
            "round {}: {logins} logins in {:.2} s",
            round + 1,
            round_started.elapsed().as_secs_f64()
        );
    }
    let burst = burst_started.elapsed();
    probing.store(false, Ordering::SeqCst);
    let (mut times, failures) = prober.await.unwrap();
    times.sort();
    let after = memory_mb(&pid, "VmRSS:");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let settled = memory_mb(&pid, "VmRSS:");
    let peak = memory_mb(&pid, "VmHWM:");

    let p99 = percentile(&times, 0.99);
    println!(
        "logins: {} in {:.1} s, slowest answer {:.2} s; statuses {statuses:?}",
        logins * rounds,
        burst.as_secs_f64(),
        slowest.as_secs_f64()
    );
    println!(
        "/healthz during the bursts: {} probes, p50 {:.2} ms, p99 {p99:.2} ms, max {:.2} ms, {failures} failed",
        times.len(),
        percentile(&times, 0.5),
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1000.0),
    );
    println!(
        "server memory: idle {idle:.1} MB, peak (VmHWM) {peak:.1} MB, right after {after:.1} MB, 5 s later {settled:.1} MB"
    );
    let mut missed = Vec::new();
    if peak >= 300.0 {
        missed.push(format!("peak memory {peak:.0} MB >= 300 MB"));
    }
    if p99 >= 100.0 || failures > 0 {
        missed.push(format!(
            "/healthz p99 {p99:.1} ms (goal < 100 ms), {failures} failed"
        ));
    }
    if missed.is_empty() {
        println!("goals met");
    } else {
        println!("GOALS MISSED: {}", missed.join("; "));
        std::process::exit(1);
    }
}
