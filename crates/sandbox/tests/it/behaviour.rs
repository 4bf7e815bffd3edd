//! BigCommerce behaviour the actions rely on.

use std::time::Duration;

use serde_json::{Value, json};
use syncaut_sandbox::{READ_ONLY_TOKEN, RateLimit, Sandbox};

use crate::{request, send};

fn ids(body: &Value) -> Vec<i64> {
    let items = body.get("data").unwrap_or(body);
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn unknown_tokens_stores_and_missing_scopes_are_refused() {
    let sandbox = Sandbox::new();
    let mut unknown = request("GET", "/v2/orders", &[], None);
    unknown.token = Some("nope".into());
    assert_eq!(sandbox.handle(&unknown).status, 401);
    let mut missing = request("GET", "/v2/orders", &[], None);
    missing.token = None;
    assert_eq!(sandbox.handle(&missing).status, 401);
    let mut other_store = request("GET", "/v2/orders", &[], None);
    other_store.path = "/stores/zzz999/v2/orders".into();
    assert_eq!(sandbox.handle(&other_store).status, 404);
    let mut read_only = request("PUT", "/v2/orders/100", &[], Some(json!({"status_id": 2})));
    read_only.token = Some(READ_ONLY_TOKEN.into());
    let refused = sandbox.handle(&read_only);
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.body.unwrap()[0]["message"],
        "You don't have a required scope to access the endpoint (store_v2_orders)."
    );
    read_only.method = "GET".into();
    assert_eq!(sandbox.handle(&read_only).status, 200);
    let scoped = Sandbox::new().with_token("orders-only", &["store_v2_orders_read_only"]);
    let mut products = request("GET", "/v3/catalog/products", &[], None);
    products.token = Some("orders-only".into());
    assert_eq!(scoped.handle(&products).status, 403);
}

#[test]
fn v3_lists_page_with_meta_and_filter() {
    let sandbox = Sandbox::new();
    let page = send(
        &sandbox,
        "GET",
        "/v3/catalog/products",
        &[("limit", "2"), ("page", "2")],
        None,
    )
    .body
    .unwrap();
    assert_eq!(ids(&page), [113, 114]);
    assert_eq!(page["meta"]["pagination"]["total"], 7);
    assert_eq!(page["meta"]["pagination"]["total_pages"], 4);
    assert_eq!(page["meta"]["pagination"]["links"]["next"], "?page=3&limit=2");
    let hidden = send(
        &sandbox,
        "GET",
        "/v3/catalog/products",
        &[("is_visible", "false")],
        None,
    )
    .body
    .unwrap();
    assert_eq!(ids(&hidden), [117]);
    let preorder = send(
        &sandbox,
        "GET",
        "/v3/catalog/products",
        &[("availability", "preorder")],
        None,
    )
    .body
    .unwrap();
    assert_eq!(ids(&preorder), [116]);
    let jars = send(&sandbox, "GET", "/v3/catalog/products", &[("keyword", "JAR")], None)
        .body
        .unwrap();
    assert_eq!(ids(&jars), [111, 112, 117]);
    let smiths = send(&sandbox, "GET", "/v3/customers", &[("name:like", "smith")], None)
        .body
        .unwrap();
    assert_eq!(ids(&smiths), [1]);
    let group = send(&sandbox, "GET", "/v3/customers", &[("customer_group_id:in", "2")], None)
        .body
        .unwrap();
    assert_eq!(ids(&group), [3, 5]);
}

#[test]
fn v2_orders_filter_by_status_and_answer_204_past_the_end() {
    let sandbox = Sandbox::new();
    let awaiting = send(&sandbox, "GET", "/v2/orders", &[("status_id", "11")], None)
        .body
        .unwrap();
    assert_eq!(ids(&awaiting), [100, 101]);
    let past = send(&sandbox, "GET", "/v2/orders", &[("page", "5")], None);
    assert_eq!((past.status, past.body), (204, None));
    let count = send(&sandbox, "GET", "/v2/orders/count", &[("status_id", "11")], None)
        .body
        .unwrap();
    assert_eq!(count["count"], 2);
    assert_eq!(
        send(&sandbox, "GET", "/v2/orders", &[("status_id", "x")], None).status,
        400
    );
}

#[test]
fn create_get_update_delete_behaves() {
    let sandbox = Sandbox::new();
    let created = send(
        &sandbox,
        "POST",
        "/v3/catalog/products",
        &[],
        Some(json!({"name": "Lid", "type": "physical", "weight": 0.1, "price": 1.5})),
    );
    assert_eq!(created.status, 200);
    let id = created.body.unwrap()["data"]["id"].as_i64().unwrap();
    let path = format!("/v3/catalog/products/{id}");
    let updated = send(&sandbox, "PUT", &path, &[], Some(json!({"inventory_level": 30})))
        .body
        .unwrap();
    assert_eq!(updated["data"]["inventory_level"], 30);
    let with_variants = send(&sandbox, "GET", &path, &[("include", "variants")], None)
        .body
        .unwrap();
    assert_eq!(with_variants["data"]["variants"][0]["inventory_level"], 30);
    assert_eq!(send(&sandbox, "DELETE", &path, &[], None).status, 204);
    assert_eq!(send(&sandbox, "GET", &path, &[], None).status, 404);

    let customer = send(
        &sandbox,
        "POST",
        "/v3/customers",
        &[],
        Some(json!([{"email": "x@example.com", "first_name": "X", "last_name": "Y"}])),
    );
    let customer_id = customer.body.unwrap()["data"][0]["id"].as_i64().unwrap().to_string();
    let found = send(&sandbox, "GET", "/v3/customers", &[("id:in", &customer_id)], None)
        .body
        .unwrap();
    assert_eq!(found["data"][0]["email"], "x@example.com");
    assert_eq!(
        send(&sandbox, "DELETE", "/v3/customers", &[("id:in", &customer_id)], None).status,
        204
    );
    let gone = send(&sandbox, "GET", "/v3/customers", &[("id:in", &customer_id)], None)
        .body
        .unwrap();
    assert_eq!(gone["data"], json!([]));

    let shipped = send(&sandbox, "PUT", "/v2/orders/100", &[], Some(json!({"status_id": 2})))
        .body
        .unwrap();
    assert_eq!(
        (shipped["status_id"].clone(), shipped["status"].clone()),
        (json!(2), json!("Shipped"))
    );
    assert_eq!(send(&sandbox, "DELETE", "/v2/orders/100", &[], None).status, 204);
    assert_eq!(send(&sandbox, "GET", "/v2/orders/100", &[], None).status, 404);
}

#[test]
fn bad_input_gets_bigcommerce_style_errors() {
    let sandbox = Sandbox::new();
    let missing = send(
        &sandbox,
        "POST",
        "/v3/catalog/products",
        &[],
        Some(json!({"name": "No price", "type": "physical", "weight": 1})),
    );
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body.unwrap()["errors"], json!({"price": "is required"}));
    let duplicate = send(
        &sandbox,
        "POST",
        "/v3/catalog/products",
        &[],
        Some(json!({"name": "Wooden Spoon", "type": "physical", "weight": 1, "price": 1})),
    );
    assert_eq!(duplicate.status, 409);
    let object_body = send(&sandbox, "POST", "/v3/customers", &[], Some(json!({"email": "a@b.co"})));
    assert_eq!(object_body.status, 422);
    assert_eq!(
        object_body.body.unwrap()["errors"]["body"],
        "The request payload has to be a JSON array of customers."
    );
    let taken = send(
        &sandbox,
        "POST",
        "/v3/customers",
        &[],
        Some(json!([{"email": "jane.smith@example.com", "first_name": "J", "last_name": "S"}])),
    );
    assert_eq!(taken.status, 422);
    let bad_status = send(&sandbox, "PUT", "/v2/orders/101", &[], Some(json!({"status_id": 99})));
    assert_eq!(bad_status.status, 400);
    assert_eq!(
        bad_status.body.unwrap(),
        json!([{"status": 400, "message": "The field 'status_id' is invalid."}])
    );
    let variant_tracked = send(
        &sandbox,
        "PUT",
        "/v3/catalog/products/112",
        &[],
        Some(json!({"inventory_level": 5})),
    );
    assert_eq!(variant_tracked.status, 422);
    let orphan = send(
        &sandbox,
        "POST",
        "/v3/catalog/categories",
        &[],
        Some(json!({"name": "Orphan", "parent_id": 999})),
    );
    assert_eq!(orphan.status, 422);
    let not_json = sandbox.handle(&syncaut_sandbox::Request {
        body: b"{oops".to_vec(),
        ..request("POST", "/v3/catalog/products", &[], None)
    });
    assert_eq!(not_json.status, 400);
}

#[test]
fn rate_limit_headers_count_down_and_429_past_the_quota() {
    let sandbox = Sandbox::with_rate_limit(RateLimit {
        quota: 3,
        window: Duration::from_secs(60),
    });
    let lefts: Vec<String> = (0..3)
        .map(|_| {
            let response = send(&sandbox, "GET", "/v2/time", &[], None);
            assert_eq!(response.status, 200);
            response
                .headers
                .iter()
                .find(|(n, _)| *n == "X-Rate-Limit-Requests-Left")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(lefts, ["2", "1", "0"]);
    let limited = send(&sandbox, "GET", "/v2/time", &[], None);
    assert_eq!(limited.status, 429);
    let reset: u64 = limited
        .headers
        .iter()
        .find(|(n, _)| *n == "X-Rate-Limit-Time-Reset-Ms")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(reset > 0 && reset <= 60_000);
    for header in ["X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Time-Window-Ms"] {
        assert!(limited.headers.iter().any(|(n, _)| *n == header), "{header}");
    }
}

#[tokio::test]
async fn it_serves_over_http_on_loopback() {
    let running = Sandbox::new().start().await.unwrap();
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{}/stores/abc123xyz/v2/orders/101", running.base_url()))
        .header("X-Auth-Token", syncaut_sandbox::FULL_ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-rate-limit-requests-left"));
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["status"], "Awaiting Fulfillment");
}
