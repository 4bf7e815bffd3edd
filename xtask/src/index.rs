//! The operation index: for every operation of a spec, what a request looks like and
//! what it returns, as JSON data that `bigcommerce_api::index` reads.
//!
//! It is built from the document as BigCommerce publishes it (after our overlays, before
//! the progenitor passes), because the registry's conformance test must compare actions
//! with the real API, not with what progenitor could digest.

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use crate::passes::resolve_local;

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/// Facts about the spec file that the index records beside the operations.
pub(crate) struct SpecFacts<'a> {
    pub(crate) module: &'a str,
    pub(crate) file: &'a str,
    pub(crate) sha256: &'a str,
}

/// Builds the index document of one spec.
pub(crate) fn build(doc: &Value, facts: &SpecFacts<'_>) -> Result<Value> {
    let components = doc.get("components").cloned().unwrap_or_else(|| json!({}));
    let api_version = api_version(doc).with_context(|| format!("{}: cannot tell the API version", facts.file))?;
    let scopes = scope_table(doc);
    let mut operations = Vec::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .context("the document has no paths")?;
    for (path, item) in paths {
        let item_params = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in HTTP_METHODS {
            let Some(op) = item.get(*method) else { continue };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .with_context(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
            operations.push(json!({
                "operation_id": operation_id,
                "method": method.to_uppercase(),
                "api_version": api_version,
                "path": path,
                "summary": op.get("summary").cloned().unwrap_or(Value::Null),
                "deprecated": op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
                "parameters": parameters(&components, &item_params, op),
                "request_body": request_body(&components, op),
                "response": success_response(&components, op),
                "scopes": operation_scopes(&scopes, method),
            }));
        }
    }
    Ok(json!({
        "generated_by": "cargo xtask codegen (do not edit; see specs/manifest.toml)",
        "module": facts.module,
        "file": facts.file,
        "sha256": facts.sha256,
        "title": doc.pointer("/info/title").cloned().unwrap_or(Value::Null),
        "api_version": api_version,
        "scopes": scopes,
        "operations": operations,
        "schemas": components.get("schemas").cloned().unwrap_or_else(|| json!({})),
    }))
}

/// `v2` or `v3`, from the last segment of the first server URL.
fn api_version(doc: &Value) -> Result<&'static str> {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .context("no servers[0].url")?;
    match url.trim_end_matches('/').rsplit('/').next() {
        Some("v2") => Ok("v2"),
        Some("v3") => Ok("v3"),
        _ => bail!("server URL {url} ends in neither /v2 nor /v3"),
    }
}

/// The OAuth scope table that BigCommerce writes, as Markdown, into the description of
/// the `X-Auth-Token` security scheme: `| UI Name | Permission | Parameter |`.
pub(crate) fn scope_table(doc: &Value) -> Vec<Value> {
    let Some(schemes) = doc.pointer("/components/securitySchemes").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut scopes = Vec::new();
    for scheme in schemes.values() {
        let description = scheme.get("description").and_then(Value::as_str).unwrap_or_default();
        for line in description.lines() {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
            let [ui_name, permission, parameter] = cells.as_slice() else {
                continue;
            };
            let scope = parameter.trim_matches('`');
            let is_scope = scope.starts_with("store_")
                && scope
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
            if !is_scope {
                continue;
            }
            scopes.push(json!({"ui_name": ui_name, "permission": permission, "scope": scope}));
        }
    }
    scopes
}

/// The scopes that allow an operation. BigCommerce's specs list scopes per document,
/// not per operation: a read (GET/HEAD) is allowed by the read-only and the modify
/// scope of a group, anything else by the modify scope only.
fn operation_scopes(scopes: &[Value], method: &str) -> Value {
    let is_read = matches!(method, "get" | "head");
    let pick = |permission: &str| -> Vec<Value> {
        scopes
            .iter()
            .filter(|s| s.get("permission").and_then(Value::as_str) == Some(permission))
            .filter_map(|s| s.get("scope").cloned())
            .collect()
    };
    let read_only = if is_read { pick("read-only") } else { Vec::new() };
    json!({"read_only": read_only, "modify": pick("modify")})
}

/// Path-item and operation parameters, resolved, operation ones overriding path ones
/// with the same name and location.
fn parameters(components: &Value, item_params: &[Value], op: &Value) -> Vec<Value> {
    let op_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut merged: Vec<Value> = Vec::new();
    for raw in item_params.iter().chain(op_params.iter()) {
        let param = resolve_local(components, raw);
        let key = (param.get("name").cloned(), param.get("in").cloned());
        merged.retain(|p| (p.get("name").cloned(), p.get("location").cloned()) != key);
        merged.push(describe_parameter(components, param));
    }
    merged
}

fn describe_parameter(components: &Value, param: &Value) -> Value {
    let schema = param
        .get("schema")
        .map(|s| resolve_local(components, s).clone())
        .unwrap_or_else(|| json!({}));
    let location = param.get("in").cloned().unwrap_or(Value::Null);
    let required = param
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(location == "path");
    let items = schema.get("items").map(|i| resolve_local(components, i));
    let mut out = Map::new();
    out.insert("name".into(), param.get("name").cloned().unwrap_or(Value::Null));
    out.insert("location".into(), location);
    out.insert("required".into(), Value::Bool(required));
    out.insert("type".into(), schema.get("type").cloned().unwrap_or(Value::Null));
    out.insert("format".into(), schema.get("format").cloned().unwrap_or(Value::Null));
    out.insert(
        "items_type".into(),
        items.and_then(|i| i.get("type")).cloned().unwrap_or(Value::Null),
    );
    let enum_values = schema.get("enum").or_else(|| items.and_then(|i| i.get("enum")));
    out.insert("enum".into(), enum_values.cloned().unwrap_or(Value::Null));
    out.insert("minimum".into(), schema.get("minimum").cloned().unwrap_or(Value::Null));
    out.insert("maximum".into(), schema.get("maximum").cloned().unwrap_or(Value::Null));
    out.insert("style".into(), param.get("style").cloned().unwrap_or(Value::Null));
    out.insert("explode".into(), param.get("explode").cloned().unwrap_or(Value::Null));
    out.insert(
        "description".into(),
        param.get("description").cloned().unwrap_or(Value::Null),
    );
    Value::Object(out)
}

fn json_media(components: &Value, holder: &Value) -> Option<Value> {
    let holder = resolve_local(components, holder);
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media_type, _)| {
            media_type
                .split(';')
                .next()
                .is_some_and(|m| m.trim() == "application/json")
        })
        .map(|(_, media)| media.clone())
}

fn request_body(components: &Value, op: &Value) -> Value {
    let Some(body) = op.get("requestBody") else {
        return Value::Null;
    };
    let resolved = resolve_local(components, body);
    let required = resolved.get("required").and_then(Value::as_bool).unwrap_or(false);
    let Some(media) = json_media(components, body) else {
        let media_types: Vec<&String> = resolved
            .get("content")
            .and_then(Value::as_object)
            .map(|c| c.keys().collect())
            .unwrap_or_default();
        return json!({"required": required, "media_types": media_types, "schema": null, "is_array": false, "required_fields": []});
    };
    let schema = media.get("schema").cloned().unwrap_or(Value::Null);
    let top = resolve_local(components, &schema);
    let is_array = top.get("type").and_then(Value::as_str) == Some("array");
    let object = if is_array {
        top.get("items")
            .map(|i| resolve_local(components, i))
            .unwrap_or(&Value::Null)
    } else {
        top
    };
    let mut required_fields = Vec::new();
    collect_required(components, object, &mut required_fields, 0);
    required_fields.sort();
    required_fields.dedup();
    json!({
        "required": required,
        "media_types": ["application/json"],
        "schema": schema,
        "is_array": is_array,
        "required_fields": required_fields,
    })
}

/// The fields an object schema requires, through `$ref` and `allOf`.
fn collect_required(components: &Value, schema: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = resolve_local(components, schema);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        out.extend(required.iter().filter_map(Value::as_str).map(String::from));
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect_required(components, part, out, depth + 1);
    }
}

/// The lowest 2xx response: its status, JSON schema and example, if any.
fn success_response(components: &Value, op: &Value) -> Value {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Value::Null;
    };
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    let Some(code) = codes.first() else { return Value::Null };
    let response = &responses[code.as_str()];
    let media = json_media(components, response);
    let schema = media
        .as_ref()
        .and_then(|m| m.get("schema"))
        .cloned()
        .unwrap_or(Value::Null);
    let example = media.as_ref().and_then(|m| {
        m.get("example")
            .cloned()
            .or_else(|| m.get("examples")?.as_object()?.values().next()?.get("value").cloned())
    });
    json!({
        "status": code.parse::<u16>().unwrap_or(200),
        "other_statuses": codes[1..].iter().filter_map(|c| c.parse::<u16>().ok()).collect::<Vec<_>>(),
        "schema": schema,
        "example": example.unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SpecFacts<'static> {
        SpecFacts {
            module: "orders",
            file: "orders.v2.yml",
            sha256: "00",
        }
    }

    fn minimal() -> Value {
        json!({
            "servers": [{"url": "https://api.bigcommerce.com/stores/{store_hash}/v2"}],
            "components": {
                "securitySchemes": {"X-Auth-Token": {"description": "| UI Name | Permission | Parameter |\n|:--|:--|:--|\n| Orders | modify | `store_v2_orders` |\n| Orders | read-only | `store_v2_orders_read_only` |"}},
                "parameters": {"order_id": {"name": "order_id", "in": "path", "required": true, "schema": {"type": "integer"}}},
                "schemas": {"Order": {"type": "object", "required": ["status_id"], "properties": {"status_id": {"type": "integer"}}}}
            },
            "paths": {"/orders/{order_id}": {
                "parameters": [{"$ref": "#/components/parameters/order_id"}],
                "get": {"operationId": "getOrder", "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}, "example": {"id": 1}}}},
                    "404": {}
                }},
                "put": {"operationId": "updateOrder",
                    "requestBody": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}},
                    "responses": {"200": {}}}
            }}
        })
    }

    #[test]
    fn index_records_method_path_params_body_response_and_scopes() {
        let index = build(&minimal(), &facts()).unwrap();
        let ops = index["operations"].as_array().unwrap();
        assert_eq!(ops.len(), 2);
        let get = &ops[0];
        assert_eq!(get["operation_id"], "getOrder");
        assert_eq!(get["method"], "GET");
        assert_eq!(get["api_version"], "v2");
        assert_eq!(get["parameters"][0]["name"], "order_id");
        assert_eq!(get["parameters"][0]["location"], "path");
        assert_eq!(get["parameters"][0]["type"], "integer");
        assert_eq!(get["response"]["status"], 200);
        assert_eq!(get["response"]["example"], json!({"id": 1}));
        assert_eq!(
            get["scopes"],
            json!({"read_only": ["store_v2_orders_read_only"], "modify": ["store_v2_orders"]})
        );
        let put = &ops[1];
        assert_eq!(put["request_body"]["is_array"], true);
        assert_eq!(put["request_body"]["required_fields"], json!(["status_id"]));
        assert_eq!(put["scopes"], json!({"read_only": [], "modify": ["store_v2_orders"]}));
    }

    #[test]
    fn an_operation_without_operation_id_is_refused() {
        let mut doc = minimal();
        doc.pointer_mut("/paths/~1orders~1{order_id}/get")
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove("operationId");
        let err = build(&doc, &facts()).unwrap_err().to_string();
        assert!(err.contains("GET /orders/{order_id} has no operationId"), "{err}");
    }
}
