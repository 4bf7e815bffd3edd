//! The actions beyond the product docs, end to end from the CLI against the sandbox:
//! shipping an order (whole, in parts, and refused when the address is ambiguous),
//! stock by variant and by location, batch product updates, finding records.

use serde_json::Value;

use crate::{private_dir, stderr, stdout, syncaut};

/// Runs a workflow file's text against a fresh sandbox; the `--json` report and whether it
/// succeeded.
fn run(text: &str) -> (Value, bool, String) {
    let dir = private_dir();
    let file = dir.path().join("workflow.yaml");
    std::fs::write(&file, text).unwrap();
    let ran = syncaut(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox", "--json"],
    )
    .output()
    .unwrap();
    let report = serde_json::from_str(&stdout(&ran)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&ran)));
    (report, ran.status.success(), stderr(&ran))
}

fn data(report: &Value, step: usize) -> &Value {
    &report["steps"][step]["output"]["data"]
}

/// A seeded order awaiting fulfilment is shipped with one step: every line item, to its
/// only address; BigCommerce's status follows.
#[test]
fn ship_order_ships_every_unshipped_item_and_the_order_becomes_shipped() {
    let (report, ok, err) = run("steps:
  - name: ship
    action: ship_order
    params:
      orderId: 101
      tracking_number: 1Z999AA10123456784
      shipping_provider: ups
  - name: after
    action: get_order
    params:
      orderId: 101
  - name: shipments
    action: get_shipments
    params:
      orderId: 101
");
    assert!(ok, "{err}\n{report}");
    let shipment = data(&report, 0);
    assert_eq!(shipment["tracking_number"], "1Z999AA10123456784");
    assert_eq!(shipment["order_address_id"], 1011);
    assert_eq!(shipment["items"][0]["order_product_id"], 1011);
    let order = data(&report, 1);
    assert_eq!(order["status"], "Shipped");
    assert_eq!(order["items_shipped"], order["items_total"]);
    assert_eq!(data(&report, 2).as_array().unwrap().len(), 1);
}

/// An order with two shipping addresses is refused before anything is sent, naming both;
/// shipped one address at a time it is Partially Shipped, then Shipped.
#[test]
fn ship_order_with_two_addresses_asks_which_then_ships_each() {
    let (report, ok, _) = run("steps:
  - name: ship
    action: ship_order
    params:
      orderId: 107
      tracking_number: 1Z1
");
    assert!(!ok);
    assert_eq!(report["error"]["code"], "ambiguous", "{report}");
    let message = report["error"]["message"].as_str().unwrap();
    for part in [
        "order 107 has 2 candidates for `order_address_id`: ID 1071",
        "12 Main St",
        "ID 1072",
        "48 Harbour Rd",
        "order_address_id",
        "nothing was sent",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }

    let (report, ok, err) = run("steps:
  - name: first
    action: ship_order
    params:
      orderId: 107
      tracking_number: 1Z1
      order_address_id: 1071
  - name: half
    action: get_order
    params:
      orderId: 107
  - name: second
    action: ship_order
    params:
      orderId: 107
      tracking_number: 1Z2
      order_address_id: 1072
      comments: The rest
  - name: whole
    action: get_order
    params:
      orderId: 107
  - name: lines
    action: get_order_products
    params:
      orderId: 107
");
    assert!(ok, "{err}\n{report}");
    assert_eq!(data(&report, 1)["status"], "Partially Shipped");
    assert_eq!(data(&report, 1)["items_shipped"], 2);
    assert_eq!(data(&report, 3)["status"], "Shipped");
    assert_eq!(data(&report, 3)["items_shipped"], 3);
    for line in data(&report, 4).as_array().unwrap() {
        assert_eq!(line["quantity_shipped"], line["quantity"], "{line}");
    }
}

/// Shipping an order with nothing left to ship says so, and sends nothing.
#[test]
fn ship_order_with_nothing_left_is_not_found() {
    let (report, ok, _) = run("steps:
  - name: ship
    action: ship_order
    params:
      orderId: 102
      tracking_number: 1Z1
");
    assert!(!ok);
    assert_eq!(report["error"]["code"], "not_found", "{report}");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("order 102 has no line item left to ship"),
        "{report}"
    );
}

/// Stock of a product tracked by variant, by SKU at a location, seen by both APIs.
#[test]
fn adjust_inventory_moves_stock_seen_by_variants_and_inventory_levels() {
    let (report, ok, err) = run(r#"steps:
  - name: before
    action: get_inventory_levels
    params:
      sku: PLN-TERRA-SM
  - name: restock
    action: adjust_inventory
    params:
      items: '[{"sku": "PLN-TERRA-SM", "quantity": 5}, {"sku": "PLN-TERRA-SM", "quantity": 2, "location_id": 2}]'
      reason: Delivery
  - name: count
    action: adjust_inventory
    params:
      mode: absolute
      items: '[{"product_id": 113, "quantity": 7}]'
  - name: after
    action: get_inventory_levels
    params:
      sku: PLN-TERRA-SM
      location_id: 1, 2
  - name: variants
    action: get_variants
    params:
      productId: 115
  - name: spoon
    action: find_product
    params:
      sku: UTL-SPOON
"#);
    assert!(ok, "{err}\n{report}");
    let before = data(&report, 0)[0]["locations"][0]["total_inventory_onhand"]
        .as_i64()
        .unwrap();
    assert_eq!(data(&report, 1)["batches"].as_array().unwrap().len(), 1);
    let after = &data(&report, 3)[0]["locations"];
    assert_eq!(after[0]["total_inventory_onhand"].as_i64().unwrap(), before + 5);
    assert_eq!(after[1]["total_inventory_onhand"], 2);
    let small = data(&report, 4)
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "PLN-TERRA-SM")
        .unwrap();
    assert_eq!(small["inventory_level"].as_i64().unwrap(), before + 7);
    assert_eq!(data(&report, 5)["inventory_level"], 7);
}

/// Raise the prices of a category by 5 %: a list from one step, transformed by a
/// template-free list of records, updated in one batched step; find a customer by email.
#[test]
fn update_products_and_find_customer() {
    let (report, ok, err) = run(r#"steps:
  - name: prices
    action: update_products
    params:
      products: '[{"id": 111, "price": 8.35}, {"id": 113, "price": 5.78}, {"id": 115, "is_visible": false}]'
  - name: jar
    action: find_product
    params:
      name: 1L Le Parfait Jar
  - name: jane
    action: find_customer
    params:
      email: jane.smith@example.com
"#);
    assert!(ok, "{err}\n{report}");
    let records = data(&report, 0)["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["price"], 8.35);
    assert_eq!(records[2]["is_visible"], false);
    assert_eq!(data(&report, 1)["price"], 8.35);
    assert_eq!(data(&report, 2)["id"], 1);

    let (report, ok, _) = run("steps:
  - name: nobody
    action: find_customer
    params:
      email: nobody@example.com
");
    assert!(!ok);
    assert_eq!(report["error"]["code"], "not_found");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("failed: no customer has email \"nobody@example.com\" in store `abc123xyz`"),
        "{report}"
    );
}

/// `forEach`: a step runs once per item of a list, in order, `{{item}}` being the item;
/// its `data` is the list of what each run output. A failure names the item and what was
/// done before it; `{{item}}` without `forEach` is refused before anything runs.
#[test]
fn for_each_runs_a_step_per_item_and_names_the_item_that_failed() {
    let (report, ok, err) = run("steps:
  - name: first
    action: get_orders
    params:
      per_page: 2
  - name: ship
    action: ship_order
    forEach: \"{{first.data}}\"
    params:
      orderId: \"{{item.id}}\"
      tracking_number: \"T-{{item.id}}\"
  - name: shipments
    action: get_shipments
    params:
      orderId: \"{{ship.data.[1].order_id}}\"
");
    assert!(ok, "{err}\n{report}");
    let shipped: Vec<&Value> = data(&report, 1)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["order_id"])
        .collect();
    assert_eq!(shipped, [100, 101]);
    assert_eq!(data(&report, 1)[1]["tracking_number"], "T-101");
    assert_eq!(data(&report, 2)[0]["order_id"], 101);

    let (report, ok, _) = run("steps:
  - name: three
    action: get_orders
    params:
      per_page: 3
  - name: ship
    action: ship_order
    forEach: \"{{three.data}}\"
    params:
      orderId: \"{{item.id}}\"
      tracking_number: T
");
    assert!(!ok);
    assert_eq!(report["error"]["code"], "not_found", "{report}");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("item 3 of 3 failed: order 102 has no line item left to ship"),
        "{message}"
    );
    assert!(message.contains("Items 1–2 were done"), "{message}");

    let dir = private_dir();
    let file = dir.path().join("workflow.yaml");
    std::fs::write(
        &file,
        "steps:\n  - name: ship\n    action: get_order\n    params:\n      orderId: \"{{item.id}}\"\n",
    )
    .unwrap();
    let refused = syncaut(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox"],
    )
    .output()
    .unwrap();
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("refers to `item`, which only a step with `forEach:` has"),
        "{}",
        stderr(&refused)
    );
}

/// A variant's price and stock, and requests of your own: a read, a write, and a path the
/// specs do not define (refused before anything is sent).
#[test]
fn update_variant_and_api_request_from_the_cli() {
    let (report, ok, err) = run(r#"steps:
  - name: large
    action: update_variant
    params:
      productId: 115
      variantId: 307
      price: 21.5
      inventory_level: 6
  - name: brands
    action: api_request
    params:
      path: /v3/catalog/brands
      query: '{"name:like": "Kil"}'
  - name: note
    action: api_request
    params:
      method: PUT
      path: /v2/orders/{{large.data.product_id}}
      body: '{"staff_notes": "checked"}'
"#);
    // Order 115 does not exist: the last step is a 404 of a request of your own.
    assert!(!ok, "{report}");
    assert_eq!(data(&report, 0)["price"], 21.5);
    assert_eq!(data(&report, 0)["inventory_level"], 6);
    // The answer as BigCommerce sent it: a V3 envelope.
    assert_eq!(data(&report, 1)["data"][0]["name"], "Kilner");
    assert_eq!(report["error"]["code"], "not_found", "{err}");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PUT /v2/orders/115 found nothing"),
        "{report}"
    );

    let (report, ok, _) = run("steps:
  - name: note
    action: api_request
    params:
      method: PUT
      path: /v2/orders/101
      body: '{\"staff_notes\": \"checked\"}'
  - name: nowhere
    action: api_request
    params:
      path: /v3/not/an/operation
");
    assert!(!ok);
    assert_eq!(data(&report, 0)["staff_notes"], "checked");
    assert_eq!(report["error"]["code"], "invalid_param");
    assert!(
        report["error"]["message"]
            .as_str()
            .unwrap()
            .contains("GET /v3/not/an/operation is not an operation of BigCommerce's pinned specs"),
        "{report}"
    );
}
