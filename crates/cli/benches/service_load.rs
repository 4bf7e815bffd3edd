//! The service under load: `cargo bench -p syncaut-cli --bench service_load`.
//!
//! Starts the real `syncaut serve` (the release binary under `cargo bench`) against the
//! local sandbox, which answers after 50 ms and enforces BigCommerce's rate limit with
//! its headers (a quota of 150 requests per 30 s window per store, 429 past it). Then, as
//! a frontend would, it submits 200 runs of a three-step workflow at once over HTTP and
//! waits for them all:
//!
//! 1. every run on one store: the store's quota is the bottleneck (600 requests at 150 per
//!    30 s take at least 90 s after the first window);
//! 2. the runs spread over ten stores, each with a quota of its own.
//!
//! It reports failed runs, the 429s the store answered, the requests each store served
//! and the rate achieved against the quota, p50/p99 run latency (submitted → finished) and
//! the server's peak resident memory. `SYNCAUT_RUN_CONCURRENCY` is 200 so that every run
//! is in progress at once; the default (32) changes latency, not the rate a store allows.

// A benchmark panics on a broken setup; `unwrap` is how it says so.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RateLimit, RunningSandbox, STORE_HASH, Sandbox};

const RUNS: usize = 200;
const QUOTA: u32 = 150;
const WINDOW: Duration = Duration::from_secs(30);
const LATENCY: Duration = Duration::from_millis(50);
const KEY: &str = "bench-api-key-0123456789abcdef";

struct Server {
    child: Child,
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(api_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_syncaut"))
            .args(["serve", "--port", "0"])
            .env("SYNCAUT_DATA_DIR", dir.path().join("data"))
            .env("SYNCAUT_MASTER_KEY", "c3luY2F1dC1lMmUtbWFzdGVyLWtleS0zMi1ieXRlcyE=")
            .env("SYNCAUT_API_KEY", KEY)
            .env("SYNCAUT_BIGCOMMERCE_API_URL", api_url)
            .env("SYNCAUT_RUN_CONCURRENCY", RUNS.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("syncaut serve exited").unwrap();
            if let Some(base) = line.strip_prefix("listening on ") {
                break base.to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            base,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {value}");
        value
    }

    /// The server's peak resident memory so far, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

fn workflow(store: &str) -> Value {
    json!({
        "name": "Bench",
        "defaults": {"storeHash": store, "credential": "Bench"},
        "steps": [
            {"name": "orders", "action": "get_orders", "params": {"status_id": 11}},
            {"name": "order", "action": "get_order", "params": {"orderId": "{{orders.data.[0].id}}"}},
            {"name": "customer", "action": "get_customer", "params": {"customerId": "{{order.data.customer_id}}"}},
        ],
    })
}

fn millis(rfc3339: &Value) -> i64 {
    chrono_free_millis(rfc3339.as_str().unwrap())
}

/// Milliseconds of an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` within one day
/// (runs of a benchmark never cross midnight by more than a day; the difference is what
/// counts).
fn chrono_free_millis(text: &str) -> i64 {
    let day: i64 = text[8..10].parse().unwrap();
    let hours: i64 = text[11..13].parse().unwrap();
    let minutes: i64 = text[14..16].parse().unwrap();
    let seconds: i64 = text[17..19].parse().unwrap();
    let ms: i64 = text[20..23].parse().unwrap();
    (((day * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + ms
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

async fn scenario(title: &str, stores: &[String]) {
    let mut sandbox = Sandbox::with_rate_limit(RateLimit {
        quota: QUOTA,
        window: WINDOW,
    })
    .with_latency(LATENCY);
    for store in stores.iter().filter(|s| s.as_str() != STORE_HASH) {
        sandbox = sandbox.with_store(store);
    }
    let running: RunningSandbox = sandbox.clone().start().await.unwrap();
    let server = Server::start(&running.base_url());
    server
        .call(
            reqwest::Method::POST,
            "/v1/credentials",
            Some(json!({"name": "Bench", "token": FULL_ACCESS_TOKEN})),
        )
        .await;

    let started = Instant::now();
    let submissions = (0..RUNS).map(|i| {
        let store = &stores[i % stores.len()];
        server.call(
            reqwest::Method::POST,
            "/v1/runs",
            Some(json!({"workflow": workflow(store)})),
        )
    });
    let ids: Vec<String> = futures_util::future::join_all(submissions)
        .await
        .into_iter()
        .map(|created| created["id"].as_str().unwrap().to_owned())
        .collect();
    let mut finished = Vec::new();
    let mut pending = ids.clone();
    while !pending.is_empty() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut still = Vec::new();
        for id in pending {
            let run = server.call(reqwest::Method::GET, &format!("/v1/runs/{id}"), None).await;
            if matches!(run["status"].as_str(), Some("queued" | "running")) {
                still.push(id);
            } else {
                finished.push(run);
            }
        }
        pending = still;
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "runs did not finish in 15 minutes"
        );
    }
    let elapsed = started.elapsed();
    let failed: Vec<&Value> = finished.iter().filter(|r| r["status"] != "succeeded").collect();
    let mut latencies: Vec<i64> = finished
        .iter()
        .map(|r| millis(&r["finishedAt"]) - millis(&r["createdAt"]))
        .collect();
    latencies.sort_unstable();

    let world = |store: &str, f: &dyn Fn(&syncaut_sandbox::World) -> u64| -> u64 {
        if store == STORE_HASH {
            sandbox.with_world(|w| f(w))
        } else {
            sandbox.with_store_world(store, |w| f(w)).unwrap()
        }
    };
    let mut total_429 = 0;
    let mut served = Vec::new();
    for store in stores {
        total_429 += world(store, &|w| u64::from(w.rate_limited_count()));
        served.push(world(store, &|w| w.served_count()));
    }
    let busiest = served.iter().copied().max().unwrap_or(0);
    // The quota allows QUOTA in the first window and QUOTA per window after it.
    let windows = elapsed.as_secs_f64() / WINDOW.as_secs_f64();
    let allowed = f64::from(QUOTA) * windows.ceil().max(1.0);
    let rate = busiest as f64 / elapsed.as_secs_f64();
    let used = 100.0 * busiest as f64 / allowed;
    println!("\n{title}");
    println!(
        "  runs: {RUNS} submitted, {} succeeded, {} failed",
        RUNS - failed.len(),
        failed.len()
    );
    for run in failed.iter().take(3) {
        println!("    failed: {}", run["error"]);
    }
    println!("  429s answered by the store(s): {total_429}");
    println!(
        "  requests served per store: {} (busiest {busiest}; its quota allows {allowed:.0} in {:.1} windows)",
        if served.len() > 3 {
            format!("{}..{}", served.iter().min().unwrap(), busiest)
        } else {
            format!("{served:?}")
        },
        windows
    );
    println!(
        "  wall time {:.1} s; busiest store {rate:.2} requests/s, {used:.0}% of the requests its quota allowed in the windows the runs took",
        elapsed.as_secs_f64(),
    );
    println!(
        "  run latency: p10 {:.1} s, p25 {:.1} s, p50 {:.1} s, p75 {:.1} s, p99 {:.1} s, max {:.1} s",
        percentile(&latencies, 0.10),
        percentile(&latencies, 0.25),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.75),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    println!("  server peak RSS: {:.1} MiB", server.peak_rss_mib());
    assert!(failed.is_empty(), "runs failed");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "{RUNS} runs of a 3-step workflow; quota {QUOTA} per {}s per store; {} ms latency",
            WINDOW.as_secs(),
            LATENCY.as_millis()
        );
        scenario("one store", &[STORE_HASH.to_owned()]).await;
        let stores: Vec<String> = (0..10).map(|i| format!("store{i}")).collect();
        scenario("ten stores", &stores).await;
    });
}
