//! Each of the 18 actions: the exact request it sends and the envelope it outputs.

use httpmock::Method::{DELETE, GET, POST, PUT};
use serde_json::{Value, json};

use crate::{Expect, exchange, exchange_after, v3_page};

fn product(id: u64, name: &str) -> Value {
    json!({"id": id, "name": name, "type": "physical", "sku": format!("SKU-{id}"), "price": 19.99, "weight": 1.5,
           "inventory_level": 12, "inventory_warning_level": 3, "is_visible": true, "availability": "available",
           "custom_url": null, "categories": [23], "date_modified": "2026-11-01T10:00:00+00:00"})
}

fn order(id: u64, status_id: u64, status: &str) -> Value {
    json!({"id": id, "customer_id": 11, "date_created": "Tue, 05 Mar 2019 21:40:11 +0000", "status_id": status_id,
           "status": status, "subtotal_inc_tax": "67.8400", "total_inc_tax": "79.8400", "items_total": 2,
           "currency_code": "USD", "billing_address": {"first_name": "Jane", "last_name": "Smith", "email": "jane@example.com"},
           "products": {"url": format!("https://api.bigcommerce.com/stores/abc123/v2/orders/{id}/products"), "resource": format!("/orders/{id}/products")}})
}

fn customer(id: u64) -> Value {
    json!({"id": id, "email": "jane.smith@example.com", "first_name": "Jane", "last_name": "Smith", "company": "Acme Corp",
           "phone": "555-123-4567", "customer_group_id": 2, "notes": "", "tax_exempt_category": "",
           "date_created": "2026-01-05T10:00:00Z", "date_modified": "2026-01-05T10:00:00Z", "channel_ids": null})
}

#[tokio::test]
async fn get_products_maps_filters_and_visibility() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products",
        query: &[
            ("limit", "25"),
            ("page", "2"),
            ("keyword", "jar"),
            ("is_visible", "false"),
        ],
        body: None,
    };
    let params = json!({"per_page": 25, "page": "2", "keyword": "jar", "visibility": "hidden"});
    let response = v3_page(json!([product(174, "1L Le Parfait Jar")]), 1);
    let output = exchange("get_products", params, expect, 200, Some(response)).await;
    insta::assert_json_snapshot!("get_products", output);
}

#[tokio::test]
async fn get_products_preorder_and_any_visibility() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products",
        query: &[("availability", "preorder")],
        body: None,
    };
    let output = exchange(
        "get_products",
        json!({"visibility": "preorder"}),
        expect,
        200,
        Some(v3_page(json!([]), 0)),
    )
    .await;
    assert_eq!(output["data"], json!([]));
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products",
        query: &[],
        body: None,
    };
    exchange("get_products", json!({}), expect, 200, Some(v3_page(json!([]), 0))).await;
}

#[tokio::test]
async fn get_product_unwraps_the_v3_envelope() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products/174",
        query: &[],
        body: None,
    };
    let output = exchange(
        "get_product",
        json!({"productId": 174}),
        expect,
        200,
        Some(json!({"data": product(174, "Jar"), "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("get_product", output);
}

#[tokio::test]
async fn create_product_fills_in_type_and_weight() {
    let body = json!({"name": "Classic T-shirt", "price": 19.99, "type": "physical", "weight": 0});
    let expect = Expect {
        method: POST,
        path: "/v3/catalog/products",
        query: &[],
        body: Some(body),
    };
    let output = exchange(
        "create_product",
        json!({"name": "Classic T-shirt", "price": "19.99"}),
        expect,
        200,
        Some(json!({"data": product(200, "Classic T-shirt"), "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("create_product", output);
}

#[tokio::test]
async fn create_product_sends_the_optional_fields() {
    let body =
        json!({"name": "E-book", "price": 5, "type": "digital", "weight": 0, "description": "<p>Tom & Jerry</p>"});
    let expect = Expect {
        method: POST,
        path: "/v3/catalog/products",
        query: &[],
        body: Some(body),
    };
    let params =
        json!({"name": "E-book", "price": 5, "type": "Digital", "weight": 0, "description": "<p>Tom & Jerry</p>"});
    exchange(
        "create_product",
        params,
        expect,
        200,
        Some(json!({"data": product(201, "E-book")})),
    )
    .await;
}

#[tokio::test]
async fn update_product_sends_only_what_was_given() {
    let expect = Expect {
        method: PUT,
        path: "/v3/catalog/products/174",
        query: &[],
        body: Some(json!({"price": 24.5, "inventory_level": 40})),
    };
    let output = exchange(
        "update_product",
        json!({"productId": "174", "price": 24.5, "inventory_level": "40"}),
        expect,
        200,
        Some(json!({"data": product(174, "Jar"), "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_product", output);
}

#[tokio::test]
async fn delete_product_outputs_the_deleted_id() {
    let expect = Expect {
        method: DELETE,
        path: "/v3/catalog/products/174",
        query: &[],
        body: None,
    };
    let output = exchange("delete_product", json!({"productId": 174}), expect, 204, None).await;
    insta::assert_json_snapshot!("delete_product", output);
}

#[tokio::test]
async fn get_orders_filters_by_status_and_pages() {
    let expect = Expect {
        method: GET,
        path: "/v2/orders",
        query: &[("status_id", "11"), ("page", "1"), ("limit", "250")],
        body: None,
    };
    let params = json!({"status_id": "Awaiting Fulfillment", "page": 1, "per_page": 250});
    let response = json!([
        order(100, 11, "Awaiting Fulfillment"),
        order(101, 11, "Awaiting Fulfillment")
    ]);
    let output = exchange("get_orders", params, expect, 200, Some(response)).await;
    insta::assert_json_snapshot!("get_orders", output);
}

#[tokio::test]
async fn get_orders_past_the_last_page_is_empty() {
    let expect = Expect {
        method: GET,
        path: "/v2/orders",
        query: &[("page", "9")],
        body: None,
    };
    let output = exchange("get_orders", json!({"page": 9}), expect, 204, None).await;
    assert_eq!(output["data"], json!([]));
}

#[tokio::test]
async fn get_order_returns_the_v2_order_as_is() {
    let expect = Expect {
        method: GET,
        path: "/v2/orders/218",
        query: &[],
        body: None,
    };
    let output = exchange(
        "get_order",
        json!({"orderId": 218}),
        expect,
        200,
        Some(order(218, 7, "Awaiting Payment")),
    )
    .await;
    insta::assert_json_snapshot!("get_order", output);
}

#[tokio::test]
async fn update_order_changes_the_status() {
    let expect = Expect {
        method: PUT,
        path: "/v2/orders/218",
        query: &[],
        body: Some(json!({"status_id": 2})),
    };
    let output = exchange(
        "update_order",
        json!({"orderId": 218, "status_id": 2}),
        expect,
        200,
        Some(order(218, 2, "Shipped")),
    )
    .await;
    insta::assert_json_snapshot!("update_order", output);
}

#[tokio::test]
async fn delete_order_outputs_the_deleted_id() {
    let expect = Expect {
        method: DELETE,
        path: "/v2/orders/218",
        query: &[],
        body: None,
    };
    let output = exchange("delete_order", json!({"orderId": 218}), expect, 204, None).await;
    insta::assert_json_snapshot!("delete_order", output);
}

#[tokio::test]
async fn get_customers_maps_keyword_and_group() {
    let expect = Expect {
        method: GET,
        path: "/v3/customers",
        query: &[("name:like", "Smith"), ("customer_group_id:in", "2"), ("limit", "10")],
        body: None,
    };
    let params = json!({"keyword": "Smith", "customer_group_id": 2, "per_page": 10});
    let output = exchange(
        "get_customers",
        params,
        expect,
        200,
        Some(v3_page(json!([customer(1)]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("get_customers", output);
}

#[tokio::test]
async fn get_customer_looks_up_by_id_in_and_returns_the_one_customer() {
    let expect = Expect {
        method: GET,
        path: "/v3/customers",
        query: &[("id:in", "7")],
        body: None,
    };
    let output = exchange(
        "get_customer",
        json!({"customerId": 7}),
        expect,
        200,
        Some(v3_page(json!([customer(7)]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("get_customer", output);
}

#[tokio::test]
async fn create_customer_posts_an_array_of_one() {
    let body = json!([{"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com"}]);
    let expect = Expect {
        method: POST,
        path: "/v3/customers",
        query: &[],
        body: Some(body),
    };
    let params = json!({"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com"});
    let output = exchange(
        "create_customer",
        params,
        expect,
        200,
        Some(json!({"data": [customer(9)], "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("create_customer", output);
}

/// Customer 9 exists: the lookup before a customer write finds it.
fn customer_lookup() -> crate::Lookup {
    crate::Lookup {
        path: "/v3/customers",
        query: &[("id:in", "9")],
        answer: v3_page(json!([customer(9)]), 1),
    }
}

#[tokio::test]
async fn update_customer_puts_an_array_with_the_id() {
    let body = json!([{"id": 9, "first_name": "Janet", "customer_group_id": 3}]);
    let expect = Expect {
        method: PUT,
        path: "/v3/customers",
        query: &[],
        body: Some(body),
    };
    let params = json!({"customerId": 9, "first_name": "Janet", "customer_group_id": 3});
    let output = exchange_after(
        "update_customer",
        params,
        Some(customer_lookup()),
        expect,
        200,
        Some(json!({"data": [customer(9)], "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_customer", output);
}

#[tokio::test]
async fn delete_customer_uses_id_in() {
    let expect = Expect {
        method: DELETE,
        path: "/v3/customers",
        query: &[("id:in", "9")],
        body: None,
    };
    let output = exchange_after(
        "delete_customer",
        json!({"customerId": 9}),
        Some(customer_lookup()),
        expect,
        204,
        None,
    )
    .await;
    insta::assert_json_snapshot!("delete_customer", output);
}

#[tokio::test]
async fn get_categories_returns_all_categories_by_default() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/trees/categories",
        query: &[("page", "1"), ("limit", "250")],
        body: None,
    };
    let categories = json!([
        {"category_id": 19, "parent_id": 0, "tree_id": 1, "name": "Garden", "is_visible": true, "sort_order": 2},
        {"category_id": 23, "parent_id": 19, "tree_id": 1, "name": "Jars", "is_visible": true, "sort_order": 0}
    ]);
    let output = exchange("get_categories", json!({}), expect, 200, Some(v3_page(categories, 2))).await;
    insta::assert_json_snapshot!("get_categories", output);
}

/// A top-level category goes into the default channel's category tree, looked up first.
#[tokio::test]
async fn create_category_defaults_to_top_level_in_the_default_channels_tree() {
    let expect = Expect {
        method: POST,
        path: "/v3/catalog/trees/categories",
        query: &[],
        body: Some(json!([{"name": "Summer sale", "parent_id": 0, "tree_id": 7}])),
    };
    let trees = crate::Lookup {
        path: "/v3/catalog/trees",
        query: &[("channel_id:in", "1")],
        answer: v3_page(json!([{"id": 7, "name": "Default", "channels": [1]}]), 1),
    };
    let response = json!({"data": [{"category_id": 40, "parent_id": 0, "tree_id": 7, "name": "Summer sale", "is_visible": true}], "meta": {"total": 1, "success": 1, "failed": 0}});
    let output = exchange_after(
        "create_category",
        json!({"name": "Summer sale"}),
        Some(trees),
        expect,
        201,
        Some(response),
    )
    .await;
    insta::assert_json_snapshot!("create_category", output);
}

/// A child category names its parent; no tree lookup.
#[tokio::test]
async fn create_category_under_a_parent_sends_the_parent() {
    let expect = Expect {
        method: POST,
        path: "/v3/catalog/trees/categories",
        query: &[],
        body: Some(json!([{"name": "Lids", "parent_id": 18}])),
    };
    let response = json!({"data": [{"category_id": 41, "parent_id": 18, "tree_id": 1, "name": "Lids"}], "meta": {"total": 1, "success": 1, "failed": 0}});
    let output = exchange(
        "create_category",
        json!({"name": "Lids", "parent_id": 18}),
        expect,
        201,
        Some(response),
    )
    .await;
    assert_eq!(output["data"]["category_id"], 41);
}

#[tokio::test]
async fn get_inventory_includes_variants() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products/174",
        query: &[("include", "variants")],
        body: None,
    };
    let mut data = product(174, "Jar");
    data["variants"] =
        json!([{"id": 382, "product_id": 174, "sku": "SKU-174-S", "inventory_level": 5, "inventory_warning_level": 2}]);
    let output = exchange(
        "get_inventory",
        json!({"productId": 174}),
        expect,
        200,
        Some(json!({"data": data, "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("get_inventory", output);
}

#[tokio::test]
async fn update_inventory_sets_the_levels() {
    let body = json!({"inventory_level": 100, "inventory_warning_level": 10});
    let expect = Expect {
        method: PUT,
        path: "/v3/catalog/products/174",
        query: &[],
        body: Some(body),
    };
    let params = json!({"productId": 174, "inventory_level": 100, "inventory_warning_level": 10});
    let output = exchange(
        "update_inventory",
        params,
        expect,
        200,
        Some(json!({"data": product(174, "Jar"), "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_inventory", output);
}
