//! Runs survive the server: SIGKILL in the middle of a run, start it again, and the run
//! resumes after its last checkpoint. A read in flight is sent again; a write in flight is
//! never sent twice.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RunningSandbox, Sandbox};

use crate::private_dir;
use crate::service::{Service, Start};

const KEY: &str = "e2e-durable-api-key-0123456789";

/// A five-step workflow with one create: list, create, look up, list, list.
fn five_steps(email: &str) -> Value {
    json!({
        "name": "Onboard",
        "defaults": {"storeHash": "abc123xyz", "credential": "Store"},
        "steps": [
            {"name": "before", "action": "get_customers"},
            {"name": "create", "action": "create_customer", "params": {
                "first_name": "Maya", "last_name": "Chen", "email": email}},
            {"name": "lookup", "action": "get_customer", "params": {"customerId": "{{create.data.id}}"}},
            {"name": "everyone", "action": "get_customers"},
            {"name": "orders", "action": "get_orders"},
        ],
    })
}

/// The store the runs talk to lives in the test, so it outlives the server; each answer
/// takes `latency`.
async fn slow_store(latency: Duration) -> RunningSandbox {
    Sandbox::new().with_latency(latency).start().await.unwrap()
}

fn start(dir: &std::path::Path, store: &RunningSandbox) -> Service {
    Service::start(Start {
        data_dir: dir,
        args: &[],
        env: &[
            ("SYNCAUT_BIGCOMMERCE_API_URL", &store.base_url()),
            ("SYNCAUT_API_KEY", KEY),
            ("SYNCAUT_QUEUE_HEARTBEAT_SECS", "1"),
        ],
    })
}

/// How many customers of the store have this email.
async fn customers_with(store: &RunningSandbox, email: &str) -> usize {
    let answer: Value = reqwest::Client::new()
        .get(format!(
            "{}/stores/abc123xyz/v3/customers?email:in={email}",
            store.base_url()
        ))
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"].as_array().unwrap().len()
}

/// Starts the run, kills the server with SIGKILL once step `at` is in flight, starts it
/// again and waits for the run to end.
async fn kill_during(store: &RunningSandbox, email: &str, at: usize) -> Value {
    let dir = private_dir();
    let mut service = start(dir.path(), store);
    let (status, _) = service
        .post("/v1/credentials", json!({"name": "Store", "token": FULL_ACCESS_TOKEN}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = service.submit(five_steps(email)).await;
    service
        .wait_for(&id, Duration::from_secs(30), |run| {
            run["steps"][at]["status"] == "running"
        })
        .await;
    service.kill();

    let service = start(dir.path(), store);
    let run = service.finished(&id).await;
    let events = service.events(&id, None).await;
    let seqs: Vec<i64> = events.iter().map(|e| e.0).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "one stream across both processes"
    );
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_during_a_read_resumes_after_its_last_checkpoint() {
    let store = slow_store(Duration::from_millis(700)).await;
    let email = "maya.read@example.com";
    let run = kill_during(&store, email, 2).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    for step in run["steps"].as_array().unwrap() {
        assert_eq!(step["status"], "succeeded", "{step}");
    }
    assert_eq!(
        run["steps"][2]["output"]["data"]["id"], run["steps"][1]["output"]["data"]["id"],
        "the lookup read again used the checkpointed create"
    );
    assert_eq!(customers_with(&store, email).await, 1, "the create was not repeated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_during_a_write_is_uncertain_and_the_write_is_not_repeated() {
    let store = slow_store(Duration::from_millis(1500)).await;
    let email = "maya.write@example.com";
    let run = kill_during(&store, email, 1).await;
    assert_eq!(run["status"], "uncertain", "{run}");
    assert_eq!(run["error"]["code"], "uncertain_write");
    assert_eq!(run["error"]["step"], "create");
    assert_eq!(run["steps"][0]["status"], "succeeded");
    assert_eq!(run["steps"][1]["status"], "uncertain");
    assert_eq!(run["steps"][2]["status"], "pending");
    assert!(customers_with(&store, email).await <= 1, "never sent twice");
}
