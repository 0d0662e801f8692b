//! Throughput mode of the benchmark client (`MODE=throughput`, run by
//! `bench/throughput`): CONNECTIONS concurrent clients drive one endpoint at
//! a time until REQUESTS are done or SECONDS pass; requests/s, p50/p99, the
//! ratio to a minimal actix-web "hello" server (the ceiling, CEILING_URL), and
//! the server's resident memory idle and at its peak under load (SERVER_PID).

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Phase {
    label: String,
    rate: f64,
    p50: f64,
    p99: f64,
    errors: usize,
    /// Each distinct failure (status and the start of the body) and how often.
    failures: std::collections::BTreeMap<String, usize>,
}

/// `Ok` when the response has one of the `expected` statuses, otherwise the
/// status and the start of the body (or the transport error).
async fn check(
    res: Result<reqwest::Response, reqwest::Error>,
    expected: &[u16],
) -> Result<reqwest::Response, String> {
    match res {
        Ok(r) if expected.contains(&r.status().as_u16()) => Ok(r),
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            Err(format!(
                "{status} {}",
                body.chars().take(160).collect::<String>()
            ))
        }
        Err(err) => Err(format!("transport: {err}")),
    }
}

/// Runs `work` from `connections` tasks until `limit` requests or `seconds`.
async fn drive<F, Fut>(
    label: &str,
    connections: usize,
    limit: usize,
    seconds: u64,
    work: F,
) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let issued = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(
        std::collections::BTreeMap::<String, usize>::new(),
    ));
    let times = Arc::new(Mutex::new(Vec::with_capacity(limit)));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (work, issued, errors, failures, times) = (
            work.clone(),
            issued.clone(),
            errors.clone(),
            failures.clone(),
            times.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= limit || Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                let outcome = work(n).await;
                let elapsed = t.elapsed();
                if let Err(why) = outcome {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut seen) = failures.lock() {
                        *seen.entry(why).or_insert(0) += 1;
                    }
                }
                if let Ok(mut v) = times.lock() {
                    v.push(elapsed);
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let total = started.elapsed().as_secs_f64();
    let mut v = times.lock().map(|v| v.clone()).unwrap_or_default();
    v.sort();
    let pick = |p: f64| {
        v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Phase {
        label: label.to_owned(),
        rate: v.len() as f64 / total,
        p50: pick(0.5),
        p99: pick(0.99),
        errors: errors.load(Ordering::Relaxed),
        failures: failures.lock().map(|f| f.clone()).unwrap_or_default(),
    }
}

pub async fn run(base: &str, token: &str) {
    let connections: usize = std::env::var("CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let reads: usize = std::env::var("REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let ceiling_url = std::env::var("CEILING_URL").unwrap_or_default();
    let pid: u32 = std::env::var("SERVER_PID")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    // A browser session for the Today page.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let login = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = starling_tests::csrf_from(&login);
    let res = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("username", "measured"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "log in for the Today page");

    let idle = rss_kb(pid);
    let peak = Arc::new(AtomicU64::new(idle));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let mut phases = Vec::new();
    if !ceiling_url.is_empty() {
        let c = client.clone();
        let url = ceiling_url.clone();
        phases.push(
            drive(
                "ceiling: actix-web hello",
                connections,
                reads,
                seconds,
                move |_| {
                    let (c, url) = (c.clone(), url.clone());
                    async move { check(c.get(&url).send().await, &[200]).await.map(drop) }
                },
            )
            .await,
        );
    }
    let (b, base_s) = (browser.clone(), base.to_owned());
    phases.push(
        drive(
            "GET /today (page)",
            connections,
            reads,
            seconds,
            move |_| {
                let (b, url) = (b.clone(), format!("{base_s}/today"));
                async move { check(b.get(&url).send().await, &[200]).await.map(drop) }
            },
        )
        .await,
    );
    let (c, base_s, tok) = (client.clone(), base.to_owned(), token.to_owned());
    phases.push(
        drive(
            "GET /api/v1/practice/next",
            connections,
            reads,
            seconds,
            move |_| {
                let (c, url, tok) = (
                    c.clone(),
                    format!("{base_s}/api/v1/practice/next"),
                    tok.clone(),
                );
                async move {
                    check(c.get(&url).bearer_auth(&tok).send().await, &[200])
                        .await
                        .map(drop)
                }
            },
        )
        .await,
    );
    // Writes: each step answers a due card (submission), then grades it.
    let writes = (reads / 10).max(100);
    let cards: Vec<Value> = {
        let mut out = Vec::new();
        let list: Value = client
            .get(format!("{base}/api/v1/questions"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(all) = list.as_array() {
            out.extend(all.iter().take(writes).cloned());
        }
        out
    };
    let answers = Arc::new(Mutex::new(Vec::new()));
    let (c, base_s, tok, qs, store) = (
        client.clone(),
        base.to_owned(),
        token.to_owned(),
        Arc::new(cards),
        answers.clone(),
    );
    phases.push(drive("POST /api/v1/answers", connections, writes, seconds, move |n| {
        let (c, base_s, tok, qs, store) = (c.clone(), base_s.clone(), tok.clone(), qs.clone(), store.clone());
        async move {
            let Some(q) = qs.get(n % qs.len().max(1)) else { return Err("no question".to_owned()) };
            let res = c
                .post(format!("{base_s}/api/v1/answers"))
                .bearer_auth(&tok)
                .json(&json!({"question_id": q["id"], "action": "I drove the load.", "seconds_spent": 60}))
                .send()
                .await;
            let r = check(res, &[201]).await?;
            let body: Value = r.json().await.unwrap_or_default();
            if let Ok(mut v) = store.lock() {
                v.push((body["card_id"].clone(), body["id"].clone()));
            }
            Ok(())
        }
    }).await);
    let graded: Arc<Vec<(Value, Value)>> = Arc::new(
        answers
            .lock()
            .map(|v| {
                v.iter()
                    .filter(|(card, _)| !card.is_null())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
    );
    let (c, base_s, tok) = (client.clone(), base.to_owned(), token.to_owned());
    let count = graded.len();
    phases.push(
        drive(
            "POST /api/v1/cards/{id}/grade",
            connections,
            count,
            seconds,
            move |n| {
                let (c, base_s, tok, graded) =
                    (c.clone(), base_s.clone(), tok.clone(), graded.clone());
                async move {
                    let Some((card, answer)) = graded.get(n) else {
                        return Err("no answer to grade".to_owned());
                    };
                    let res = c
                        .post(format!("{base_s}/api/v1/cards/{card}/grade"))
                        .bearer_auth(&tok)
                        .json(&json!({"rating": "good", "answer_id": answer}))
                        .send()
                        .await;
                    check(res, &[200, 409]).await.map(drop)
                }
            },
        )
        .await,
    );
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;

    let ceiling = phases
        .iter()
        .find(|p| p.label.starts_with("ceiling"))
        .map(|p| p.rate);
    println!("{connections} connections; reads: {reads} requests or {seconds} s each");
    for p in &phases {
        let ratio = ceiling
            .filter(|_| !p.label.starts_with("ceiling"))
            .map_or(String::new(), |c| {
                format!("  {:>5.1}% of the ceiling", 100.0 * p.rate / c)
            });
        println!(
            "{:<32} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}{}",
            p.label, p.rate, p.p50, p.p99, p.errors, ratio
        );
        for (why, count) in &p.failures {
            println!("    {count} x {why}");
        }
    }
    println!(
        "server resident memory: idle {:.1} MB, peak under load {:.1} MB",
        idle as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
}
