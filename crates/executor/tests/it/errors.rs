//! Every error the docs describe, with its code and guidance, and never the token.

use std::time::Duration;

use httpmock::prelude::*;
use serde_json::{Value, json};
use syncaut_executor::{CredentialError, CredentialSource, CredentialStore, ExecError, Executor};

use crate::{TOKEN, run, step};

async fn failing(action: &str, params: Value, status: u16, body: Value, headers: &[(&str, &str)]) -> ExecError {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            let mut then = then.status(status).json_body(body);
            for (name, value) in headers {
                then = then.header(*name, *value);
            }
        })
        .await;
    let err = run(&server, action, params).await.unwrap_err();
    assert_no_token(&err);
    err
}

fn assert_no_token(err: &ExecError) {
    let printed = format!("{err} {err:?} {}", err.to_json());
    assert!(!printed.contains(TOKEN), "the token leaked: {printed}");
}

#[tokio::test]
async fn unauthorized_is_invalid_access_token() {
    let err = failing(
        "get_orders",
        json!({}),
        401,
        json!([{"status": 401, "message": "You are not authorized"}]),
        &[],
    )
    .await;
    assert_eq!(err.code(), "invalid_access_token");
    assert!(
        err.to_string()
            .starts_with("Invalid Access Token: BigCommerce refused the token (401).")
    );
    assert!(
        err.to_string()
            .contains("Create a new API account and save the new token as a credential.")
    );
}

#[tokio::test]
async fn forbidden_names_the_missing_scope_and_the_store_hash() {
    let err = failing(
        "update_order",
        json!({"orderId": 1, "status_id": 2}),
        403,
        json!({"status": 403, "title": "Forbidden"}),
        &[],
    )
    .await;
    assert_eq!(err.code(), "forbidden");
    assert_eq!(
        err.to_string(),
        "403 Forbidden: your API token is missing the scope update_order needs: Orders — Modify (store_v2_orders). Go to BigCommerce → Settings → API → API Accounts, edit your account, and enable the missing scope. Also verify that the store hash `abc123` belongs to the same store as the token."
    );
}

#[tokio::test]
async fn a_missing_record_is_not_found_naming_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/stores/abc123/v2/orders/404404");
            then.status(404)
                .json_body(json!([{"status": 404, "message": "The requested resource was not found."}]));
        })
        .await;
    let probe = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/stores/abc123/v2/time")
                .header("x-auth-token", TOKEN);
            then.status(200).json_body(json!({"time": 1529512970}));
        })
        .await;
    let err = run(&server, "get_order", json!({"orderId": 404404})).await.unwrap_err();
    probe.assert_async().await;
    assert_eq!(err.code(), "not_found");
    assert_eq!(
        err.to_string(),
        "Order 404404 not found in store `abc123`: check the ID, or whether it was deleted."
    );
}

#[tokio::test]
async fn an_unknown_store_is_store_not_found() {
    let err = failing(
        "get_product",
        json!({"productId": 5}),
        404,
        json!({"status": 404, "title": "Not Found"}),
        &[],
    )
    .await;
    assert_eq!(err.code(), "store_not_found");
    assert_eq!(
        err.to_string(),
        "Store not found (404): no BigCommerce store has the hash `abc123`. Your store hash is incorrect; double-check it on your BigCommerce API credentials page."
    );
    let err = failing("get_products", json!({}), 404, json!({}), &[]).await;
    assert_eq!(err.code(), "store_not_found");
}

#[tokio::test]
async fn get_customer_with_no_match_is_not_found() {
    let body = json!({"data": [], "meta": {"pagination": {"total": 0, "count": 0, "per_page": 50, "current_page": 1, "total_pages": 0}}});
    let err = failing("get_customer", json!({"customerId": 77}), 200, body, &[]).await;
    assert_eq!(err.code(), "not_found");
    assert_eq!(
        err.to_string(),
        "Customer 77 not found in store `abc123`: check the ID, or whether it was deleted."
    );
}

#[tokio::test]
async fn unprocessable_passes_field_errors_on() {
    let body = json!({"status": 422, "title": "JSON data is missing or invalid", "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes", "errors": {"name": "The product name is a duplicate"}});
    let err = failing("create_product", json!({"name": "Jar", "price": 1}), 422, body, &[]).await;
    assert_eq!(err.code(), "rejected");
    assert_eq!(
        err.to_string(),
        "BigCommerce rejected the request (422): JSON data is missing or invalid; name: The product name is a duplicate"
    );
}

#[tokio::test]
async fn rate_limited_says_when_the_quota_resets() {
    let headers = [
        ("X-Rate-Limit-Time-Reset-Ms", "4200"),
        ("X-Rate-Limit-Requests-Left", "0"),
    ];
    let err = failing(
        "get_orders",
        json!({}),
        429,
        json!({"status": 429, "title": "Too many requests"}),
        &headers,
    )
    .await;
    assert_eq!(err.code(), "rate_limited");
    assert_eq!(
        err.to_string(),
        "BigCommerce's rate limit for store `abc123` is used up (429); the quota resets in 4200 ms. Run the step again then, or space out the workflow's requests."
    );
}

#[tokio::test]
async fn server_errors_are_upstream_errors_with_the_request_id() {
    let err = failing(
        "get_orders",
        json!({}),
        503,
        json!({"status": 503}),
        &[("X-Request-Id", "req-77")],
    )
    .await;
    assert_eq!(err.code(), "upstream_error");
    assert_eq!(
        err.to_string(),
        "BigCommerce answered 503: the problem is on BigCommerce's side; try again in a minute (X-Request-Id req-77)"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!([])).delay(Duration::from_millis(3000));
        })
        .await;
    let mut config = crate::config(&server.base_url());
    config.timeout = Duration::from_millis(300);
    let executor = Executor::new(&config).unwrap();
    let err = crate::execute(
        &executor,
        &step("get_orders", json!({})),
        &syncaut_executor::StepOutputs::new(),
        &syncaut_executor::NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "timeout");
    assert_no_token(&err);
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let executor = Executor::new(&crate::config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = crate::execute(
        &executor,
        &step("get_orders", json!({})),
        &syncaut_executor::StepOutputs::new(),
        &syncaut_executor::NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "connection_failed");
    assert!(
        err.to_string()
            .starts_with(&format!("could not reach http://127.0.0.1:{port}: ")),
        "{err}"
    );
    assert_no_token(&err);
}

struct Vault;

impl CredentialStore for Vault {
    fn token<'a>(&'a self, name: &'a str) -> syncaut_executor::TokenFuture<'a> {
        let token = match name {
            "Client Store" => Ok(bigcommerce_api::SecretString::from(TOKEN)),
            "Damaged" => Err(CredentialError::Unavailable("the record was tampered with".into())),
            _ => Err(CredentialError::NotFound),
        };
        Box::pin(std::future::ready(token))
    }
}

#[tokio::test]
async fn named_credentials_resolve_through_the_store() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/stores/abc123/v2/orders")
                .header("x-auth-token", TOKEN);
            then.status(200).json_body(json!([]));
        })
        .await;
    let executor = crate::executor(&server);
    let mut named = step("get_orders", json!({}));
    named.credential = CredentialSource::Named("Client Store".into());
    crate::execute(&executor, &named, &syncaut_executor::StepOutputs::new(), &Vault)
        .await
        .unwrap();
    mock.assert_async().await;

    named.credential = CredentialSource::Named("Old Store".into());
    let err = crate::execute(&executor, &named, &syncaut_executor::StepOutputs::new(), &Vault)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credential_not_found");
    assert_eq!(
        err.to_string(),
        "Credential not found: the credential `Old Store` attached to the node was deleted from your workspace. Re-add it under Workspace → Credentials and update the node."
    );
    named.credential = CredentialSource::Named("Damaged".into());
    let err = crate::execute(&executor, &named, &syncaut_executor::StepOutputs::new(), &Vault)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credential_unavailable");
}

#[tokio::test]
async fn step_checks_come_before_any_request() {
    let err = crate::try_step("get_ordrs", json!({})).unwrap_err();
    assert_eq!(err.code(), "unknown_action");
    assert!(
        err.to_string()
            .starts_with("unknown action `get_ordrs`; did you mean get_orders, get_order"),
        "{err}"
    );
    let credential = || CredentialSource::Token(bigcommerce_api::SecretString::from(TOKEN));
    let err =
        syncaut_executor::Step::new("get orders", "get_orders", "abc", credential(), &Default::default()).unwrap_err();
    assert_eq!(err.code(), "invalid_step_name");
    assert_eq!(
        err.to_string(),
        "step name `get orders` is not valid: it contains a space. A step name must start with a letter or underscore and have no spaces (letters, digits, _, -, $ and : are fine; at most 100 characters), e.g. getOrders"
    );
    let err =
        syncaut_executor::Step::new("ok", "get_orders", "ABC/../x", credential(), &Default::default()).unwrap_err();
    assert_eq!(err.code(), "invalid_store_hash");
    assert_eq!(crate::try_step("get_order", json!({})).unwrap_err().code(), "required");
}
