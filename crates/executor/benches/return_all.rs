//! "Return all" measured: `cargo bench -p syncaut-executor --bench return_all`.
//!
//! The local sandbox serves a store with 10,000 extra products and 10,000 extra orders,
//! adds 50 ms of latency to every answer and enforces a quota with BigCommerce's headers.
//! For V3 products and V2 orders alike we time a return-all fetched concurrently (the
//! default) and sequentially (one page at a time), and count the 429s the store answered.
//! A second run uses a tight quota to show pacing. Peak memory of the 10,000-product fetch
//! is measured in a child process that runs only the executor, as a multiple of the JSON
//! bytes received.

// A benchmark panics on a broken setup; `unwrap` is how it says so.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use bigcommerce_api::{SecretString, Stats, TransportConfig};
use serde_json::{Value, json};
use syncaut_executor::{CredentialSource, Executor, NoCredentials, Step, StepOutputs};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RateLimit, STORE_HASH, Sandbox};

const EXTRA: usize = 10_000;
const LATENCY: Duration = Duration::from_millis(50);

fn step(action: &str) -> Step {
    Step::new(
        "all",
        action,
        STORE_HASH,
        CredentialSource::Token(SecretString::from(FULL_ACCESS_TOKEN)),
        json!({"return_all": true}).as_object().unwrap(),
    )
    .unwrap()
}

fn sandbox(rate: RateLimit) -> Sandbox {
    let sandbox = Sandbox::with_rate_limit(rate).with_latency(LATENCY);
    sandbox.with_world(|w| {
        w.add_generated_products(EXTRA);
        w.add_generated_orders(EXTRA);
    });
    sandbox
}

/// Pages rendered once by the sandbox, served as bytes after the latency, with a quota
/// enforced through BigCommerce's headers (429 past it). The server then costs almost no
/// CPU, so the timings measure the client.
struct PageServer {
    pages: std::collections::HashMap<String, (u16, Vec<u8>)>,
    rate: RateLimit,
    window: std::sync::Mutex<(Instant, u32)>,
    answered_429: std::sync::atomic::AtomicU32,
}

impl PageServer {
    fn render(sandbox: &Sandbox) -> std::collections::HashMap<String, (u16, Vec<u8>)> {
        let mut pages = std::collections::HashMap::new();
        let mut add = |path: &str, query: Vec<(String, String)>| {
            let request = syncaut_sandbox::Request {
                method: "GET".into(),
                path: format!("/stores/{STORE_HASH}{path}"),
                query: query.clone(),
                token: Some(FULL_ACCESS_TOKEN.into()),
                body: Vec::new(),
            };
            let response = sandbox.handle(&request);
            let body = response.body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
            let encoded = serde_urlencoded::to_string(&query).unwrap();
            let key = match encoded.is_empty() {
                true => format!("/stores/{STORE_HASH}{path}"),
                false => format!("/stores/{STORE_HASH}{path}?{encoded}"),
            };
            pages.insert(key, (response.status, body));
        };
        add("/v2/orders/count", Vec::new());
        for page in 1..=45u32 {
            let query = vec![
                ("page".to_owned(), page.to_string()),
                ("limit".to_owned(), "250".to_owned()),
            ];
            add("/v3/catalog/products", query.clone());
            add("/v2/orders", query);
        }
        pages
    }

    fn new(pages: std::collections::HashMap<String, (u16, Vec<u8>)>, rate: RateLimit) -> Self {
        Self {
            pages,
            rate,
            window: std::sync::Mutex::new((Instant::now(), 0)),
            answered_429: Default::default(),
        }
    }

    async fn serve(self: std::sync::Arc<Self>, listener: tokio::net::TcpListener) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let server = std::sync::Arc::clone(&self);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let end = loop {
                        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break end + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                    buffer.drain(..end);
                    let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                    tokio::time::sleep(LATENCY).await;
                    let response = server.answer(&target);
                    if socket.write_all(&response).await.is_err() {
                        return;
                    }
                }
            });
        }
    }

    fn answer(&self, target: &str) -> Vec<u8> {
        let (allowed, left, reset) = {
            let mut window = self.window.lock().unwrap();
            if window.0.elapsed() >= self.rate.window {
                *window = (Instant::now(), 0);
            }
            let allowed = window.1 < self.rate.quota;
            if allowed {
                window.1 += 1;
            }
            (
                allowed,
                self.rate.quota - window.1,
                self.rate.window.saturating_sub(window.0.elapsed()).as_millis(),
            )
        };
        let headers = format!(
            "x-rate-limit-requests-quota: {}\r\nx-rate-limit-requests-left: {left}\r\nx-rate-limit-time-window-ms: {}\r\nx-rate-limit-time-reset-ms: {reset}\r\n",
            self.rate.quota,
            self.rate.window.as_millis()
        );
        let (status, body) = if allowed {
            self.pages.get(target).cloned().unwrap_or_else(|| {
                eprintln!("bench server: no page for {target}");
                (404, b"{}".to_vec())
            })
        } else {
            self.answered_429.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (429, br#"{"status":429}"#.to_vec())
        };
        let mut response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(&body);
        response
    }
}

struct Run {
    seconds: f64,
    items: u64,
    pages: u64,
    requests: u64,
    retries: u64,
    waited_ms: u64,
    answered_429: u32,
}

async fn fetch(base_url: &str, answered_429: impl Fn() -> u32, action: &str, concurrency: usize) -> Run {
    let mut config = TransportConfig::new(base_url).unwrap();
    config.concurrency = concurrency;
    let executor = Executor::new(&config).unwrap();
    let before = answered_429();
    let started = Instant::now();
    let stats = Stats::default();
    let output = executor
        .execute(&step(action), &StepOutputs::new(), &NoCredentials, &stats)
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stats = stats.snapshot();
    let items = output.data_len().unwrap_or(0) as u64;
    Run {
        seconds,
        items,
        pages: items.div_ceil(250),
        requests: u64::from(stats.requests),
        retries: u64::from(stats.retries),
        waited_ms: stats.waited_ms,
        answered_429: answered_429() - before,
    }
}

fn print(label: &str, run: &Run) {
    println!(
        "{label:<44} {:>8.3} s {:>7} items {:>4} pages {:>4} requests {:>3} retries {:>6} ms waited {:>3} × 429",
        run.seconds, run.items, run.pages, run.requests, run.retries, run.waited_ms, run.answered_429
    );
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Child mode: fetch every product from `url` and report memory against bytes received.
fn measure_memory(url: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let executor = Executor::new(&TransportConfig::new(url).unwrap()).unwrap();
    let baseline = status_kib("VmRSS:");
    let stats = Stats::default();
    let output = runtime
        .block_on(executor.execute(&step("get_products"), &StepOutputs::new(), &NoCredentials, &stats))
        .unwrap();
    let peak = status_kib("VmHWM:");
    let bytes = stats.snapshot().bytes;
    let items = output.data_len().unwrap_or(0);
    std::hint::black_box(&output);
    println!(
        "{}",
        json!({"baseline_kib": baseline, "peak_kib": peak, "bytes": bytes, "items": items})
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--measure-memory") {
        measure_memory(&args[position + 1]);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "return all: {EXTRA} extra products and orders, {} ms latency per answer",
        LATENCY.as_millis()
    );

    // BigCommerce Pro plan quota: 450 per 30 s.
    let pro = RateLimit {
        quota: 450,
        window: Duration::from_secs(30),
    };
    let pages = PageServer::render(&sandbox(pro));
    let start_server = |rate: RateLimit| {
        let server = std::sync::Arc::new(PageServer::new(pages.clone(), rate));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(std::sync::Arc::clone(&server).serve(listener));
        (server, url)
    };
    for (action, label) in [("get_products", "V3 products"), ("get_orders", "V2 orders")] {
        let mut runs = Vec::new();
        for concurrency in [TransportConfig::DEFAULT_CONCURRENCY, 1] {
            // A fresh server (and quota window) per run.
            let (server, url) = start_server(pro);
            let count = || server.answered_429.load(std::sync::atomic::Ordering::Relaxed);
            runs.push(runtime.block_on(fetch(&url, count, action, concurrency)));
        }
        print(
            &format!("{label}, concurrent ({} at once)", TransportConfig::DEFAULT_CONCURRENCY),
            &runs[0],
        );
        print(&format!("{label}, sequential"), &runs[1]);
        println!(
            "{label}: concurrent is {:.1}× faster than sequential paging",
            runs[1].seconds / runs[0].seconds
        );
    }

    // A tight quota (20 per second): pacing by the headers instead of earning 429s.
    let (server, url) = start_server(RateLimit {
        quota: 20,
        window: Duration::from_secs(1),
    });
    let count = || server.answered_429.load(std::sync::atomic::Ordering::Relaxed);
    let paced = runtime.block_on(fetch(&url, count, "get_products", TransportConfig::DEFAULT_CONCURRENCY));
    print("V3 products, quota 20 per second, concurrent", &paced);

    // The same fetch from the sandbox itself, which builds every page as it goes.
    let store = sandbox(pro);
    let running = runtime.block_on(store.clone().start()).unwrap();
    let count = || store.with_world(|w| w.rate_limited_count());
    let emulated = runtime.block_on(fetch(
        &running.base_url(),
        count,
        "get_products",
        TransportConfig::DEFAULT_CONCURRENCY,
    ));
    print("V3 products from the sandbox, concurrent", &emulated);
    drop(running);

    // Memory: the fetch runs in a child process so the sandbox's own data does not count.
    let store = sandbox(pro);
    let running = runtime.block_on(store.clone().start()).unwrap();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--measure-memory", &running.base_url()])
        .output()
        .unwrap();
    drop(running);
    let report: Value = serde_json::from_slice(&child.stdout).unwrap_or(Value::Null);
    let peak = report["peak_kib"].as_f64().unwrap_or(0.0);
    let baseline = report["baseline_kib"].as_f64().unwrap_or(0.0);
    let received = report["bytes"].as_f64().unwrap_or(1.0) / 1024.0;
    println!(
        "memory of the {}-product fetch: peak RSS {:.1} MiB over a {:.1} MiB baseline, for {:.1} MiB of JSON received: {:.2}× the JSON",
        report["items"],
        (peak - baseline) / 1024.0,
        baseline / 1024.0,
        received / 1024.0,
        (peak - baseline) / received
    );
    println!(
        "({} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
