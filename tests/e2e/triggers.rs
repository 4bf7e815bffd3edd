//! Triggers end to end: the real `syncaut serve` watching a store that is a sandbox in the
//! test (so it outlives the server), by polling and by webhooks, one run per event with
//! the full record, whatever BigCommerce delivers twice or while the server is down.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use syncaut_sandbox::{FULL_ACCESS_TOKEN, RunningSandbox, Sandbox};

use crate::private_dir;
use crate::service::{Service, Start};

const KEY: &str = "e2e-trigger-api-key-0123456789";

/// A free loopback port, for a server whose own URL must be known before it starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &std::path::Path, store: &RunningSandbox, port: Option<u16>, env: &[(&str, &str)]) -> Service {
    let port_text = port.map(|p| p.to_string());
    let public = port.map(|p| format!("http://127.0.0.1:{p}"));
    let mut all: Vec<(&str, &str)> = vec![
        ("SYNCAUT_BIGCOMMERCE_API_URL", store.base_url().leak()),
        ("SYNCAUT_API_KEY", KEY),
    ];
    if let Some(public) = &public {
        all.push(("SYNCAUT_PUBLIC_URL", public.as_str()));
    }
    all.extend_from_slice(env);
    let args: Vec<&str> = match &port_text {
        Some(port) => vec!["--port", port.as_str()],
        None => Vec::new(),
    };
    Service::start(Start {
        data_dir: dir,
        args: &args,
        env: &all,
    })
}

async fn save_credential(service: &Service) {
    let (status, body) = service
        .post("/v1/credentials", json!({"name": "Shop", "token": FULL_ACCESS_TOKEN}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn workflow(name: &str, trigger: Value) -> Value {
    json!({
        "name": name,
        "trigger": trigger,
        "defaults": {"storeHash": "abc123xyz", "credential": "Shop"},
        "steps": [
            {"name": "customer", "action": "get_customer", "params": {"customerId": "{{trigger.data.customer_id}}"}},
        ],
    })
}

async fn save(service: &Service, workflow: Value) -> Value {
    let (status, saved) = service.post("/v1/workflows", json!({"workflow": workflow})).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    saved
}

/// Creates an order through the store's API (as a shopper's checkout would); its id.
async fn create_order(store: &RunningSandbox, http: &reqwest::Client) -> i64 {
    let order: Value = http
        .post(format!("{}/stores/abc123xyz/v2/orders", store.base_url()))
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .json(&json!({
            "customer_id": 1,
            "products": [{"name": "Mason Jar", "quantity": 2, "price_inc_tax": 4.5}],
            "billing_address": {"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com"},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    order["id"].as_i64().unwrap()
}

/// Waits until the workflow has `count` finished runs (at most a minute), and returns
/// them in full.
async fn runs_of(service: &Service, workflow: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, list) = service
            .get(&format!("/v1/runs?workflow={}&limit=500", workflow.replace(' ', "%20")))
            .await;
        let runs = list["runs"].as_array().unwrap().clone();
        let finished = runs
            .iter()
            .filter(|r| !matches!(r["status"].as_str(), Some("queued" | "running")))
            .count();
        if runs.len() >= count && finished == runs.len() {
            let mut full = Vec::new();
            for run in &runs {
                full.push(
                    service
                        .get(&format!("/v1/runs/{}", run["id"].as_str().unwrap()))
                        .await
                        .1,
                );
            }
            return full;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} runs after a minute",
            runs.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The order IDs the runs were started for, checking each run holds the full order.
fn started_for(runs: &[Value], source: &str) -> Vec<i64> {
    runs.iter()
        .map(|run| {
            assert_eq!(run["status"], "succeeded", "{run}");
            let trigger = &run["steps"][0];
            assert_eq!(trigger["name"], "trigger");
            let output = &trigger["output"];
            assert_eq!(output["action"], "order_created");
            assert_eq!(output["event"]["source"], source, "{output}");
            let order = &output["data"];
            assert_eq!(order["items_total"], 2, "the full order: {order}");
            assert_eq!(order["billing_address"]["email"], "jane.smith@example.com");
            assert_eq!(
                run["steps"][1]["output"]["data"]["id"], 1,
                "the next step used {{{{trigger.data.customer_id}}}}"
            );
            order["id"].as_i64().unwrap()
        })
        .collect()
}

fn assert_once_each(mut started: Vec<i64>, created: &[i64]) {
    started.sort_unstable();
    let unique: BTreeSet<i64> = started.iter().copied().collect();
    assert_eq!(unique.len(), started.len(), "an order started two runs");
    assert_eq!(
        unique,
        created.iter().copied().collect(),
        "every created order, and only those"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_starts_one_run_per_new_order_with_the_full_order() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(dir.path(), &store, None, &[]);
    save_credential(&service).await;
    let saved = save(
        &service,
        workflow(
            "New orders",
            json!({"type": "order_created", "mode": "poll", "every": "1s"}),
        ),
    )
    .await;
    assert_eq!(
        saved["trigger"],
        json!({"type": "order_created", "mode": "poll", "everySeconds": 1})
    );
    let http = reqwest::Client::new();
    let mut created = Vec::new();
    for _ in 0..100 {
        created.push(create_order(&store, &http).await);
    }
    let runs = runs_of(&service, "New orders", 100).await;
    assert_eq!(runs.len(), 100);
    assert_once_each(started_for(&runs, "poll"), &created);
    // The trigger is the run's first step, in its event stream too.
    let events = service.events(runs[0]["id"].as_str().unwrap(), None).await;
    let (_, kind, first_step) = &events[1];
    assert_eq!(kind, "step");
    assert_eq!(
        (first_step["index"].as_i64(), first_step["name"].as_str()),
        (Some(0), Some("trigger"))
    );
    assert_eq!(first_step["output"]["action"], "order_created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_delivered_twice_still_start_one_run_per_order() {
    let sandbox = Sandbox::new().with_duplicate_deliveries();
    let store = sandbox.clone().start().await.unwrap();
    let dir = private_dir();
    // Only webhooks: the safety-net poll is an hour away.
    let service = start(
        dir.path(),
        &store,
        Some(free_port()),
        &[("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", "3600")],
    );
    save_credential(&service).await;
    let saved = save(
        &service,
        workflow("Hooked orders", json!({"type": "order_created", "mode": "webhook"})),
    )
    .await;
    let receiver = saved["trigger"]["receiver"].as_str().unwrap().to_owned();
    assert!(receiver.starts_with("/v1/hooks/wh_"), "{saved}");
    // The subscription BigCommerce holds points at the receiver, with a secret header.
    let hooks: Value = reqwest::Client::new()
        .get(format!("{}/stores/abc123xyz/v3/hooks", store.base_url()))
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook = &hooks["data"][0];
    assert_eq!(hook["scope"], "store/order/created");
    assert!(hook["destination"].as_str().unwrap().ends_with(&receiver));
    assert_eq!(hook["headers"]["X-Syncaut-Hook-Secret"].as_str().unwrap().len(), 64);

    let http = reqwest::Client::new();
    let mut created = Vec::new();
    for _ in 0..100 {
        created.push(create_order(&store, &http).await);
    }
    let runs = runs_of(&service, "Hooked orders", 100).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.deliveries_acknowledged() < 200 {
        assert!(
            Instant::now() < deadline,
            "{} deliveries acknowledged",
            sandbox.deliveries_acknowledged()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every order was delivered twice; let the second deliveries be processed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let runs = if runs.len() == 100 {
        runs_of(&service, "Hooked orders", 100).await
    } else {
        runs
    };
    assert_eq!(runs.len(), 100, "two deliveries of one event start one run");
    assert_once_each(started_for(&runs, "webhook"), &created);

    // Deleting the workflow deletes the subscription.
    let (status, _) = service
        .call(Method::DELETE, "/v1/workflows/Hooked%20orders", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let hooks: Value = http
        .get(format!("{}/stores/abc123xyz/v3/hooks", store.base_url()))
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hooks["data"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_created_while_the_server_was_down_are_run_once_each_after_it_restarts() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let mut service = start(dir.path(), &store, None, &[]);
    save_credential(&service).await;
    save(
        &service,
        workflow(
            "Catch up",
            json!({"type": "order_created", "mode": "poll", "every": "1s"}),
        ),
    )
    .await;
    let http = reqwest::Client::new();
    let mut created = Vec::new();
    for _ in 0..10 {
        created.push(create_order(&store, &http).await);
    }
    runs_of(&service, "Catch up", 10).await;
    service.kill();
    for _ in 0..20 {
        created.push(create_order(&store, &http).await);
    }
    let service = start(dir.path(), &store, None, &[]);
    let runs = runs_of(&service, "Catch up", 30).await;
    assert_eq!(runs.len(), 30);
    assert_once_each(started_for(&runs, "poll"), &created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_without_the_secret_is_refused_and_starts_nothing() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(
        dir.path(),
        &store,
        Some(free_port()),
        &[("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", "3600")],
    );
    save_credential(&service).await;
    let saved = save(
        &service,
        workflow("Guarded", json!({"type": "order_created", "mode": "webhook"})),
    )
    .await;
    let receiver = format!("{}{}", service.base, saved["trigger"]["receiver"].as_str().unwrap());
    let forged = json!({"scope": "store/order/created", "data": {"type": "order", "id": 100}, "hash": "forged", "created_at": 1, "producer": "stores/abc123xyz"});
    let http = reqwest::Client::new();
    for secret in [None, Some("not-the-secret")] {
        let mut request = http.post(&receiver).json(&forged);
        if let Some(secret) = secret {
            request = request.header("X-Syncaut-Hook-Secret", secret);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{secret:?}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_hook_secret");
    }
    let unknown = http
        .post(format!("{}/v1/hooks/wh_nope", service.base))
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, runs) = service.get("/v1/runs?workflow=Guarded").await;
    assert_eq!(runs["runs"], json!([]), "no run from a refused delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_trigger_fires_only_when_the_order_reaches_the_status() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(
        dir.path(),
        &store,
        Some(free_port()),
        &[("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", "3600")],
    );
    save_credential(&service).await;
    save(
        &service,
        json!({
            "name": "Shipped",
            "trigger": {"type": "order_status_changed", "mode": "webhook", "params": {"status_id": "Shipped"}},
            "defaults": {"storeHash": "abc123xyz", "credential": "Shop"},
            "steps": [{"name": "order", "action": "get_order", "params": {"orderId": "{{trigger.data.id}}"}}],
        }),
    )
    .await;
    let http = reqwest::Client::new();
    let set_status = |id: i64, status: i64| {
        http.put(format!("{}/stores/abc123xyz/v2/orders/{id}", store.base_url()))
            .header("X-Auth-Token", FULL_ACCESS_TOKEN)
            .json(&json!({"status_id": status}))
            .send()
    };
    // Order 101 awaits fulfillment (11): setting it again is no change; Shipped (2) is.
    assert!(set_status(101, 11).await.unwrap().status().is_success());
    assert!(set_status(101, 2).await.unwrap().status().is_success());
    let runs = runs_of(&service, "Shipped", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let runs = if runs.len() == 1 {
        runs_of(&service, "Shipped", 1).await
    } else {
        runs
    };
    assert_eq!(runs.len(), 1, "one run: the change to Shipped");
    let event = &runs[0]["steps"][0]["output"]["event"];
    assert_eq!(event["changes"]["status_id"], json!({"from": 11, "to": 2}));
    assert_eq!(runs[0]["steps"][1]["output"]["data"]["status"], "Shipped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_triggers_poll_by_id_and_by_stock_level() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(dir.path(), &store, None, &[]);
    save_credential(&service).await;
    let steps = json!([{"name": "product", "action": "get_product", "params": {"productId": "{{trigger.data.id}}"}}]);
    for (name, trigger) in [
        ("New products", json!({"type": "product_created", "every": "1s"})),
        (
            "Low stock",
            json!({"type": "product_inventory_changed", "every": "1s", "params": {"below": 5}}),
        ),
    ] {
        save(
            &service,
            json!({"name": name, "trigger": trigger, "defaults": {"storeHash": "abc123xyz", "credential": "Shop"}, "steps": steps}),
        )
        .await;
    }
    let http = reqwest::Client::new();
    let api = |method: Method, path: &str, body: Value| {
        http.request(method, format!("{}/stores/abc123xyz/v3{path}", store.base_url()))
            .header("X-Auth-Token", FULL_ACCESS_TOKEN)
            .json(&body)
            .send()
    };
    let created: Value = api(
        Method::POST,
        "/catalog/products",
        json!({"name": "Pickling Crock", "type": "physical", "weight": 3, "price": 42, "inventory_level": 20}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["data"]["id"].as_i64().unwrap();
    let runs = runs_of(&service, "New products", 1).await;
    assert_eq!(runs[0]["steps"][0]["output"]["data"]["id"], id);
    assert_eq!(runs[0]["steps"][0]["output"]["data"]["name"], "Pickling Crock");

    // The low-stock trigger has seen the product at 20 (its first sight is remembered, not
    // an event); 12 is a change but not low; 3 is low.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for level in [12, 3] {
        let answer = api(
            Method::PUT,
            &format!("/catalog/products/{id}"),
            json!({"inventory_level": level}),
        )
        .await
        .unwrap();
        assert!(answer.status().is_success());
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    let runs = runs_of(&service, "Low stock", 1).await;
    assert_eq!(runs.len(), 1, "only the fall below 5");
    let change = &runs[0]["steps"][0]["output"]["event"]["changes"]["inventory_level"];
    assert_eq!(change["to"], 3);
    // A poll sees the level it last saw: 12, or 20 if both changes fell between two polls.
    assert!(change["from"] == 12 || change["from"] == 20, "{change}");
    assert_eq!(runs[0]["steps"][1]["output"]["data"]["inventory_level"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_subscription_is_found_and_reactivated() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(
        dir.path(),
        &store,
        Some(free_port()),
        &[
            ("SYNCAUT_HOOK_CHECK_SECS", "1"),
            ("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", "3600"),
        ],
    );
    save_credential(&service).await;
    let saved = save(
        &service,
        workflow("Kept alive", json!({"type": "order_created", "mode": "webhook"})),
    )
    .await;
    let hook = saved["trigger"]["hookId"].as_i64().unwrap();
    let http = reqwest::Client::new();
    let hook_url = format!("{}/stores/abc123xyz/v3/hooks/{hook}", store.base_url());
    // As BigCommerce does after two days of failed deliveries.
    let answer = http
        .put(&hook_url)
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let hook: Value = http
            .get(&hook_url)
            .header("X-Auth-Token", FULL_ACCESS_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if hook["data"]["is_active"] == true {
            break;
        }
        assert!(Instant::now() < deadline, "the subscription stayed inactive");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(service.printed().contains("reactivated it"), "{}", service.printed());
}

/// The README's example, as a newcomer runs it: `serve --sandbox`, the example file saved
/// as text, an order created in the sandbox, and the order is shipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_example_ships_each_new_order() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let sandbox = service.sandbox.clone().unwrap();
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/ship-new-orders.yaml"
    ))
    .unwrap();
    let (status, saved) = service.post("/v1/workflows", json!({"workflow": file})).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["trigger"]["mode"], "webhook");
    let order: Value = reqwest::Client::new()
        .post(format!("{sandbox}/stores/abc123xyz/v2/orders"))
        .header("X-Auth-Token", FULL_ACCESS_TOKEN)
        .json(&json!({"products": [{"name": "Jar", "quantity": 1}], "billing_address": {"first_name": "Ana"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let runs = runs_of(&service, "Ship new orders", 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{}", runs[0]);
    let shipped = &runs[0]["steps"][2]["output"]["data"];
    assert_eq!(shipped["id"], order["id"]);
    assert_eq!(shipped["status"], "Shipped");
    assert_eq!(shipped["items_shipped"], shipped["items_total"]);
}

#[test]
fn the_command_line_lists_triggers_and_leaves_triggered_workflows_to_the_service() {
    let dir = private_dir();
    let listed = crate::syncaut(dir.path(), None, &["triggers", "list", "--json"])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let triggers: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let ids: Vec<&str> = triggers
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "order_created",
            "order_status_changed",
            "order_updated",
            "product_created",
            "product_updated",
            "product_inventory_changed",
            "customer_created",
            "customer_updated",
        ]
    );
    let schema = crate::syncaut(dir.path(), None, &["triggers", "schema", "order_status_changed"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(
        schema["form"]["properties"]["status_id"]["oneOf"][2],
        json!({"enum": [2], "title": "Shipped"})
    );
    assert_eq!(
        schema["output"]["properties"]["action"],
        json!({"const": "order_status_changed"})
    );
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/ship-new-orders.yaml");
    let refused = crate::syncaut(dir.path(), None, &["workflow", "run", example, "--sandbox"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        crate::stderr(&refused).starts_with("error[trigger_needs_service]:"),
        "{}",
        crate::stderr(&refused)
    );
    let preview = crate::syncaut(
        dir.path(),
        None,
        &["workflow", "run", example, "--sandbox", "--dry-run"],
    )
    .output()
    .unwrap();
    assert!(preview.status.success(), "{}", crate::stderr(&preview));
}

/// A delivery that cannot become a run yet (its credential was removed) is kept and tried
/// again, less and less often, so nothing is lost once the credential is back; a workflow
/// whose subscription cannot be deleted is deleted with a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_cannot_run_yet_is_kept_until_it_can() {
    let store = Sandbox::new().start().await.unwrap();
    let dir = private_dir();
    let service = start(
        dir.path(),
        &store,
        Some(free_port()),
        &[("SYNCAUT_TRIGGER_SAFETY_POLL_SECS", "3600")],
    );
    save_credential(&service).await;
    save(
        &service,
        workflow("Patient", json!({"type": "order_created", "mode": "webhook"})),
    )
    .await;
    let (status, _) = service.call(Method::DELETE, "/v1/credentials/Shop", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let http = reqwest::Client::new();
    let order = create_order(&store, &http).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, none) = service.get("/v1/runs?workflow=Patient").await;
    assert_eq!(none["runs"], json!([]), "no credential, no run yet");
    assert!(
        service.printed().contains("waits for another try"),
        "{}",
        service.printed()
    );
    save_credential(&service).await;
    let runs = runs_of(&service, "Patient", 1).await;
    assert_eq!(started_for(&runs, "webhook"), [order]);

    // Without the credential the subscription cannot be deleted; the workflow still is.
    let (status, _) = service.call(Method::DELETE, "/v1/credentials/Shop", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, deleted) = service.call(Method::DELETE, "/v1/workflows/Patient", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["deleted"], "Patient");
    assert!(
        deleted["warning"].as_str().unwrap().contains("could not be deleted"),
        "{deleted}"
    );
    let (_, list) = service.get("/v1/workflows").await;
    assert_eq!(list["workflows"], json!([]));
}
