//! Every endpoint the sandbox serves answers with a body that validates against the
//! response schema of BigCommerce's own spec (from the generated operation index).

use bigcommerce_api::ApiVersion;
use bigcommerce_api::index::{self, SpecIndex};
use serde_json::{Value, json};
use syncaut_sandbox::Sandbox;

use crate::send;

/// A validator for a response schema, converted by the same code as the exported output
/// schemas.
fn validator(spec: &SpecIndex, schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::new(&syncaut_actions::jsonschema::with_defs(schema, &spec.schemas)).unwrap()
}

/// One request: (version, method, path template, concrete path, query, body).
type Case = (
    ApiVersion,
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
    Option<Value>,
);

fn cases() -> Vec<Case> {
    use ApiVersion::{V2, V3};
    vec![
        (
            V3,
            "GET",
            "/catalog/products",
            "/v3/catalog/products".into(),
            vec![("include", "variants"), ("limit", "3")],
            None,
        ),
        (
            V3,
            "GET",
            "/catalog/products",
            "/v3/catalog/products".into(),
            vec![("keyword", "jar"), ("is_visible", "true")],
            None,
        ),
        (
            V3,
            "GET",
            "/catalog/products/{product_id}",
            "/v3/catalog/products/112".into(),
            vec![("include", "variants")],
            None,
        ),
        (
            V3,
            "POST",
            "/catalog/products",
            "/v3/catalog/products".into(),
            vec![],
            Some(json!({"name": "Conformance Mug", "type": "physical", "weight": 0, "price": 12.5})),
        ),
        (
            V3,
            "PUT",
            "/catalog/products/{product_id}",
            "/v3/catalog/products/111".into(),
            vec![],
            Some(json!({"price": 8.5, "inventory_level": 60})),
        ),
        (
            V3,
            "DELETE",
            "/catalog/products/{product_id}",
            "/v3/catalog/products/117".into(),
            vec![],
            None,
        ),
        (
            V3,
            "GET",
            "/catalog/categories",
            "/v3/catalog/categories".into(),
            vec![],
            None,
        ),
        (
            V3,
            "POST",
            "/catalog/categories",
            "/v3/catalog/categories".into(),
            vec![],
            Some(json!({"name": "Lids", "parent_id": 18})),
        ),
        (
            V3,
            "GET",
            "/catalog/trees",
            "/v3/catalog/trees".into(),
            vec![("channel_id:in", "1")],
            None,
        ),
        (
            V3,
            "GET",
            "/catalog/trees/categories",
            "/v3/catalog/trees/categories".into(),
            vec![("parent_id:in", "18")],
            None,
        ),
        (
            V3,
            "POST",
            "/catalog/trees/categories",
            "/v3/catalog/trees/categories".into(),
            vec![],
            Some(json!([{"name": "Tree top", "tree_id": 1}, {"name": "Tree child", "parent_id": 18}])),
        ),
        (
            V3,
            "GET",
            "/customers",
            "/v3/customers".into(),
            vec![("name:like", "smith"), ("company:in", "Acme Corp")],
            None,
        ),
        (
            V3,
            "GET",
            "/customers",
            "/v3/customers".into(),
            vec![("id:in", "1,3"), ("customer_group_id:in", "2")],
            None,
        ),
        (
            V3,
            "POST",
            "/customers",
            "/v3/customers".into(),
            vec![],
            Some(json!([{"email": "new@example.com", "first_name": "New", "last_name": "Customer"}])),
        ),
        (
            V3,
            "PUT",
            "/customers",
            "/v3/customers".into(),
            vec![],
            Some(json!([{"id": 2, "company": "Jerry & Co"}])),
        ),
        (
            V3,
            "DELETE",
            "/customers",
            "/v3/customers".into(),
            vec![("id:in", "5")],
            None,
        ),
        (
            V2,
            "GET",
            "/orders",
            "/v2/orders".into(),
            vec![("status_id", "11")],
            None,
        ),
        (V2, "GET", "/orders/count", "/v2/orders/count".into(), vec![], None),
        (V2, "GET", "/orders/{order_id}", "/v2/orders/100".into(), vec![], None),
        (
            V2,
            "PUT",
            "/orders/{order_id}",
            "/v2/orders/101".into(),
            vec![],
            Some(json!({"status_id": 2})),
        ),
        (
            V2,
            "DELETE",
            "/orders/{order_id}",
            "/v2/orders/106".into(),
            vec![],
            None,
        ),
        (V2, "GET", "/store", "/v2/store".into(), vec![], None),
        (
            V2,
            "GET",
            "/orders/{order_id}/products",
            "/v2/orders/100/products".into(),
            vec![],
            None,
        ),
        (
            V2,
            "GET",
            "/orders/{order_id}/shipping_addresses",
            "/v2/orders/100/shipping_addresses".into(),
            vec![],
            None,
        ),
        (
            V2,
            "POST",
            "/orders/{order_id}/shipments",
            "/v2/orders/101/shipments".into(),
            vec![],
            Some(
                json!({"order_address_id": 1011, "tracking_number": "1Z9", "shipping_provider": "ups",
                        "items": [{"order_product_id": 1011, "quantity": 1}]}),
            ),
        ),
        (
            V2,
            "GET",
            "/orders/{order_id}/shipments",
            "/v2/orders/101/shipments".into(),
            vec![],
            None,
        ),
        (
            V3,
            "GET",
            "/catalog/products/{product_id}/variants",
            "/v3/catalog/products/115/variants".into(),
            vec![],
            None,
        ),
        (
            V3,
            "PUT",
            "/catalog/products/{product_id}/variants/{variant_id}",
            "/v3/catalog/products/115/variants/307".into(),
            vec![],
            Some(json!({"price": 21.0, "inventory_level": 6, "sku": "PLN-TERRA-LG2"})),
        ),
        (
            V3,
            "PUT",
            "/catalog/products",
            "/v3/catalog/products".into(),
            vec![],
            Some(json!([{"id": 113, "price": 6.0}, {"id": 111, "is_visible": false}])),
        ),
        (
            V3,
            "GET",
            "/inventory/items",
            "/v3/inventory/items".into(),
            vec![("sku:in", "PLN-TERRA-SM,JAR-1L")],
            None,
        ),
        (
            V3,
            "POST",
            "/inventory/adjustments/relative",
            "/v3/inventory/adjustments/relative".into(),
            vec![],
            Some(
                json!({"reason": "count", "items": [{"location_id": 2, "sku": "PLN-TERRA-SM", "quantity": 4},
                                                     {"location_id": 1, "product_id": 113, "quantity": -1}]}),
            ),
        ),
        (
            V3,
            "PUT",
            "/inventory/adjustments/absolute",
            "/v3/inventory/adjustments/absolute".into(),
            vec![],
            Some(json!({"items": [{"location_id": 1, "variant_id": 306, "quantity": 9}]})),
        ),
        (
            V3,
            "GET",
            "/inventory/locations",
            "/v3/inventory/locations".into(),
            vec![("is_default", "true")],
            None,
        ),
        (V2, "GET", "/time", "/v2/time".into(), vec![], None),
    ]
}

#[test]
fn every_sandbox_response_validates_against_bigcommerce_response_schemas() {
    let sandbox = Sandbox::new();
    let mut failures = Vec::new();
    for (version, method, template, path, query, body) in cases() {
        let (spec, op) = index::find_with_spec(version, method, template)
            .unwrap_or_else(|| panic!("no {method} {template} in the index"));
        let response = send(&sandbox, method, &path, &query, body);
        let spec_response = op.response.as_ref().unwrap();
        let expected: Vec<u16> = std::iter::once(spec_response.status)
            .chain(spec_response.other_statuses.iter().copied())
            .collect();
        if !expected.contains(&response.status) {
            failures.push(format!(
                "{method} {path}: status {} (spec: {expected:?}) body {:?}",
                response.status, response.body
            ));
            continue;
        }
        let (Some(schema), Some(body)) = (&spec_response.schema, &response.body) else {
            if response.status != 204 && response.body.is_some() {
                failures.push(format!("{method} {path}: the spec has no schema for a body"));
            }
            continue;
        };
        let validator = validator(spec, schema);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{method} {path}:\n    {}", errors.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "responses that break BigCommerce's schemas:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_schema_check_catches_a_wrong_response() {
    let (spec, op) = index::find_with_spec(ApiVersion::V2, "GET", "/orders/{order_id}").unwrap();
    let validator = validator(spec, op.response.as_ref().unwrap().schema.as_ref().unwrap());
    assert!(!validator.is_valid(&json!({"id": "not a number", "status_id": "eleven"})));
}
