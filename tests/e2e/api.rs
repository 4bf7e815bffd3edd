//! The service's API over HTTP: forms, picker, credentials, runs, events, cancel, errors.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::service::{Service, Start, contains, files_of};
use crate::{SENTINEL, private_dir};

fn sandbox_workflow(name: &str, steps: Value) -> Value {
    json!({
        "name": name,
        "defaults": {"storeHash": "abc123xyz", "credential": "Sandbox"},
        "steps": steps,
    })
}

#[tokio::test]
async fn forms_picker_and_the_openapi_document_are_served_and_v1_needs_the_key() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let http = reqwest::Client::new();
    let sandbox = service.sandbox.as_deref().unwrap();
    assert!(
        sandbox.starts_with("http://127.0.0.1:"),
        "`serve --sandbox` prints the sandbox's URL: {sandbox}"
    );
    assert!(service.printed().contains("credential `Sandbox`"));

    // Open routes.
    let health: Value = http
        .get(format!("{}/healthz", service.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"status": "ok"}));
    let openapi: Value = http
        .get(format!("{}/openapi.json", service.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/healthz",
        "/v1/actions",
        "/v1/actions/{id}",
        "/v1/actions/{id}/variables",
        "/v1/options/{source}",
        "/v1/credentials",
        "/v1/credentials/{name}",
        "/v1/credentials/{name}/test",
        "/v1/runs",
        "/v1/runs/{id}",
        "/v1/runs/{id}/cancel",
        "/v1/runs/{id}/events",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} is not in /openapi.json");
    }
    assert_eq!(openapi["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    // The key.
    for auth in [None, Some("Bearer wrong-key-wrong-key-wrong"), Some("Basic abc")] {
        let mut request = http.get(format!("{}/v1/actions", service.base));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
    }
    let key_file = dir.path().join("api.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        service.printed().contains(&service.key),
        "a generated key is printed once"
    );

    // The registry, a form, the output schema and the picker.
    let (status, index) = service.get("/v1/actions").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = index["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), syncaut_actions::ACTIONS.len());
    assert_eq!(ids[0], "get_products");
    assert!(
        ids.contains(&"ship_order") && ids.contains(&"adjust_inventory"),
        "{ids:?}"
    );
    let (status, action) = service.get("/v1/actions/get_orders").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        action["form"]["properties"]["status_id"]["oneOf"][11],
        json!({"enum": [11], "title": "Awaiting Fulfillment"})
    );
    assert_eq!(action["output"]["required"], json!(["data", "action", "storeHash"]));
    assert_eq!(action["request"]["method"], "GET");
    let (status, picker) = service.get("/v1/actions/get_order/variables?step=getOrder").await;
    assert_eq!(status, StatusCode::OK);
    let expressions: Vec<&str> = picker["variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["expression"].as_str().unwrap())
        .collect();
    assert!(expressions.contains(&"{{getOrder.data.id}}"), "{expressions:?}");

    // Errors say what to do.
    let (status, body) = service.get("/v1/actions/get_order/variables?step=get%20order").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_step_name");
    let (status, body) = service.get("/v1/actions/get_ordr").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "unknown_action");
    assert!(body["error"]["message"].as_str().unwrap().contains("get_order"));
    let (status, body) = service.get("/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "no_such_route");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("/v1/nothing-here"),
        "{body}"
    );
}

#[tokio::test]
async fn credentials_are_write_only_and_tested_against_the_store() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let (status, saved) = service
        .post("/v1/credentials", json!({"name": "Client Store", "token": SENTINEL}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["name"], "Client Store");
    assert_eq!(saved["workspace"], "default");
    assert!(saved.get("token").is_none());
    let (status, again) = service
        .post("/v1/credentials", json!({"name": "Client Store", "token": "other"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["error"]["code"], "credential_exists");
    let (_, list) = service.get("/v1/credentials").await;
    let names: Vec<&str> = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Client Store", "Sandbox"]);

    let (status, tested) = service
        .post("/v1/credentials/Sandbox/test", json!({"storeHash": "abc123xyz"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert_eq!(tested["valid"], true);
    assert_eq!(tested["store"]["name"], "Jane's Jars (Syncaut sandbox)");
    let (status, refused) = service
        .post("/v1/credentials/Client%20Store/test", json!({"storeHash": "abc123xyz"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "invalid_access_token");
    let (status, wrong_store) = service
        .post("/v1/credentials/Sandbox/test", json!({"storeHash": "nosuchstore"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_store["error"]["code"], "store_not_found");

    // A run with the sentinel credential fails with the executor's code, and nothing
    // anywhere holds the token.
    let id = service
        .submit(json!({
            "defaults": {"storeHash": "abc123xyz", "credential": "Client Store"},
            "steps": [{"name": "orders", "action": "get_orders"}],
        }))
        .await;
    let run = service.finished(&id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["error"]["code"], "invalid_access_token");

    let (status, _) = service
        .call(Method::DELETE, "/v1/credentials/Client%20Store", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = service
        .call(Method::DELETE, "/v1/credentials/Client%20Store", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"]["code"], "credential_not_found");

    let (_, events) = service.get(&format!("/v1/runs/{id}")).await;
    for text in [
        saved.to_string(),
        list.to_string(),
        refused.to_string(),
        events.to_string(),
        service.printed(),
    ] {
        assert!(!text.contains(SENTINEL), "the token leaked: {text}");
    }
    for (path, bytes) in files_of(service.data_dir()) {
        assert!(
            !contains(&bytes, SENTINEL.as_bytes()),
            "{} holds the token",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_step_run_succeeds_and_its_events_arrive_in_order() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let id = service
        .submit(sandbox_workflow(
            "Launch a product",
            json!([
                {"name": "category", "action": "create_category", "params": {"name": "Preserving Kits", "parent_id": 18}},
                {"name": "product", "action": "create_product", "params": {
                    "name": "Starter Kit", "price": 39, "categories": "{{category.data.category_id}}"}},
                {"name": "listed", "action": "get_product", "params": {"productId": "{{product.data.id}}"}},
            ]),
        ))
        .await;
    let events = service.events(&id, None).await;
    let seqs: Vec<i64> = events.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "ids count up from 1"
    );
    let shape: Vec<String> = events
        .iter()
        .map(|(_, kind, data)| match kind.as_str() {
            "run" => format!("run {}", data["status"].as_str().unwrap()),
            _ => format!(
                "{} {}",
                data["name"].as_str().unwrap(),
                data["status"].as_str().unwrap()
            ),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "run queued",
            "run running",
            "category running",
            "category succeeded",
            "product running",
            "product succeeded",
            "listed running",
            "listed succeeded",
            "run succeeded",
        ]
    );
    let (_, _, product_done) = &events[5];
    assert_eq!(product_done["output"]["action"], "create_product");

    let run = service.finished(&id).await;
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["workflow"], "Launch a product");
    let steps = run["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["status"] == "succeeded"));
    let category = steps[0]["output"]["data"]["category_id"].clone();
    assert_eq!(steps[2]["output"]["data"]["categories"], json!([category]));
    assert_eq!(steps[2]["output"]["storeHash"], "abc123xyz");

    // A stream joined later, after the fifth event, replays the rest.
    let rest = service.events(&id, Some(5)).await;
    assert_eq!(rest.first().map(|e| e.0), Some(6));
    assert_eq!(rest.len(), events.len() - 5);
    // A reconnect after the last event of a finished run ends at once, with nothing.
    let last = events.last().unwrap().0;
    let after_the_end = tokio::time::timeout(Duration::from_secs(5), service.events(&id, Some(last)))
        .await
        .expect("the stream of a finished run ends");
    assert!(after_the_end.is_empty());

    let (_, runs) = service.get("/v1/runs?workflow=Launch%20a%20product").await;
    assert_eq!(runs["runs"][0]["id"], id.as_str());
    assert_eq!(runs["runs"][0]["status"], "succeeded");
    let (_, none) = service.get("/v1/runs?workflow=Nothing").await;
    assert_eq!(none["runs"], json!([]));
}

#[tokio::test]
async fn a_failing_run_reports_the_executors_code_and_stops() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let id = service
        .submit(sandbox_workflow(
            "Missing product",
            json!([
                {"name": "product", "action": "get_product", "params": {"productId": 999999}},
                {"name": "after", "action": "get_products"},
            ]),
        ))
        .await;
    let run = service.finished(&id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["error"]["code"], "not_found");
    assert_eq!(run["error"]["step"], "product");
    assert!(run["error"]["message"].as_str().unwrap().contains("999999"));
    assert_eq!(run["steps"][0]["status"], "failed");
    assert_eq!(run["steps"][0]["error"]["code"], "not_found");
    assert_eq!(run["steps"][1]["status"], "pending");
    let events = service.events(&id, None).await;
    let (_, kind, last) = events.last().unwrap();
    assert_eq!((kind.as_str(), &last["status"]), ("run", &json!("failed")));
    assert_eq!(last["error"]["code"], "not_found");
}

#[tokio::test]
async fn submissions_are_checked_before_anything_is_queued() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let cases = [
        (
            json!({"workflow": {"steps": [{"name": "a b", "action": "get_orders"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_workflow",
            "a b",
        ),
        (
            json!({"workflow": sandbox_workflow("x", json!([{"name": "o", "action": "get_ordrs"}]))}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_workflow",
            "get_orders",
        ),
        (
            json!({"workflow": {"defaults": {"storeHash": "abc123xyz", "tokenEnv": "HOME"}, "steps": [{"name": "o", "action": "get_orders"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_workflow",
            "POST /v1/credentials",
        ),
        (
            json!({"workflow": {"defaults": {"storeHash": "abc123xyz", "credential": "Nope"}, "steps": [{"name": "o", "action": "get_orders"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credential_not_found",
            "Nope",
        ),
        (
            json!({"workflow": {"defaults": {"credential": "Sandbox"}, "steps": [{"name": "o", "action": "get_orders"}]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_workflow",
            "storeHash",
        ),
        (
            json!({"workflow": 7}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_workflow",
            "JSON object",
        ),
        (
            json!({"flow": {}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "workflow",
        ),
    ];
    for (body, status, code, mentions) in cases {
        let (got, answer) = service.post("/v1/runs", body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(mentions), "{body}: {message}");
    }
    // YAML text works too.
    let (status, created) = service
        .post(
            "/v1/runs",
            json!({"workflow": "defaults:\n  storeHash: abc123xyz\n  credential: Sandbox\nsteps:\n  - name: orders\n    action: get_orders\n"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    // Not JSON, and too large.
    let response = service
        .request(Method::POST, "/v1/runs")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
    // The server answers 413 as soon as it sees the length and closes the connection; a
    // client still writing the body may see the close before the answer, so the request
    // is made on a connection of its own, and again if that happens.
    let huge = format!("{{\"workflow\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let mut response = None;
    for _ in 0..5 {
        let sent = reqwest::Client::new()
            .post(format!("{}/v1/runs", service.base))
            .bearer_auth(&service.key)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await;
        if let Ok(answer) = sent {
            response = Some(answer);
            break;
        }
    }
    let response = response.expect("an answer to the oversized body");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    let (_, runs) = service.get("/v1/runs").await;
    assert_eq!(
        runs["runs"].as_array().unwrap().len(),
        1,
        "only the valid submission was queued"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_running_run_and_refuses_a_finished_one() {
    // A slow store: every answer takes two seconds.
    let sandbox = syncaut_sandbox::Sandbox::new()
        .with_latency(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let dir = private_dir();
    let service = Service::start(Start {
        data_dir: dir.path(),
        args: &[],
        env: &[
            ("SYNCAUT_BIGCOMMERCE_API_URL", &sandbox.base_url()),
            ("SYNCAUT_API_KEY", "e2e-api-key-0123456789abcdef"),
        ],
    });
    let (status, _) = service
        .post(
            "/v1/credentials",
            json!({"name": "Slow", "token": syncaut_sandbox::FULL_ACCESS_TOKEN}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        !service.printed().contains("e2e-api-key"),
        "a key from the environment is never printed"
    );
    let id = service
        .submit(json!({
            "defaults": {"storeHash": "abc123xyz", "credential": "Slow"},
            "steps": [
                {"name": "orders", "action": "get_orders"},
                {"name": "products", "action": "get_products"},
            ],
        }))
        .await;
    service
        .wait_for(&id, Duration::from_secs(20), |run| {
            run["steps"][0]["status"] == "running"
        })
        .await;
    let asked = std::time::Instant::now();
    let (status, cancel) = service.post(&format!("/v1/runs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{cancel}");
    assert_eq!(cancel, json!({"id": id, "status": "running", "cancelRequested": true}));
    let run = service.finished(&id).await;
    assert!(
        asked.elapsed() < Duration::from_millis(1500),
        "the read in flight was abandoned"
    );
    assert_eq!(run["status"], "cancelled");
    assert_eq!(run["steps"][0]["status"], "cancelled");
    assert_eq!(run["steps"][1]["status"], "pending");
    let events = service.events(&id, None).await;
    assert_eq!(events.last().unwrap().2["status"], "cancelled");

    let (status, refused) = service.post(&format!("/v1/runs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "run_finished");
    let (status, unknown) = service.post("/v1/runs/NOPE/cancel", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(unknown["error"]["code"], "run_not_found");
}

#[tokio::test]
async fn dynamic_options_come_from_the_store_through_the_saved_credential() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let ask = |source: &str, extra: Value| {
        let mut body = json!({"credential": "Sandbox", "storeHash": "abc123xyz"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let path = format!("/v1/options/{source}");
        let service = &service;
        async move { service.post(&path, body).await }
    };
    let labels = |answer: &Value| -> Vec<String> {
        answer["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["label"].as_str().unwrap().to_owned())
            .collect()
    };

    let (status, categories) = ask("categories", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{categories}");
    assert_eq!(
        labels(&categories),
        [
            "Garden",
            "Garden › Planters",
            "Kitchen",
            "Kitchen › Jars",
            "Kitchen › Utensils"
        ]
    );
    assert_eq!(
        categories["options"][3],
        json!({"value": 20, "label": "Kitchen › Jars"})
    );
    let (_, searched) = ask("categories", json!({"search": "jar"})).await;
    assert_eq!(labels(&searched), ["Kitchen › Jars"]);

    let (_, groups) = ask("customer_groups", json!({})).await;
    assert_eq!(labels(&groups), ["Retail", "Wholesale", "VIP"]);
    let (_, brands) = ask("brands", json!({"search": "kil"})).await;
    assert_eq!(brands["options"], json!([{"value": 37, "label": "Kilner"}]));
    let (_, channels) = ask("channels", json!({})).await;
    assert_eq!(
        labels(&channels),
        ["Jane's Jars (bigcommerce)", "Jane's Jars on Amazon (amazon)"]
    );
    let (_, locations) = ask("locations", json!({})).await;
    assert_eq!(labels(&locations), ["Warehouse (WH-1)", "Shop floor (SHOP)"]);

    // Search as you type, and pages.
    let (_, customers) = ask("customers", json!({"search": "ana.garcia@example.com"})).await;
    assert_eq!(labels(&customers), ["Ana García <ana.garcia@example.com>"]);
    let (_, customers) = ask("customers", json!({"search": "smi"})).await;
    assert_eq!(labels(&customers), ["Jane Smith <jane.smith@example.com>"]);
    let (_, jars) = ask("products", json!({"search": "jar"})).await;
    assert!(labels(&jars).iter().all(|l| l.to_lowercase().contains("jar")), "{jars}");

    // What a user can get wrong.
    let (status, unknown) = ask("colours", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(unknown["error"]["code"], "unknown_option_source");
    assert!(unknown["error"]["message"].as_str().unwrap().contains("categories"));
    let (status, missing) = service
        .post(
            "/v1/options/brands",
            json!({"credential": "Nope", "storeHash": "abc123xyz"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["error"]["code"], "credential_not_found");
    let (status, bad_cursor) = ask("products", json!({"cursor": "banana"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_cursor["error"]["code"], "invalid_param");
    let (status, wrong_store) = service
        .post(
            "/v1/options/brands",
            json!({"credential": "Sandbox", "storeHash": "elsewhere"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_store["error"]["code"], "store_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn option_pages_follow_the_cursor_to_the_end() {
    let sandbox = syncaut_sandbox::Sandbox::new();
    sandbox.with_world(|w| w.add_generated_products(53));
    let sandbox = sandbox.start().await.unwrap();
    let dir = private_dir();
    let service = Service::start(Start {
        data_dir: dir.path(),
        args: &[],
        env: &[
            ("SYNCAUT_BIGCOMMERCE_API_URL", &sandbox.base_url()),
            ("SYNCAUT_API_KEY", "e2e-api-key-0123456789abcdef"),
        ],
    });
    let (status, _) = service
        .post(
            "/v1/credentials",
            json!({"name": "Shop", "token": syncaut_sandbox::FULL_ACCESS_TOKEN}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({"credential": "Shop", "storeHash": "abc123xyz"});
        if let Some(cursor) = &cursor {
            body["cursor"] = json!(cursor);
        }
        let (status, page) = service.post("/v1/options/products", body).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        seen.extend(
            page["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["value"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3, "60 products in pages of 25");
    assert_eq!(seen.len(), 60);
    seen.dedup();
    assert_eq!(seen.len(), 60, "no product twice");
}
