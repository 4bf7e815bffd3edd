//! Scale-out on PostgreSQL: one `syncaut serve` and four `syncaut worker`s share the queue,
//! the run records, their checkpoints, the vault (each worker has a data directory of its
//! own and only the master key) and the store's rate budget. A worker killed with
//! SIGKILL mid-way has its runs taken over by the others once its heartbeats stop,
//! resuming after the last checkpoint; a worker stopped with SIGTERM hands its runs back
//! and a new one starts. Every run ends `succeeded` or `uncertain`, none is lost, no
//! product is created twice (the sandbox refuses a second product of the same name, so a
//! duplicate create would fail its run), and the store, whose quota the sandbox enforces,
//! never answers 429: the processes share one budget.
//!
//! Needs a PostgreSQL server: `SYNCAUT_TEST_POSTGRES` is an URL of a role that may create
//! databases (`.ci/run` installs PostgreSQL and sets it). Each test makes its own database
//! and drops it. Outside CI, without it, the test says it is skipped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::private_dir;
use crate::service::{MASTER_KEY, Service, Start};

/// A database of its own for one test, dropped at the end.
struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create() -> Option<Self> {
        let Ok(admin) = std::env::var("SYNCAUT_TEST_POSTGRES") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must run the PostgreSQL tests: set SYNCAUT_TEST_POSTGRES (.ci/run does)"
            );
            eprintln!("SKIPPED PostgreSQL scale-out test: SYNCAUT_TEST_POSTGRES is not set");
            return None;
        };
        let name = format!("syncaut_e2e_{}", std::process::id());
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Some(Self { admin, name, url })
    }

    /// One value of a query, as text.
    fn scalar(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                self.admin.as_str(),
                "-qAtc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql").args([url, "-qAtc", sql]).output().unwrap();
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A running `syncaut worker`, with a data directory of its own (as on another machine):
/// it reads the credentials from the vault in PostgreSQL, with the same master key.
struct Worker {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

impl Worker {
    fn start(database: &str, sandbox: &str) -> Self {
        let data = private_dir();
        let mut child = Command::new(env!("CARGO_BIN_EXE_syncaut"))
            .args(["worker", "--database", database])
            .env("SYNCAUT_DATA_DIR", data.path())
            .env("SYNCAUT_MASTER_KEY", MASTER_KEY)
            .env("SYNCAUT_BIGCOMMERCE_API_URL", sandbox)
            .env("SYNCAUT_QUEUE_HEARTBEAT_SECS", "2")
            .env("SYNCAUT_RUN_CONCURRENCY", "8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while !stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("worker: taking runs"))
        {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("syncaut worker exited ({status}): {:?}", stderr.lock().unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "the worker did not start: {:?}",
                stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            stderr,
            _data: data,
        }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and waits for it to end.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `i`: a read, a create, an update of what was created.
fn workflow(i: usize) -> Value {
    json!({"name": format!("load-{i}"), "steps": [
        {"name": "read", "action": "get_order", "credential": "Sandbox", "storeHash": "abc123xyz",
         "params": {"orderId": 101}},
        {"name": "made", "action": "create_product", "credential": "Sandbox", "storeHash": "abc123xyz",
         "params": {"name": format!("Load {i}"), "price": 5}},
        {"name": "priced", "action": "update_product", "credential": "Sandbox", "storeHash": "abc123xyz",
         "params": {"productId": "{{made.data.id}}", "price": 6}}
    ]})
}

fn finished(db: &TestDatabase) -> usize {
    db.scalar("SELECT count(*) FROM runs WHERE status NOT IN ('queued', 'running')")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_and_four_workers_lose_nothing_when_one_is_killed() {
    let Some(db) = TestDatabase::create() else { return };
    const RUNS: usize = 500;
    // 1,500 requests against a quota of 240 per 6 s (BigCommerce's smallest plan has 150
    // per 30 s): about 38 seconds of quota, which five processes must share without one
    // 429.
    let store = syncaut_sandbox::Sandbox::with_rate_limit(syncaut_sandbox::RateLimit {
        quota: 240,
        window: Duration::from_secs(6),
    });
    let running = store.clone().start().await.unwrap();
    let sandbox = running.base_url();
    let dir = private_dir();
    let service = Service::start(Start {
        data_dir: dir.path(),
        args: &["--database", &db.url],
        env: &[
            ("SYNCAUT_QUEUE_HEARTBEAT_SECS", "2"),
            ("SYNCAUT_RUN_CONCURRENCY", "4"),
            ("SYNCAUT_BIGCOMMERCE_API_URL", sandbox.as_str()),
        ],
    });
    let (status, _) = service
        .post(
            "/v1/credentials",
            json!({"name": "Sandbox", "token": syncaut_sandbox::FULL_ACCESS_TOKEN}),
        )
        .await;
    assert!(status.is_success(), "{status}");
    let mut workers: Vec<Worker> = (0..4).map(|_| Worker::start(&db.url, &sandbox)).collect();

    let mut ids = Vec::with_capacity(RUNS);
    for i in 0..RUNS {
        ids.push(service.submit(workflow(i)).await);
    }
    // A quarter done: one worker dies, another is stopped and replaced.
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished(&db) < RUNS / 4 {
        assert!(Instant::now() < deadline, "runs did not start finishing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers[0].kill();
    let stopped = workers[1].terminate();
    assert!(
        stopped.success(),
        "SIGTERM ends a worker cleanly: {stopped:?} {:?}",
        workers[1].stderr.lock().unwrap()
    );
    workers.push(Worker::start(&db.url, &sandbox));

    let deadline = Instant::now() + Duration::from_secs(300);
    while finished(&db) < RUNS {
        assert!(
            Instant::now() < deadline,
            "{} of {RUNS} runs finished: {}",
            finished(&db),
            db.scalar(
                "SELECT string_agg(status || ':' || n, ' ') FROM (SELECT status, count(*) n FROM runs GROUP BY 1) s"
            )
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let statuses = db.scalar("SELECT string_agg(status || ':' || n, ' ' ORDER BY status) FROM (SELECT status, count(*) n FROM runs GROUP BY 1) s");
    let lost: usize = db
        .scalar("SELECT count(*) FROM runs WHERE status NOT IN ('succeeded', 'uncertain')")
        .parse()
        .unwrap();
    assert_eq!(lost, 0, "every run succeeds or is uncertain: {statuses}");
    assert_eq!(db.scalar("SELECT count(*) FROM runs"), RUNS.to_string());
    // More than one process took runs.
    let takers: usize = db
        .scalar("SELECT count(DISTINCT lock_by) FROM apalis.jobs")
        .parse()
        .unwrap();
    assert!(takers >= 3, "runs were shared by {takers} workers");

    // No product was created twice: each run's product exists once (or, for an uncertain
    // run, at most once).
    let http = reqwest::Client::new();
    let mut names: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for page in 1.. {
        let body: Value = http
            .get(format!(
                "{sandbox}/stores/abc123xyz/v3/catalog/products?keyword=Load&limit=250&page={page}"
            ))
            .header("X-Auth-Token", syncaut_sandbox::FULL_ACCESS_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = body["data"].as_array().unwrap();
        for product in data {
            *names.entry(product["name"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        if data.len() < 250 {
            break;
        }
    }
    assert!(names.values().all(|n| *n == 1), "a product was created twice");
    let (served, refused) = store.with_world(|w| (w.served_count(), w.rate_limited_count()));
    assert_eq!(refused, 0, "requests over the store's quota ({served} served)");
    let uncertain: usize = db
        .scalar("SELECT count(*) FROM runs WHERE status = 'uncertain'")
        .parse()
        .unwrap();
    assert!(
        names.len() >= RUNS - uncertain && names.len() <= RUNS,
        "{} products for {RUNS} runs ({uncertain} uncertain)",
        names.len()
    );
    eprintln!(
        "{RUNS} runs: {statuses}; {} products; {takers} workers took runs",
        names.len()
    );
}
