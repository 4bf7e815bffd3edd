//! The actions beyond the product docs: the exact requests each sends and the envelope it
//! outputs; lookups before a shipment; batches in order, and a failed batch.

use httpmock::Method::{GET, POST, PUT};
use httpmock::MockServer;
use serde_json::{Value, json};

use crate::{Expect, Lookup, STORE, TOKEN, exchange, exchange_after, query_pairs, run, v3_page};

fn line(id: u64, address: u64, quantity: u64, shipped: u64) -> Value {
    json!({"id": id, "order_id": 218, "product_id": 174, "variant_id": 380, "order_address_id": address,
           "name": "Mug", "sku": "MUG-RED", "quantity": quantity, "quantity_shipped": shipped})
}

fn address(id: u64, street: &str, city: &str) -> Value {
    json!({"id": id, "order_id": 218, "first_name": "Jane", "last_name": "Smith", "street_1": street, "city": city,
           "zip": "78701", "country": "United States", "items_total": 3, "items_shipped": 0})
}

fn shipment() -> Value {
    json!({"id": 9, "order_id": 218, "order_address_id": 20, "tracking_number": "1Z9", "shipping_provider": "ups",
           "items": [{"order_product_id": 5, "product_id": 174, "quantity": 2}]})
}

#[tokio::test]
async fn get_order_products_lists_the_line_items() {
    let expect = Expect {
        method: GET,
        path: "/v2/orders/218/products",
        query: &[("limit", "50")],
        body: None,
    };
    let output = exchange(
        "get_order_products",
        json!({"orderId": 218, "per_page": 50}),
        expect,
        200,
        Some(json!([line(5, 20, 2, 0), line(6, 20, 1, 0)])),
    )
    .await;
    insta::assert_json_snapshot!("get_order_products", output);
}

#[tokio::test]
async fn get_shipments_of_an_order_without_any_is_empty() {
    let expect = Expect {
        method: GET,
        path: "/v2/orders/218/shipments",
        query: &[],
        body: None,
    };
    let output = exchange("get_shipments", json!({"orderId": 218}), expect, 204, None).await;
    assert_eq!(output["data"], json!([]));
    let expect = Expect {
        method: GET,
        path: "/v2/orders/218/shipments",
        query: &[],
        body: None,
    };
    let output = exchange(
        "get_shipments",
        json!({"orderId": 218}),
        expect,
        200,
        Some(json!([shipment()])),
    )
    .await;
    insta::assert_json_snapshot!("get_shipments", output);
}

/// Given an address and items, a shipment is one request.
#[tokio::test]
async fn ship_order_with_address_and_items_sends_them_as_given() {
    let body = json!({"tracking_number": "1Z9", "shipping_provider": "ups", "order_address_id": 20,
                      "items": [{"order_product_id": 5, "quantity": 2}]});
    let expect = Expect {
        method: POST,
        path: "/v2/orders/218/shipments",
        query: &[],
        body: Some(body),
    };
    let params = json!({"orderId": 218, "tracking_number": "1Z9", "shipping_provider": "UPS", "order_address_id": 20,
                        "items": r#"[{"order_product_id": 5, "quantity": 2}]"#});
    let output = exchange("ship_order", params, expect, 201, Some(shipment())).await;
    insta::assert_json_snapshot!("ship_order", output);
}

/// Without them, the only address is looked up, then what is left to ship there.
#[tokio::test]
async fn ship_order_defaults_to_the_only_address_and_everything_left() {
    let server = MockServer::start_async().await;
    let addresses = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/stores/{STORE}/v2/orders/218/shipping_addresses"));
            then.status(200).json_body(json!([address(20, "12 Main St", "Austin")]));
        })
        .await;
    let lines = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/stores/{STORE}/v2/orders/218/products"))
                .is_true(|req| query_pairs(req) == [("limit".to_owned(), "250".to_owned())]);
            then.status(200)
                .json_body(json!([line(5, 20, 2, 0), line(6, 20, 3, 1), line(7, 20, 1, 1)]));
        })
        .await;
    let created = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/stores/{STORE}/v2/orders/218/shipments"))
                .header("x-auth-token", TOKEN)
                .json_body(json!({"tracking_number": "1Z9", "order_address_id": 20,
                                  "items": [{"order_product_id": 5, "quantity": 2}, {"order_product_id": 6, "quantity": 2}]}));
            then.status(201).json_body(shipment());
        })
        .await;
    let output = run(&server, "ship_order", json!({"orderId": 218, "tracking_number": "1Z9"}))
        .await
        .unwrap();
    assert_eq!(output["data"]["id"], 9);
    addresses.assert_async().await;
    lines.assert_async().await;
    created.assert_async().await;
}

/// Two addresses and none given: refused before anything is sent, naming both.
#[tokio::test]
async fn ship_order_with_two_addresses_sends_nothing_and_names_them() {
    let server = MockServer::start_async().await;
    let addresses = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/stores/{STORE}/v2/orders/218/shipping_addresses"));
            then.status(200).json_body(json!([
                address(20, "12 Main St", "Austin"),
                address(21, "48 Harbour Rd", "Portland")
            ]));
        })
        .await;
    let anything_else = server
        .mock_async(|when, then| {
            when.is_true(|req| !req.uri_str().contains("shipping_addresses"));
            then.status(500);
        })
        .await;
    let err = run(&server, "ship_order", json!({"orderId": 218, "tracking_number": "1Z9"}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ambiguous");
    assert_eq!(
        err.to_string(),
        "order 218 has 2 candidates for `order_address_id`: ID 20 (Jane Smith, 12 Main St, Austin, 78701, United States); ID 21 (Jane Smith, 48 Harbour Rd, Portland, 78701, United States). Give `order_address_id` to say which; nothing was sent"
    );
    addresses.assert_async().await;
    anything_else.assert_calls_async(0).await;
}

#[tokio::test]
async fn get_variants_and_update_variant() {
    let variant = json!({"id": 380, "product_id": 174, "sku": "MUG-RED", "price": 21.5, "inventory_level": 7,
                         "option_values": [{"id": 1, "label": "Red", "option_id": 3, "option_display_name": "Colour"}]});
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products/174/variants",
        query: &[("limit", "10")],
        body: None,
    };
    let output = exchange(
        "get_variants",
        json!({"productId": 174, "per_page": 10}),
        expect,
        200,
        Some(v3_page(json!([variant.clone()]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("get_variants", output);
    let expect = Expect {
        method: PUT,
        path: "/v3/catalog/products/174/variants/380",
        query: &[],
        body: Some(json!({"price": 21.5, "inventory_level": 7, "sku": "MUG-RED"})),
    };
    let params = json!({"productId": 174, "variantId": "380", "price": "21.5", "inventory_level": 7, "sku": "MUG-RED"});
    let output = exchange(
        "update_variant",
        params,
        expect,
        200,
        Some(json!({"data": variant, "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_variant", output);
}

#[tokio::test]
async fn get_inventory_levels_sends_lists_as_bigcommerce_writes_them() {
    let expect = Expect {
        method: GET,
        path: "/v3/inventory/items",
        query: &[("sku:in", "MUG-RED,MUG-BLUE"), ("location_id:in", "1,2")],
        body: None,
    };
    let item = json!({"identity": {"sku": "MUG-RED", "variant_id": 380, "product_id": 174, "sku_id": 1380},
                      "locations": [{"location_id": 1, "location_code": "WH-1", "location_name": "Warehouse",
                                     "available_to_sell": 7, "total_inventory_onhand": 7, "location_enabled": true}]});
    let output = exchange(
        "get_inventory_levels",
        json!({"sku": "MUG-RED, MUG-BLUE", "location_id": "1, 2"}),
        expect,
        200,
        Some(v3_page(json!([item]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("get_inventory_levels", output);
}

#[tokio::test]
async fn find_product_by_sku_and_find_customer_by_email() {
    let product = json!({"id": 174, "name": "Mug", "sku": "MUG-RED", "price": 9.5});
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/products",
        query: &[("sku", "MUG-RED")],
        body: None,
    };
    let output = exchange(
        "find_product",
        json!({"sku": "MUG-RED"}),
        expect,
        200,
        Some(v3_page(json!([product]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("find_product", output);
    let customer = json!({"id": 7, "email": "jane@example.com", "first_name": "Jane", "last_name": "Smith"});
    let expect = Expect {
        method: GET,
        path: "/v3/customers",
        query: &[("email:in", "jane@example.com")],
        body: None,
    };
    let output = exchange(
        "find_customer",
        json!({"email": "jane@example.com"}),
        expect,
        200,
        Some(v3_page(json!([customer]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("find_customer", output);
}

#[tokio::test]
async fn find_product_needs_a_sku_or_a_name_and_says_when_several_match() {
    let err = crate::try_step("find_product", json!({})).unwrap_err();
    assert_eq!(err.code(), "required");
    assert!(err.to_string().contains("needs SKU or Name (sku or name)"), "{err}");
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/stores/{STORE}/v3/catalog/products"));
            then.status(200)
                .json_body(v3_page(json!([{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]), 2));
        })
        .await;
    let err = run(&server, "find_product", json!({"sku": "X", "name": "B"}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ambiguous");
    assert!(
        err.to_string()
            .starts_with("2 products have sku \"X\" and name \"B\": ID 1, ID 2."),
        "{err}"
    );
}

/// 5,000 items go as three requests of at most 2,000, in order, each with the reason; the
/// output has each batch's result.
#[tokio::test]
async fn adjust_inventory_sends_5000_items_in_batches_in_order() {
    let server = MockServer::start_async().await;
    let items: Vec<Value> = (1..=5000).map(|n| json!({"variant_id": n, "quantity": 1})).collect();
    let mut mocks = Vec::new();
    for (batch, (first, last)) in [(1, 2000), (2001, 4000), (4001, 5000)].into_iter().enumerate() {
        let expected: Vec<Value> = (first..=last)
            .map(|n| json!({"variant_id": n, "quantity": 1, "location_id": 2}))
            .collect();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(PUT)
                        .path(format!("/stores/{STORE}/v3/inventory/adjustments/absolute"))
                        .json_body(json!({"reason": "Count", "items": expected}));
                    then.status(200)
                        .json_body(json!({"transaction_id": format!("t{}", batch + 1)}));
                })
                .await,
        );
    }
    let params = json!({"mode": "absolute", "items": items, "location_id": 2, "reason": "Count"});
    let output = run(&server, "adjust_inventory", params).await.unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    let data = &output["data"];
    assert_eq!(data["items"], 5000);
    let batches: Vec<(Value, Value, Value)> = data["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["first"].clone(),
                b["last"].clone(),
                b["result"]["transaction_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        batches,
        [
            (json!(1), json!(2000), json!("t1")),
            (json!(2001), json!(4000), json!("t2")),
            (json!(4001), json!(5000), json!("t3"))
        ]
    );
}

/// The second batch is refused: the step fails saying the first was applied and which
/// items were not; the third is never sent. Without a location, the default one is
/// looked up once and filled into every item that names none.
#[tokio::test]
async fn a_failed_batch_says_which_items_were_applied() {
    let server = MockServer::start_async().await;
    let default = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/stores/{STORE}/v3/inventory/locations"))
                .query_param("is_default", "true");
            then.status(200)
                .json_body(v3_page(json!([{"id": 1, "label": "Warehouse"}]), 1));
        })
        .await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/stores/{STORE}/v3/inventory/adjustments/relative"))
                .is_true(|req| {
                    let body: Value = serde_json::from_slice(req.body().as_ref()).unwrap();
                    body["items"][0]["variant_id"] == 1
                        && body["items"][0]["location_id"] == 1
                        && body["items"][1999]["location_id"] == 3
                });
            then.status(200).json_body(json!({"transaction_id": "t1"}));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/stores/{STORE}/v3/inventory/adjustments/relative"))
                .is_true(|req| {
                    let body: Value = serde_json::from_slice(req.body().as_ref()).unwrap();
                    body["items"][0]["variant_id"] == 2001
                });
            then.status(422).json_body(json!({"status": 422, "title": "[Item with variant_id 2001 is tracked by product, please update stock by product id]", "errors": {}}));
        })
        .await;
    let items: Vec<Value> = (1..=5000)
        .map(|n| {
            if n == 2000 {
                json!({"variant_id": n, "quantity": -1, "location_id": 3})
            } else {
                json!({"variant_id": n, "quantity": -1})
            }
        })
        .collect();
    let err = run(&server, "adjust_inventory", json!({"items": items}))
        .await
        .unwrap_err();
    default.assert_async().await;
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(err.code(), "rejected");
    assert_eq!(
        err.to_string(),
        "batch 2 of 3 (items 2001–4000) failed: BigCommerce rejected the request (422): [Item with variant_id 2001 is tracked by product, please update stock by product id]. Items 1–2000 were applied (batches 1–1). Items 2001–5000 were not applied; fix the cause and run the step again with only those items"
    );
}

/// Up to 10 products per request, as BigCommerce's batch update takes them; the output
/// lists every product as updated, in order.
#[tokio::test]
async fn update_products_batches_by_ten_and_lists_every_record() {
    let server = MockServer::start_async().await;
    let products: Vec<Value> = (1..=23).map(|id| json!({"id": id, "price": 5.25})).collect();
    let mut mocks = Vec::new();
    for chunk in products.chunks(10) {
        let chunk = chunk.to_vec();
        let answer: Vec<Value> = chunk
            .iter()
            .map(|p| json!({"id": p["id"], "name": "P", "price": 5.25}))
            .collect();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(PUT)
                        .path(format!("/stores/{STORE}/v3/catalog/products"))
                        .json_body(Value::Array(chunk));
                    then.status(200).json_body(json!({"data": answer, "meta": {}}));
                })
                .await,
        );
    }
    let output = run(&server, "update_products", json!({"products": products}))
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    let ids: Vec<i64> = output["data"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=23).collect::<Vec<_>>());
    assert_eq!(output["data"]["batches"].as_array().unwrap().len(), 3);

    let small = Expect {
        method: PUT,
        path: "/v3/catalog/products",
        query: &[],
        body: Some(json!([{"id": 111, "price": 8.5}])),
    };
    let output = exchange_after(
        "update_products",
        json!({"products": "{\"id\": 111, \"price\": 8.5}"}),
        None::<Lookup>,
        small,
        200,
        Some(json!({"data": [{"id": 111, "name": "Jar", "price": 8.5}], "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_products", output);
}

/// A request of your own: method, path below the V3 base, query (a list written as
/// BigCommerce writes it), the same envelope.
#[tokio::test]
async fn api_request_sends_what_it_is_given_below_the_store_base() {
    let expect = Expect {
        method: GET,
        path: "/v3/catalog/brands",
        query: &[("name:like", "Kil"), ("id:in", "36,37")],
        body: None,
    };
    let params =
        json!({"method": "GET", "path": "/v3/catalog/brands", "query": r#"{"name:like": "Kil", "id:in": [36, 37]}"#});
    let output = exchange(
        "api_request",
        params,
        expect,
        200,
        Some(v3_page(json!([{"id": 37, "name": "Kilner"}]), 1)),
    )
    .await;
    insta::assert_json_snapshot!("api_request", output);
    let expect = Expect {
        method: PUT,
        path: "/v2/orders/218",
        query: &[],
        body: Some(json!({"staff_notes": "checked"})),
    };
    let params = json!({"method": "PUT", "path": "/v2/orders/218", "body": {"staff_notes": "checked"}});
    let output = exchange("api_request", params, expect, 200, Some(json!({"id": 218}))).await;
    assert_eq!(output["data"]["id"], 218);
}

/// Nothing is sent for a path that is not an operation of the pinned specs, or that could
/// leave the store's base; a GET takes no body.
#[tokio::test]
async fn api_request_refuses_what_the_specs_do_not_define_before_sending() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|_, then| {
            then.status(200).json_body(json!({}));
        })
        .await;
    let cases = [
        (
            json!({"path": "/v3/catalog/nothing"}),
            "path: GET /v3/catalog/nothing is not an operation of BigCommerce's pinned specs; operations nearby: ",
        ),
        (
            json!({"path": "https://evil.example/v3/catalog/brands"}),
            "path: must start with /v2/ or /v3/",
        ),
        (
            json!({"path": "/v3/catalog/../../other/v3/catalog/brands"}),
            "path: segment \"..\" is not allowed",
        ),
        (
            json!({"path": "/v3/catalog/brands?x=1"}),
            "path: segment \"brands?x=1\" is not allowed",
        ),
        (
            json!({"path": "/v3/catalog/brands/%2e%2e"}),
            "path: segment \"%2e%2e\" is not allowed",
        ),
        (
            json!({"path": "/v3/catalog/brands", "body": {"a": 1}}),
            "body: a GET request has no body",
        ),
        (
            json!({"method": "POST", "path": "/v3/catalog/brands"}),
            "body is required: POST /catalog/brands",
        ),
        (
            json!({"path": "/v3/catalog/brands", "query": {"a": {"b": 1}}}),
            "query: `a` must be text",
        ),
    ];
    for (params, expected) in cases {
        let err = run(&server, "api_request", params.clone()).await.unwrap_err();
        assert!(err.to_string().starts_with(expected), "{params}: {err}");
    }
    anything.assert_calls_async(0).await;
}

/// A 403 names the scope of the operation called; a 404 is the record's when the store
/// answers.
#[tokio::test]
async fn api_request_failures_name_the_operation_and_its_scope() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(PUT).path(format!("/stores/{STORE}/v3/catalog/brands/36"));
            then.status(403)
                .json_body(json!({"status": 403, "title": "You don't have a required scope"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/stores/{STORE}/v3/catalog/brands/99"));
            then.status(404).json_body(json!({"status": 404, "title": "Not found"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/stores/{STORE}/v2/time"));
            then.status(200).json_body(json!({"time": 1}));
        })
        .await;
    let err = run(
        &server,
        "api_request",
        json!({"method": "PUT", "path": "/v3/catalog/brands/36", "body": {"name": "Ball"}}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert!(err.to_string().contains("(store_v2_products)"), "{err}");
    let err = run(&server, "api_request", json!({"path": "/v3/catalog/brands/99"}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(
        err.to_string()
            .starts_with("GET /v3/catalog/brands/99 found nothing in store `abc123`"),
        "{err}"
    );
}

/// The docs' update_inventory form is unchanged; given a variant ID it updates that
/// variant, given a SKU it finds the variant among the product's first.
#[tokio::test]
async fn update_inventory_through_a_variant_id_or_sku() {
    let variant = json!({"id": 303, "product_id": 112, "sku": "JAR-MASON-L", "inventory_level": 9});
    let expect = Expect {
        method: PUT,
        path: "/v3/catalog/products/112/variants/302",
        query: &[],
        body: Some(json!({"inventory_level": 9})),
    };
    let output = exchange(
        "update_inventory",
        json!({"productId": 112, "variantId": 302, "inventory_level": 9}),
        expect,
        200,
        Some(json!({"data": variant.clone(), "meta": {}})),
    )
    .await;
    insta::assert_json_snapshot!("update_inventory_of_a_variant", output);
    let expect = Expect {
        method: PUT,
        path: "/v3/catalog/products/112/variants/303",
        query: &[],
        body: Some(json!({"inventory_level": 9, "inventory_warning_level": 2})),
    };
    let lookup = Lookup {
        path: "/v3/catalog/products/112/variants",
        query: &[("limit", "250")],
        answer: v3_page(
            json!([{"id": 302, "sku": "JAR-MASON-S"}, {"id": 303, "sku": "JAR-MASON-L"}]),
            2,
        ),
    };
    let output = exchange_after(
        "update_inventory",
        json!({"productId": 112, "sku": "JAR-MASON-L", "inventory_level": 9, "inventory_warning_level": 2}),
        Some(lookup),
        expect,
        200,
        Some(json!({"data": variant, "meta": {}})),
    )
    .await;
    assert_eq!(output["data"]["id"], 303);

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/stores/{STORE}/v3/catalog/products/112/variants"));
            then.status(200)
                .json_body(v3_page(json!([{"id": 302, "sku": "JAR-MASON-S"}]), 1));
        })
        .await;
    let err = run(
        &server,
        "update_inventory",
        json!({"productId": 112, "sku": "NOPE", "inventory_level": 1}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert!(
        err.to_string()
            .starts_with("product 112 has no variant with this SKU \"NOPE\""),
        "{err}"
    );
}

/// A relative adjustment at a given location, as BigCommerce takes it: one request.
#[tokio::test]
async fn adjust_inventory_relative_at_a_location() {
    let expect = Expect {
        method: POST,
        path: "/v3/inventory/adjustments/relative",
        query: &[],
        body: Some(json!({"reason": "Stock count", "items": [
            {"sku": "MUG-RED", "quantity": -2, "location_id": 2},
            {"product_id": 174, "quantity": 5, "location_id": 1}
        ]})),
    };
    let params = json!({"items": r#"[{"sku": "MUG-RED", "quantity": -2}, {"product_id": 174, "quantity": 5, "location_id": 1}]"#,
                        "location_id": 2, "reason": "Stock count"});
    let output = exchange(
        "adjust_inventory",
        params,
        expect,
        200,
        Some(json!({"transaction_id": "3f1c6a0e"})),
    )
    .await;
    insta::assert_json_snapshot!("adjust_inventory", output);
}
