//! Templates through a real execution: references to earlier steps reach the wire with
//! the right type and text.

use httpmock::prelude::*;
use serde_json::json;

use crate::{TOKEN, run_with, step};

fn outputs() -> syncaut_executor::StepOutputs {
    json!({
        "getOrder": {"data": {"id": 218, "status_id": 11, "billing_address": {"first_name": "Tom & Jerry", "last_name": "O'Brien \"Jr\""}}, "action": "get_order", "storeHash": "abc123"},
        "getOrders": {"data": [{"id": 100}, {"id": 101}], "action": "get_orders", "storeHash": "abc123"}
    })
    .as_object()
    .cloned()
    .unwrap()
        .into()
}

#[tokio::test]
async fn a_referenced_id_becomes_the_path_value() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/stores/abc123/v2/orders/101")
                .json_body(json!({"status_id": 2}));
            then.status(200).json_body(json!({"id": 101, "status_id": 2}));
        })
        .await;
    let update = step(
        "update_order",
        json!({"orderId": "{{getOrders.data.[1].id}}", "status_id": 2}),
    );
    let output = run_with(&server, &update, &outputs()).await.unwrap();
    mock.assert_async().await;
    assert_eq!(output["data"]["id"], 101);
}

#[tokio::test]
async fn mixed_text_keeps_ampersands_and_quotes_and_whole_values_keep_their_type() {
    let server = MockServer::start_async().await;
    let body =
        json!({"name": "Gift for Tom & Jerry O'Brien \"Jr\" (#218)", "price": 218, "type": "physical", "weight": 0});
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/stores/abc123/v3/catalog/products")
                .header("x-auth-token", TOKEN)
                .json_body(body);
            then.status(200).json_body(json!({"data": {"id": 1}}));
        })
        .await;
    let create = step(
        "create_product",
        json!({
            "name": "Gift for {{getOrder.data.billing_address.first_name}} {{getOrder.data.billing_address.last_name}} (#{{getOrder.data.id}})",
            "price": "{{getOrder.data.id}}"
        }),
    );
    run_with(&server, &create, &outputs()).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn a_template_error_stops_the_step_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let bad = step("get_order", json!({"orderId": "{{getOrdr.data.id}}"}));
    let err = run_with(&server, &bad, &outputs()).await.unwrap_err();
    assert_eq!(err.code(), "template_error");
    assert_eq!(
        err.to_string(),
        "orderId: cannot render `{{getOrdr.data.id}}`: there is no earlier step called `getOrdr`; earlier steps: getOrder, getOrders"
    );
    let bad = step("get_order", json!({"orderId": "{{getOrder.data.billing_address}}"}));
    let err = run_with(&server, &bad, &outputs()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_param");
    assert!(
        err.to_string()
            .starts_with("orderId: must be a positive whole number (an ID); got {"),
        "{err}"
    );
    assert_eq!(any.calls_async().await, 0);
}
