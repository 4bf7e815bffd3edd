//! `syncaut run` with `--token-env`, params, context, dry runs and errors.

use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::{SENTINEL, assert_silent_about_token, command, stderr, stdout};

#[test]
fn run_with_token_env_params_and_context() {
    let dir = crate::private_dir();
    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(PUT)
            .path("/stores/abc123/v2/orders/218")
            .header("x-auth-token", SENTINEL)
            .json_body(json!({"status_id": 2}));
        then.status(200)
            .json_body(json!({"id": 218, "status_id": 2, "status": "Shipped"}));
    });
    let context = dir.path().join("context.json");
    std::fs::write(
        &context,
        json!({"getOrder": {"data": {"id": 218}, "action": "get_order", "storeHash": "abc123"}}).to_string(),
    )
    .unwrap();
    let ran = command(
        dir.path(),
        Some(&server.base_url()),
        &[
            "run",
            "update_order",
            "--step",
            "shipIt",
            "--store-hash",
            "abc123",
            "--token-env",
            "BC_TOKEN",
            "--params",
            r#"{"status_id": 2}"#,
            "--param",
            "orderId={{getOrder.data.id}}",
            "--context",
            context.to_str().unwrap(),
        ],
    )
    .env("BC_TOKEN", SENTINEL)
    .output()
    .unwrap();
    assert!(ran.status.success(), "{}", stderr(&ran));
    mock.assert();
    let output: Value = serde_json::from_str(&stdout(&ran)).unwrap();
    assert_eq!(output["data"]["status"], "Shipped");
    assert_silent_about_token(&ran);
}

#[test]
fn dry_run_prints_the_request_with_the_token_redacted_and_sends_nothing() {
    let dir = crate::private_dir();
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let ran = command(
        dir.path(),
        Some(&server.base_url()),
        &[
            "run",
            "create_customer",
            "--step",
            "newCustomer",
            "--store-hash",
            "abc123",
            "--token-env",
            "BC_TOKEN",
            "--dry-run",
            "--param",
            "first_name=Jane",
            "--param",
            "last_name=Smith",
            "--param",
            "email=jane@example.com",
        ],
    )
    .env("BC_TOKEN", SENTINEL)
    .output()
    .unwrap();
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(any.calls(), 0);
    let request: Value = serde_json::from_str(&stdout(&ran)).unwrap();
    assert_eq!(
        request,
        json!({
            "method": "POST",
            "url": format!("{}/stores/abc123/v3/customers", server.base_url()),
            "headers": {"X-Auth-Token": "[redacted]", "Accept": "application/json", "Content-Type": "application/json"},
            "body": [{"first_name": "Jane", "last_name": "Smith", "email": "jane@example.com"}]
        })
    );
    assert_silent_about_token(&ran);
}

#[test]
fn failures_print_a_code_and_exit_1_or_json_with_json() {
    let dir = crate::private_dir();
    let args = [
        "run",
        "get_order",
        "--step",
        "getOrder",
        "--store-hash",
        "abc123",
        "--token-env",
        "BC_TOKEN",
    ];
    let ran = command(dir.path(), Some("http://127.0.0.1:9"), &args)
        .env("BC_TOKEN", SENTINEL)
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    assert_eq!(
        stderr(&ran).trim(),
        "error[required]: orderId is required: the ID field is empty. Provide the ID directly or reference it from a previous step using {{stepName.data.id}}."
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let ran = command(dir.path(), Some("http://127.0.0.1:9"), &json_args)
        .env("BC_TOKEN", SENTINEL)
        .output()
        .unwrap();
    let error: Value = serde_json::from_str(stderr(&ran).trim()).unwrap();
    assert_eq!(error["error"]["code"], "required");
    let missing = command(
        dir.path(),
        None,
        &[
            "run",
            "get_orders",
            "--step",
            "s",
            "--store-hash",
            "abc",
            "--token-env",
            "NOPE_UNSET",
        ],
    )
    .output()
    .unwrap();
    assert!(stderr(&missing).starts_with("error[token_env_missing]: the environment variable NOPE_UNSET is not set"));
}

/// A "return all" through the binary: every record, in order, printed as it is serialised;
/// and the transport's settings from the environment are checked, not ignored.
#[test]
fn return_all_prints_every_record_and_transport_settings_are_checked() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = syncaut_sandbox::Sandbox::new();
    sandbox.with_world(|w| w.add_generated_products(600));
    let running = runtime.block_on(sandbox.clone().start()).unwrap();
    let dir = crate::private_dir();
    let args = [
        "run",
        "get_products",
        "--step",
        "all",
        "--store-hash",
        syncaut_sandbox::STORE_HASH,
        "--token-env",
        "BC_TOKEN",
        "--params",
        r#"{"return_all": true}"#,
    ];
    let ran = command(dir.path(), Some(&running.base_url()), &args)
        .env("BC_TOKEN", syncaut_sandbox::FULL_ACCESS_TOKEN)
        .env("SYNCAUT_HTTP_CONCURRENCY", "2")
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(0), "{}", stderr(&ran));
    let output: Value = serde_json::from_str(&stdout(&ran)).unwrap();
    let data = output["data"].as_array().unwrap();
    let ids: Vec<u64> = data.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert!(ids.len() > 600, "{} records", ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "records in order, none twice");
    assert_eq!(
        output.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data", "action", "storeHash"]
    );
    assert!(
        stderr(&ran).contains(&format!(
            "{} record(s) in {} request(s), 0 retried",
            ids.len(),
            ids.len().div_ceil(250)
        )),
        "what it took is on standard error: {}",
        stderr(&ran)
    );
    assert_eq!(output["action"], "get_products");

    for (name, value, message) in [
        (
            "SYNCAUT_HTTP_CONCURRENCY",
            "0",
            "error[invalid_setting]: SYNCAUT_HTTP_CONCURRENCY=`0` is not valid: it must be a whole number from 1 to 40; fix or unset it",
        ),
        (
            "SYNCAUT_HTTP_TIMEOUT_SECS",
            "soon",
            "error[invalid_setting]: SYNCAUT_HTTP_TIMEOUT_SECS=`soon` is not valid: it must be a number of seconds above 0 and below 86400; fix or unset it",
        ),
    ] {
        let refused = command(dir.path(), Some(&running.base_url()), &args)
            .env("BC_TOKEN", syncaut_sandbox::FULL_ACCESS_TOKEN)
            .env(name, value)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(1));
        assert_eq!(stderr(&refused).trim(), message);
    }
}
