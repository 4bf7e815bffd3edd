//! Scale-out on PostgreSQL: `cargo bench -p syncaut-cli --bench scale_out`.
//!
//! Needs a PostgreSQL role that may create databases, named by `SYNCAUT_TEST_POSTGRES`
//! (`postgres://USER:PASSWORD@HOST/postgres`; `.ci/run` shows how one is made). Each
//! scenario gets a fresh database. One `syncaut serve --no-runs` takes the submissions;
//! 1, 2 or 4 `syncaut worker`s execute them (release binaries under `cargo bench`),
//! against the local sandbox, which answers after 50 ms and enforces a quota per store.
//!
//! 1. 400 runs of a three-step workflow spread over 20 stores (a quota that does not
//!    bind): runs per second with 1, 2 and 4 workers;
//! 2. 100 runs on one store with BigCommerce's smallest quota (150 per 30 s) and 4
//!    workers: the quota binds; the processes share it.
//!
//! Each prints runs/s, 429s, peak resident memory per process and the CPU time each
//! process (and PostgreSQL) used, which says where the time goes.

// A benchmark panics on a broken setup; `unwrap` is how it says so.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RateLimit, STORE_HASH, Sandbox};

const LATENCY: Duration = Duration::from_millis(50);
const KEY: &str = "bench-api-key-0123456789abcdef";
const MASTER_KEY: &str = "c3luY2F1dC1lMmUtbWFzdGVyLWtleS0zMi1ieXRlcyE=";

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql").args([url, "-qAtc", sql]).output().unwrap();
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A process of ours: its pid, for memory and CPU.
struct Process {
    child: Child,
    name: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    fn start(name: &str, args: &[&str], data: &std::path::Path, api_url: &str, wait_for: &str) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_syncaut"))
            .args(args)
            .env("SYNCAUT_DATA_DIR", data)
            .env("SYNCAUT_MASTER_KEY", MASTER_KEY)
            .env("SYNCAUT_API_KEY", KEY)
            .env("SYNCAUT_BIGCOMMERCE_API_URL", api_url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = loop {
            let line = lines.next().expect("the process exited").unwrap();
            if line.starts_with(wait_for) {
                break line;
            }
        };
        std::thread::spawn(move || for _ in lines {});
        (
            Self {
                child,
                name: name.to_owned(),
            },
            line,
        )
    }

    /// Peak resident memory, MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// CPU time used so far (user + system), seconds.
    fn cpu_seconds(&self) -> f64 {
        cpu_of(self.child.id())
    }
}

fn cpu_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of every PostgreSQL process (the server's backends included).
fn postgres_cpu() -> f64 {
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            total += cpu_of(pid);
        }
    }
    total
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

async fn scenario(admin: &str, title: &str, stores: &[String], runs: usize, workers: usize, quota: u32) {
    let name = format!("syncaut_bench_{}", std::process::id());
    psql(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(admin, &format!("CREATE DATABASE {name}"));
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let mut sandbox = Sandbox::with_rate_limit(RateLimit {
        quota,
        window: Duration::from_secs(30),
    })
    .with_latency(LATENCY);
    for store in stores.iter().filter(|s| s.as_str() != STORE_HASH) {
        sandbox = sandbox.with_store(store);
    }
    let running = sandbox.clone().start().await.unwrap();
    let api = running.base_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (server, listening) = Process::start(
        "server",
        &["serve", "--port", "0", "--no-runs", "--database", &url],
        &data,
        &api,
        "listening on ",
    );
    let base = listening.trim_start_matches("listening on ").to_owned();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut request = http.request(method, format!("{base}{path}")).bearer_auth(KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let body = response.json::<Value>().await.unwrap();
            assert!(status.is_success(), "{path}: {status} {body}");
            body
        }
    };
    call(
        reqwest::Method::POST,
        "/v1/credentials".into(),
        Some(json!({"name": "Bench", "token": FULL_ACCESS_TOKEN})),
    )
    .await;
    let pool: Vec<Process> = (0..workers)
        .map(|i| {
            Process::start(
                &format!("worker {}", i + 1),
                &["worker", "--database", &url],
                &data,
                &api,
                "worker:",
            )
            .0
        })
        .collect();
    let (server_cpu, worker_cpu, pg_cpu) = (
        server.cpu_seconds(),
        pool.iter().map(Process::cpu_seconds).sum::<f64>(),
        postgres_cpu(),
    );

    let budget_writes = || {
        psql(
            &url,
            "SELECT COALESCE((SELECT n_tup_upd + n_tup_ins FROM pg_stat_user_tables WHERE relname = 'rate_budgets'), 0)",
        )
        .parse::<f64>()
        .unwrap_or(0.0)
    };
    let writes_before = budget_writes();
    let started = Instant::now();
    let submissions = (0..runs).map(|i| {
        call(
            reqwest::Method::POST,
            "/v1/runs".into(),
            Some(json!({"workflow": workflow(&stores[i % stores.len()])})),
        )
    });
    futures_util::future::join_all(submissions).await;
    loop {
        let done: usize = psql(
            &url,
            "SELECT count(*) FROM runs WHERE status NOT IN ('queued', 'running')",
        )
        .parse()
        .unwrap();
        if done == runs {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "runs did not finish in 15 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = psql(&url, "SELECT count(*) FROM runs WHERE status <> 'succeeded'");
    let mut refused = 0;
    for store in stores {
        refused += if store == STORE_HASH {
            sandbox.with_world(|w| w.rate_limited_count())
        } else {
            sandbox.with_store_world(store, |w| w.rate_limited_count()).unwrap()
        };
    }
    println!(
        "\n{title}: {workers} worker(s), {runs} runs over {} store(s)",
        stores.len()
    );
    println!(
        "  {:.1} runs/s ({elapsed:.1} s wall), {failed} not succeeded, {refused} × 429",
        runs as f64 / elapsed
    );
    println!(
        "  CPU during the runs: server {:.1} s, workers {:.1} s, PostgreSQL {:.1} s (of {:.1} s × 2 cores)",
        server.cpu_seconds() - server_cpu,
        pool.iter().map(Process::cpu_seconds).sum::<f64>() - worker_cpu,
        postgres_cpu() - pg_cpu,
        elapsed
    );
    let served: u64 = stores
        .iter()
        .map(|store| {
            if store == STORE_HASH {
                sandbox.with_world(|w| w.served_count())
            } else {
                sandbox.with_store_world(store, |w| w.served_count()).unwrap()
            }
        })
        .sum();
    // Statistics reach pg_stat_user_tables within a moment.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let writes = budget_writes() - writes_before;
    println!(
        "  rate budget in PostgreSQL: {writes:.0} writes (leases and answers) for {served} requests: {:.2} per request",
        writes / served.max(1) as f64
    );
    let rss: Vec<String> = std::iter::once(&server)
        .chain(&pool)
        .map(|p| format!("{} {:.1}", p.name, p.peak_rss_mib()))
        .collect();
    println!("  peak RSS (MiB): {}", rss.join(", "));
    drop(pool);
    drop(server);
    psql(admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

fn main() {
    let Ok(admin) = std::env::var("SYNCAUT_TEST_POSTGRES") else {
        eprintln!("scale_out needs SYNCAUT_TEST_POSTGRES (a PostgreSQL role that may create databases)");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stores: Vec<String> = (0..20).map(|i| format!("store{i}")).collect();
        for workers in [1, 2, 4] {
            scenario(&admin, "20 stores, 50 ms", &stores, 400, workers, 10_000).await;
        }
        scenario(
            &admin,
            "one store at 150 per 30 s",
            &[STORE_HASH.to_owned()],
            100,
            4,
            150,
        )
        .await;
    });
}
