//! `syncaut run` with `--token-env`, params, context, dry runs and errors.

use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::{SENTINEL, assert_silent_about_token, command, stderr, stdout};

#[test]
fn run_with_token_env_params_and_context() {
    let dir = tempfile::tempdir().unwrap();
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
    let dir = tempfile::tempdir().unwrap();
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
    let dir = tempfile::tempdir().unwrap();
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
