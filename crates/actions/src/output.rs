//! What each action outputs: the schema of its `data`, taken from BigCommerce's spec
//! through the operation index, and the variables a later step can insert.

use bigcommerce_api::index::{self, SpecIndex};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::{Action, ResponseShape};

/// The JSON Schema (draft 2020-12) of the `data` an action outputs, with `$ref`s
/// resolved. `None` when the spec has no operation for the action (the conformance test
/// reports that).
pub fn data_schema(action: &Action) -> Option<Value> {
    openapi_data_schema(action).map(|schema| crate::jsonschema::from_openapi(&schema))
}

/// The `data` schema as the spec writes it (OpenAPI 3.0).
fn openapi_data_schema(action: &Action) -> Option<Value> {
    if action.response == ResponseShape::Deleted {
        return Some(deleted_schema(action));
    }
    let (spec, op) = index::find_with_spec(action.api_version, action.method.as_str(), action.path)?;
    let response = spec.resolve(op.response.as_ref()?.schema.as_ref()?);
    let data = match action.response {
        ResponseShape::Body => response,
        ResponseShape::V3Data => property(spec, &response, "data").unwrap_or_else(|| json!({})),
        ResponseShape::V3FirstOfData | ResponseShape::OneMatch { .. } => property(spec, &response, "data")
            .and_then(|data| data.get("items").map(|items| spec.resolve(items)))
            .unwrap_or_else(|| json!({})),
        ResponseShape::Deleted => deleted_schema(action),
    };
    let data = with_extras(action, spec, data);
    Some(match action.batch {
        Some(batch) => batches_schema(batch, data),
        None => data,
    })
}

/// The `data` of a batched action: each request's result in order, and the records they
/// answered with (when they answer lists).
fn batches_schema(batch: crate::model::Batch, result: Value) -> Value {
    let (records, result) = match result.get("type").and_then(Value::as_str) {
        // A list answer's records are in `records`; the batch has their count.
        Some("array") => (result.get("items").cloned().unwrap_or_else(|| json!({})), json!(false)),
        _ => (json!({}), result),
    };
    json!({
        "type": "object",
        "description": format!("The result of each request of at most {} items, in order.", batch.max_items),
        "properties": {
            "items": {"type": "integer", "description": "How many items were sent, in all."},
            "batches": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "batch": {"type": "integer", "description": "The batch, from 1."},
                    "first": {"type": "integer", "description": "Its first item, from 1."},
                    "last": {"type": "integer", "description": "Its last item."},
                    "result": result,
                    "records": {"type": "integer", "description": "How many records it answered with (they are in `records`), for batches that answer lists."}
                },
                "required": ["batch", "first", "last"]
            }},
            "records": {"type": "array", "description": "Every record the batches answered with, in order (for batches that answer lists).", "items": records}
        },
        "required": ["items", "batches", "records"]
    })
}

/// The data schema with the fields the action asks for beyond the spec's response schema
/// (`variants` with `include=variants`).
fn with_extras(action: &Action, spec: &SpecIndex, data: Value) -> Value {
    if action.response_extras.is_empty() {
        return data;
    }
    let extras: Map<String, Value> = action
        .response_extras
        .iter()
        .map(|extra| {
            let items = spec
                .schemas
                .get(extra.list_of)
                .map(|schema| spec.resolve(schema))
                .unwrap_or_else(|| json!({}));
            (extra.name.to_owned(), json!({"type": "array", "items": items}))
        })
        .collect();
    json!({"allOf": [data, {"type": "object", "properties": extras}]})
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

/// The keys of every step's output envelope, in order: `data`, `action`, `storeHash`, as
/// the product docs show it. The one place they are written.
pub const ENVELOPE_KEYS: [&str; 3] = ["data", "action", "storeHash"];

/// The JSON Schema of the whole step output envelope.
pub fn envelope_schema(action: &Action) -> Value {
    let [data, action_key, store_hash] = ENVELOPE_KEYS;
    let mut properties = Map::new();
    properties.insert(data.into(), data_schema(action).unwrap_or_else(|| json!({})));
    properties.insert(action_key.into(), json!({"const": action.id}));
    properties.insert(store_hash.into(), json!({"type": "string", "pattern": "^[a-z0-9]+$"}));
    json!({
        "$schema": crate::schema::DIALECT,
        "title": format!("Output of {}", action.title),
        "type": "object",
        "properties": properties,
        "required": ENVELOPE_KEYS,
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

/// How deeply the picker follows nested objects and lists of objects
/// (`{{getInventory.data.variants.[0].inventory_level}}` is two levels down).
const PICKER_DEPTH: usize = 3;

/// The most entries one action offers.
const PICKER_ENTRIES: usize = 400;

/// The variables a later step can insert from a step named `step` running `action`: the
/// whole `data`, and every field of it, following nested objects and lists of objects (of
/// the first element, for lists) a few levels down.
pub fn variables(action: &Action, step: &str) -> Vec<Variable> {
    let schema = data_schema(action).unwrap_or_else(|| json!({}));
    let mut out = vec![Variable {
        expression: format!("{{{{{step}.data}}}}"),
        type_name: type_of(&schema),
        description: format!("Everything \"{}\" returned.", action.title),
    }];
    offer_inside(&mut out, &format!("{step}.data"), &schema, 0);
    out.truncate(PICKER_ENTRIES);
    out
}

/// Adds the entries inside a value at `path` with this schema: the first item of a list,
/// the fields of an object, and what is inside those.
fn offer_inside(out: &mut Vec<Variable>, path: &str, schema: &Value, depth: usize) {
    if depth >= PICKER_DEPTH || out.len() >= PICKER_ENTRIES {
        return;
    }
    if type_of(schema) == "array" {
        let Some(items) = schema.get("items") else { return };
        if !is_container(items) {
            return;
        }
        let first = format!("{path}.[0]");
        out.push(Variable {
            expression: format!("{{{{{first}}}}}"),
            type_name: type_of(items),
            description: "The first item of the list.".into(),
        });
        offer_inside(out, &first, items, depth + 1);
        return;
    }
    for (name, field) in object_properties(schema) {
        let field_path = format!("{path}.{name}");
        let description = field.get("description").and_then(Value::as_str).unwrap_or_default();
        out.push(Variable {
            expression: format!("{{{{{field_path}}}}}"),
            type_name: type_of(&field),
            description: first_sentence(description),
        });
        if is_container(&field) {
            offer_inside(out, &field_path, &field, depth + 1);
        }
    }
}

/// Whether a schema is an object with fields, or a list of such objects.
fn is_container(schema: &Value) -> bool {
    match type_of(schema).as_str() {
        "object" => !object_properties(schema).is_empty(),
        "array" => schema.get("items").is_some_and(|items| type_of(items) == "object"),
        _ => false,
    }
}

/// The properties of a resolved object schema, through `allOf` and a nullable `anyOf`.
fn object_properties(schema: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_else(Map::new)
        .into_iter()
        .collect();
    for part in ["allOf", "anyOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
    {
        for (key, value) in object_properties(part) {
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, value));
            }
        }
    }
    out
}

/// The JSON type a schema describes (`null` aside: a nullable string is a string).
fn type_of(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => {
            let types: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            types.join("|")
        }
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => "object".into(),
        _ if schema.get("items").is_some() => "array".into(),
        _ => match schema.get("anyOf").and_then(Value::as_array) {
            Some(options) => options
                .iter()
                .map(type_of)
                .find(|t| t != "null" && t != "any")
                .unwrap_or_else(|| "any".into()),
            None => "any".into(),
        },
    }
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let end = line.find(". ").map_or(line.len(), |i| i + 1);
    line[..end].to_owned()
}

/// The key beside the envelope that a trigger's output adds: what happened.
pub const TRIGGER_EVENT_KEY: &str = "event";

/// The JSON Schema of a trigger's output: the envelope with the full record as `data`
/// (what the record action returns), the trigger's id as `action`, and `event`.
pub fn trigger_envelope_schema(trigger: &crate::triggers::Trigger) -> Value {
    let mut schema = envelope_schema(trigger.record_action());
    schema["title"] = Value::from(format!("Output of the trigger {}", trigger.title));
    schema["properties"]["action"] = json!({"const": trigger.id});
    schema["properties"][TRIGGER_EVENT_KEY] = json!({
        "type": "object",
        "description": "What started the run.",
        "properties": {
            "source": {"enum": ["webhook", "poll"], "description": "How the change was learnt: a webhook from BigCommerce, or polling."},
            "scope": {"type": "string", "description": "The webhook scope of the change, such as store/order/created."},
            "id": {"type": "integer", "description": "The ID of the record that changed."},
            "changes": {
                "type": "object",
                "description": "What changed, where known: the field, with its value before (`from`, null when unknown) and after (`to`).",
                "additionalProperties": {"type": "object", "properties": {"from": {}, "to": {}}}
            }
        },
        "required": ["source", "scope", "id"]
    });
    schema["required"] = json!(["data", "action", "storeHash", TRIGGER_EVENT_KEY]);
    schema
}

/// The "+ variable" picker's entries for a workflow's trigger, referenced as
/// `{{trigger.data…}}`.
pub fn trigger_variables(trigger: &crate::triggers::Trigger) -> Vec<Variable> {
    let mut entries = variables(trigger.record_action(), crate::triggers::TRIGGER_STEP);
    for entry in &mut entries {
        entry.description = entry.description.replace(trigger.record_action().title, trigger.title);
    }
    entries.push(Variable {
        expression: format!("{{{{{}.{TRIGGER_EVENT_KEY}.changes}}}}", crate::triggers::TRIGGER_STEP),
        type_name: "object".into(),
        description: "What changed, where known (from → to).".into(),
    });
    entries
}
