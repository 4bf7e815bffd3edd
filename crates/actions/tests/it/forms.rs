//! Form schemas, checked with a real JSON Schema validator.

use serde_json::{Value, json};
use syncaut_actions::schema::{form_schema, node_schema};
use syncaut_actions::{export_files, find};

fn validator(action: &str) -> jsonschema::Validator {
    jsonschema::draft202012::new(&form_schema(find(action).unwrap())).unwrap()
}

#[test]
fn every_exported_schema_is_valid_draft_2020_12() {
    for (name, schema) in export_files() {
        if name == "index.json" {
            continue;
        }
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        if let Err(err) = jsonschema::meta::validate(&schema) {
            panic!("{name} is not a valid JSON Schema: {err}");
        }
        jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
    }
}

#[test]
fn a_numeric_id_field_takes_a_number_or_a_template() {
    let form = validator("get_order");
    assert!(form.is_valid(&json!({"orderId": 42})));
    assert!(form.is_valid(&json!({"orderId": "{{getOrder.data.id}}"})));
    assert!(form.is_valid(&json!({"orderId": "{{getOrders.data.[0].id}}"})));
    assert!(!form.is_valid(&json!({"orderId": 0})), "IDs are positive");
    assert!(!form.is_valid(&json!({"orderId": "forty-two"})));
    assert!(!form.is_valid(&json!({})), "orderId is required");
    assert!(!form.is_valid(&json!({"orderId": 1, "unknown": 2})));
}

#[test]
fn per_page_is_bounded_to_250() {
    let form = validator("get_products");
    assert!(form.is_valid(&json!({"per_page": 250})));
    assert!(!form.is_valid(&json!({"per_page": 251})));
    assert!(form.is_valid(&json!({})), "list filters are optional");
}

#[test]
fn order_status_is_a_titled_select_of_fifteen() {
    let schema = form_schema(find("update_order").unwrap());
    let choices = schema["properties"]["status_id"]["oneOf"].as_array().unwrap();
    assert_eq!(choices.len(), 15);
    assert_eq!(choices[0], json!({"const": 0, "title": "Incomplete"}));
    assert_eq!(choices[14], json!({"const": 14, "title": "Partially Refunded"}));
    let form = validator("update_order");
    assert!(form.is_valid(&json!({"orderId": 1, "status_id": 2})));
    assert!(!form.is_valid(&json!({"orderId": 1, "status_id": 15})));
}

#[test]
fn create_product_requires_name_and_price_and_defaults_type_and_weight() {
    let schema = form_schema(find("create_product").unwrap());
    assert_eq!(schema["required"], json!(["name", "price"]));
    assert_eq!(schema["properties"]["type"]["default"], "physical");
    assert_eq!(schema["properties"]["weight"]["default"], 0);
    assert_eq!(schema["x-form"], "parameters");
    assert_eq!(find_schema("get_orders")["x-form"], "filters");
}

fn find_schema(id: &str) -> Value {
    form_schema(find(id).unwrap())
}

#[test]
fn node_schema_checks_step_name_and_store_hash() {
    let node = jsonschema::draft202012::new(&node_schema()).unwrap();
    let ok = json!({"stepName": "getOrders", "credential": "Client Store", "storeHash": "abc123xyz", "action": "get_orders"});
    assert!(node.is_valid(&ok));
    for (field, bad) in [
        ("stepName", "get orders"),
        ("stepName", "1st"),
        ("storeHash", "ABC"),
        ("action", "get_order_s"),
    ] {
        let mut doc = ok.clone();
        doc[field] = json!(bad);
        assert!(!node.is_valid(&doc), "{field}={bad} should be refused");
    }
}
