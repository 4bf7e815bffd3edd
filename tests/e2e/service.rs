//! `syncaut serve` as a frontend meets it: the real binary, over HTTP, with its own data
//! directory, against the sandbox it starts (`--sandbox`) or one the test runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A master key for the vault of a test's data directory.
pub(crate) const MASTER_KEY: &str = "c3luY2F1dC1lMmUtbWFzdGVyLWtleS0zMi1ieXRlcyE=";

/// A running `syncaut serve`.
pub(crate) struct Service {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    /// The API key.
    pub(crate) key: String,
    /// The sandbox's URL, with `--sandbox`.
    pub(crate) sandbox: Option<String>,
    /// Everything the server printed on standard error so far.
    pub(crate) stderr: Arc<Mutex<Vec<String>>>,
    data_dir: PathBuf,
    http: reqwest::Client,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start a service.
pub(crate) struct Start<'a> {
    pub(crate) data_dir: &'a Path,
    pub(crate) args: &'a [&'a str],
    pub(crate) env: &'a [(&'a str, &'a str)],
}

impl Service {
    /// `syncaut serve --sandbox` on a free port.
    pub(crate) fn with_sandbox(data_dir: &Path) -> Self {
        Self::start(Start {
            data_dir,
            args: &["--sandbox"],
            env: &[],
        })
    }

    /// Starts `syncaut serve --port 0 ARGS` and waits until it listens.
    pub(crate) fn start(start: Start<'_>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_syncaut"));
        command.arg("serve");
        if !start.args.contains(&"--port") {
            command.args(["--port", "0"]);
        }
        command
            .args(start.args)
            .env("SYNCAUT_DATA_DIR", start.data_dir)
            .env("SYNCAUT_MASTER_KEY", MASTER_KEY)
            .env_remove("SYNCAUT_API_KEY")
            .env_remove("SYNCAUT_BIGCOMMERCE_API_URL")
            .env_remove("SYNCAUT_RUN_CONCURRENCY")
            .env_remove("SYNCAUT_QUEUE_HEARTBEAT_SECS")
            .env_remove("SYNCAUT_PUBLIC_URL")
            .env_remove("SYNCAUT_TRIGGER_SAFETY_POLL_SECS")
            .env_remove("SYNCAUT_HOOK_CHECK_SECS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in start.env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = Arc::new(Mutex::new(Vec::<String>::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            let found = stderr
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned));
            if let Some(base) = found {
                break base;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("syncaut serve exited ({status}): {:?}", stderr.lock().unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "syncaut serve did not start: {:?}",
                stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let sandbox = stderr
            .lock()
            .unwrap()
            .iter()
            .find_map(|l| l.strip_prefix("sandbox: ").map(str::to_owned));
        let key = start
            .env
            .iter()
            .find(|(name, _)| *name == "SYNCAUT_API_KEY")
            .map(|(_, key)| (*key).to_owned())
            .unwrap_or_else(|| {
                std::fs::read_to_string(start.data_dir.join("api.key"))
                    .unwrap()
                    .trim()
                    .to_owned()
            });
        Self {
            child,
            base,
            key,
            sandbox,
            stderr,
            data_dir: start.data_dir.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub(crate) fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// What the server printed on standard error.
    pub(crate) fn printed(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A request with the API key.
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
    }

    /// Sends a request and reads the answer as JSON (`null` when empty).
    pub(crate) async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, value)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Submits a workflow and returns the run's id.
    pub(crate) async fn submit(&self, workflow: Value) -> String {
        let (status, body) = self.post("/v1/runs", json!({"workflow": workflow})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["status"], "queued");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Polls a run until `done` says so (at most `within`).
    pub(crate) async fn wait_for(&self, id: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let (status, run) = self.get(&format!("/v1/runs/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{run}");
            if done(&run) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "the run did not get there in {within:?}: {run}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the run is over and returns it.
    pub(crate) async fn finished(&self, id: &str) -> Value {
        self.wait_for(id, Duration::from_secs(60), |run| {
            !matches!(run["status"].as_str(), Some("queued" | "running"))
        })
        .await
    }

    /// The run's events, read from `GET /v1/runs/{id}/events` until the stream ends:
    /// `(id, event, data)`.
    pub(crate) async fn events(&self, id: &str, last_event_id: Option<i64>) -> Vec<(i64, String, Value)> {
        let mut request = self.request(Method::GET, &format!("/v1/runs/{id}/events"));
        if let Some(last) = last_event_id {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let text = tokio::time::timeout(Duration::from_secs(60), response.text())
            .await
            .expect("the event stream ends when the run does")
            .unwrap();
        parse_events(&text)
    }
}

/// Parses a Server-Sent Events body into `(id, event, data)`, skipping comments.
pub(crate) fn parse_events(text: &str) -> Vec<(i64, String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut id = None;
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            Some((id?, event?, serde_json::from_str(&data).unwrap()))
        })
        .collect()
}

/// Every file of a directory, read as bytes.
pub(crate) fn files_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Whether `haystack` contains `needle`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
