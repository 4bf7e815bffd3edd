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
        assert!(
            !syncaut_actions::jsonschema::has_nullable(&schema),
            "{name} still has OpenAPI's `nullable`"
        );
        let text = schema.to_string();
        assert!(!text.contains("\"example\":"), "{name} still has OpenAPI's `example`");
        for title in titles(&schema) {
            assert!(
                title.contains(' ')
                    || !(title.contains('_')
                        || title
                            .chars()
                            .zip(title.chars().skip(1))
                            .any(|(a, b)| a.is_lowercase() && b.is_uppercase())),
                "{name}: title `{title}` is not words"
            );
        }
    }
}

/// Every `title` of a schema (not of data such as examples).
fn titles(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match schema {
        Value::Object(obj) => {
            for (key, value) in obj {
                match key.as_str() {
                    "title" => found.extend(value.as_str().map(str::to_owned)),
                    "examples" | "enum" | "const" | "default" => {}
                    "properties" | "$defs" => {
                        for inner in value.as_object().into_iter().flat_map(|m| m.values()) {
                            found.extend(titles(inner));
                        }
                    }
                    _ => found.extend(titles(value)),
                }
            }
        }
        Value::Array(items) => found.extend(items.iter().flat_map(titles)),
        _ => {}
    }
    found
}

/// The form's step-name pattern and the rule the executor applies are the same rule.
#[test]
fn the_step_name_pattern_agrees_with_the_rule() {
    let node = jsonschema::draft202012::new(&node_schema()).unwrap();
    let base = json!({"credential": "c", "storeHash": "abc", "action": "get_orders"});
    for name in [
        "getOrders",
        "_tmp",
        "a-b",
        "a$b",
        "x:y",
        "bestellungÄ",
        "trueish",
        "get orders",
        "get.orders",
        "2x",
        "a[0]",
        "true",
        "this",
        "é",
        "a/b",
        "a\tb",
        "",
    ] {
        let mut doc = base.clone();
        doc["stepName"] = json!(name);
        assert_eq!(
            node.is_valid(&doc),
            syncaut_actions::StepName::new(name).is_ok(),
            "{name:?}"
        );
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
    assert_eq!(schema["properties"]["status_id"]["type"], "integer");
    assert_eq!(choices[0], json!({"enum": [0], "title": "Incomplete"}));
    assert_eq!(choices[14], json!({"enum": [14], "title": "Partially Refunded"}));
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
