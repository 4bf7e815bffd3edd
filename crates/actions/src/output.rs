//! What each action outputs: the schema of its `data`, taken from BigCommerce's spec
//! through the operation index, and the variables a later step can insert.

use bigcommerce_api::index::{self, SpecIndex};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::{Action, ResponseShape};

/// The JSON Schema of the `data` an action outputs, with `$ref`s resolved. `None` when
/// the spec has no operation for the action (the conformance test reports that).
pub fn data_schema(action: &Action) -> Option<Value> {
    if action.response == ResponseShape::Deleted {
        return Some(deleted_schema(action));
    }
    let (spec, op) = index::find_with_spec(action.api_version, action.method.as_str(), action.path)?;
    let response = spec.resolve(op.response.as_ref()?.schema.as_ref()?);
    Some(match action.response {
        ResponseShape::Body => response,
        ResponseShape::V3Data => property(spec, &response, "data").unwrap_or_else(|| json!({})),
        ResponseShape::V3FirstOfData => property(spec, &response, "data")
            .and_then(|data| data.get("items").map(|items| spec.resolve(items)))
            .unwrap_or_else(|| json!({})),
        ResponseShape::Deleted => deleted_schema(action),
    })
}

/// The `data` of a delete action: the ID that was deleted.
fn deleted_schema(action: &Action) -> Value {
    let noun = action.record.map_or("record", |r| r.noun);
    json!({
        "type": "object",
        "description": format!("The {noun} that was deleted."),
        "properties": {
            "id": {"type": "integer", "description": format!("ID of the deleted {noun}.")},
            "deleted": {"type": "boolean", "const": true, "description": "Always true: BigCommerce confirmed the deletion."}
        },
        "required": ["id", "deleted"]
    })
}

/// The JSON Schema of the whole step output envelope.
pub fn envelope_schema(action: &Action) -> Value {
    json!({
        "$schema": crate::schema::DIALECT,
        "title": format!("Output of {}", action.title),
        "type": "object",
        "properties": {
            "data": data_schema(action).unwrap_or_else(|| json!({})),
            "action": {"const": action.id},
            "storeHash": {"type": "string", "pattern": "^[a-z0-9]+$"}
        },
        "required": ["data", "action", "storeHash"]
    })
}

fn property(spec: &SpecIndex, schema: &Value, name: &str) -> Option<Value> {
    properties(spec, schema)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, schema)| schema)
}

/// The properties of an object schema, through `allOf` (resolved).
pub(crate) fn properties(spec: &SpecIndex, schema: &Value) -> Vec<(String, Value)> {
    let schema = spec.resolve(schema);
    let mut out: Vec<(String, Value)> = Vec::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        for (key, value) in properties(spec, part) {
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, value));
            }
        }
    }
    out
}

/// One entry of the "+ variable" picker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    /// What gets inserted, such as `{{getOrder.data.id}}`.
    pub expression: String,
    /// JSON type of the value (`integer`, `string`, `array`, `object` …).
    #[serde(rename = "type")]
    pub type_name: String,
    /// What the value is, from BigCommerce's spec.
    pub description: String,
}

/// The variables a later step can insert from a step named `step` running `action`:
/// the whole `data`, and each top-level field of it (of the first element, for lists).
pub fn variables(action: &Action, step: &str) -> Vec<Variable> {
    let schema = data_schema(action).unwrap_or_else(|| json!({}));
    let spec = index::find_with_spec(action.api_version, action.method.as_str(), action.path).map(|(s, _)| s);
    let mut out = vec![Variable {
        expression: format!("{{{{{step}.data}}}}"),
        type_name: type_of(&schema),
        description: format!("Everything \"{}\" returned.", action.title),
    }];
    let (prefix, object) = match schema.get("items") {
        Some(items) if type_of(&schema) == "array" => {
            out.push(Variable {
                expression: format!("{{{{{step}.data.[0]}}}}"),
                type_name: type_of(items),
                description: "The first item of the list.".into(),
            });
            (format!("{step}.data.[0]"), items.clone())
        }
        _ => (format!("{step}.data"), schema.clone()),
    };
    let fields = match spec {
        Some(spec) => properties(spec, &object),
        None => object_properties(&object),
    };
    for (name, field) in fields {
        let description = field.get("description").and_then(Value::as_str).unwrap_or_default();
        out.push(Variable {
            expression: format!("{{{{{prefix}.{name}}}}}"),
            type_name: type_of(&field),
            description: first_sentence(description),
        });
    }
    out
}

fn object_properties(schema: &Value) -> Vec<(String, Value)> {
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_else(Map::new);
    props.into_iter().collect()
}

fn type_of(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|"),
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => "object".into(),
        _ if schema.get("items").is_some() => "array".into(),
        _ => "any".into(),
    }
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let end = line.find(". ").map_or(line.len(), |i| i + 1);
    line[..end].to_owned()
}
