//! BigCommerce's OpenAPI 3.0 schemas as JSON Schema draft 2020-12: one converter, used by
//! the exported output schemas and by the sandbox's conformance test alike.
//!
//! - `nullable: true` becomes a `null` type (or an `anyOf` with `null` when there is no
//!   single type), and `null` joins an `enum`;
//! - `example` becomes `examples: [example]`;
//! - boolean `exclusiveMinimum`/`exclusiveMaximum` become the numbers they qualify;
//! - OpenAPI-only keywords (`discriminator`, `xml`, `externalDocs`) are dropped;
//! - titles that are component names (`product_Full`, `order_Resp`) are dropped: a title
//!   is for people;
//! - `#/components/schemas/` references point into `$defs`.

use serde_json::{Map, Value, json};

/// Whether a title reads like an identifier rather than words: no space, and an
/// underscore or a lower-to-upper case change inside it.
fn is_machine_title(title: &str) -> bool {
    if title.contains(' ') {
        return false;
    }
    let camel = title
        .chars()
        .zip(title.chars().skip(1))
        .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
    title.contains('_') || title.contains('-') || camel
}

/// Converts one schema (and everything inside it).
pub fn from_openapi(schema: &Value) -> Value {
    match schema {
        Value::Object(obj) => convert_object(obj),
        Value::Array(items) => Value::Array(items.iter().map(from_openapi).collect()),
        other => other.clone(),
    }
}

fn convert_object(obj: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "$ref" => {
                let target = value
                    .as_str()
                    .unwrap_or_default()
                    .replace("#/components/schemas/", "#/$defs/");
                out.insert(key.clone(), Value::String(target));
            }
            "example" => {
                out.entry("examples").or_insert_with(|| json!([value.clone()]));
            }
            "examples" if value.is_array() => {
                out.insert(key.clone(), value.clone());
            }
            "examples" | "nullable" | "discriminator" | "xml" | "externalDocs" => {}
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {}
            "title" if value.as_str().is_some_and(is_machine_title) => {}
            // Keywords whose values are maps of names to schemas, or plain data: only
            // their schemas are converted.
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                let map = value
                    .as_object()
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), from_openapi(v))).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(map));
            }
            "enum" | "const" | "default" | "required" => {
                out.insert(key.clone(), value.clone());
            }
            _ => {
                out.insert(key.clone(), from_openapi(value));
            }
        }
    }
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if obj.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.into(), limit);
        }
    }
    if obj.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(mut types)) => {
                if !types.contains(&json!("null")) {
                    types.push(json!("null"));
                }
                out.insert("type".into(), Value::Array(types));
            }
            _ => return json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
        }
    }
    Value::Object(out)
}

/// A schema made self-contained: converted, with the spec's component schemas (also
/// converted) under `$defs`, so its references resolve.
pub fn with_defs(schema: &Value, components: &Map<String, Value>) -> Value {
    let mut root = from_openapi(schema);
    if let Value::Object(obj) = &mut root {
        let defs: Map<String, Value> = components.iter().map(|(k, v)| (k.clone(), from_openapi(v))).collect();
        obj.insert("$defs".into(), Value::Object(defs));
    }
    root
}

/// Whether any `nullable` keyword is left anywhere in `schema` (outside data keywords).
pub fn has_nullable(schema: &Value) -> bool {
    match schema {
        Value::Object(obj) => obj.iter().any(|(key, value)| match key.as_str() {
            "nullable" => true,
            "enum" | "const" | "default" | "examples" => false,
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                value.as_object().is_some_and(|map| map.values().any(has_nullable))
            }
            _ => has_nullable(value),
        }),
        Value::Array(items) => items.iter().any(has_nullable),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_null_type() {
        assert_eq!(
            from_openapi(&json!({"type": "string", "nullable": true, "enum": ["a"]})),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
        assert_eq!(
            from_openapi(&json!({"$ref": "#/components/schemas/x", "nullable": true})),
            json!({"anyOf": [{"$ref": "#/$defs/x"}, {"type": "null"}]})
        );
        assert!(!has_nullable(&from_openapi(
            &json!({"properties": {"a": {"nullable": true, "type": "integer"}}})
        )));
    }

    #[test]
    fn examples_bounds_and_openapi_keywords() {
        assert_eq!(
            from_openapi(&json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "example": 2, "xml": {}})),
            json!({"type": "number", "exclusiveMinimum": 0, "examples": [2]})
        );
    }

    #[test]
    fn machine_titles_are_dropped_and_human_ones_kept() {
        assert_eq!(from_openapi(&json!({"title": "product_Full"})), json!({}));
        assert_eq!(from_openapi(&json!({"title": "order_Resp"})), json!({}));
        assert_eq!(from_openapi(&json!({"title": "metaCollection"})), json!({}));
        assert_eq!(from_openapi(&json!({"title": "Product"})), json!({"title": "Product"}));
        assert_eq!(
            from_openapi(&json!({"title": "Billing address"})),
            json!({"title": "Billing address"})
        );
    }

    #[test]
    fn data_keywords_are_left_alone() {
        let schema = json!({"enum": [{"nullable": true}], "default": {"title": "x_y"}, "properties": {"nullable": {"type": "boolean"}}});
        assert_eq!(from_openapi(&schema), schema);
    }
}
