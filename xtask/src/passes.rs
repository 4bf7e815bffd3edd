//! Normalisation passes: small rewrites of an OpenAPI document (as JSON) that let
//! progenitor 0.15 generate compiling, faithful clients from BigCommerce's specs.
//!
//! Each pass names the progenitor limitation or upstream defect it works around; the
//! labels T0–T9 are those of `../shared/research/progenitor-trial.md`. Passes only ever
//! touch the copy handed to progenitor: the operation index is built from the document
//! before these passes, so it describes the API as BigCommerce publishes it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One named pass over a whole document.
pub(crate) struct Pass {
    /// Short label, as in the trial report.
    pub(crate) label: &'static str,
    /// What the pass does and why (documentation; the README lists the same).
    #[allow(dead_code)]
    pub(crate) why: &'static str,
    /// The rewrite itself; returns how many places it changed.
    pub(crate) run: fn(&mut Value) -> usize,
}

/// Every pass, in the order they run.
pub(crate) const PASSES: &[Pass] = &[
    Pass {
        label: "T0",
        why: "typify panics on `format` beside `type: array|object|boolean` (customers: `type: array, format: double`)",
        run: strip_format_from_non_scalars,
    },
    Pass {
        label: "T1",
        why: "progenitor accepts one request media type and no multipart: keep application/json, drop multipart-only operations",
        run: keep_only_json_request_bodies,
    },
    Pass {
        label: "T2",
        why: "progenitor allows one error type, BigCommerce has several (and some without schema): non-2xx become UnexpectedResponse with the body intact",
        run: drop_error_responses,
    },
    Pass {
        label: "T3",
        why: "progenitor asserts at most one typed success response: keep the lowest 2xx that has a JSON body",
        run: keep_one_success_response,
    },
    Pass {
        label: "T4",
        why: "Accept/Content-Type header parameters become required builder fields, and progenitor sets both headers itself",
        run: drop_accept_and_content_type_params,
    },
    Pass {
        label: "T5",
        why: "schema names that collide after PascalCase (metaCollection_Full / metaCollectionFull) generate duplicate types",
        run: rename_colliding_schemas,
    },
    Pass {
        label: "T6",
        why: "`format: float` becomes f32, which turns a price of 7.95 into 7.949999809265137",
        run: drop_float_format,
    },
    Pass {
        label: "T7",
        why: "progenitor ignores `explode: false` and repeats array query params; BigCommerce wants `include=variants,images`",
        run: flatten_unexploded_array_query_params,
    },
    Pass {
        label: "T8",
        why: "`minLength: 0` generates `len < 0` checks, 183 unused_comparisons warnings",
        run: drop_zero_min_length,
    },
    Pass {
        label: "T9",
        why: "typify drops fields the spec does not list; `additionalProperties: {}` keeps them in an `extra` map",
        run: keep_unknown_fields,
    },
];

/// A rewrite of one JSON object (a schema or an operation); returns how many changes it made.
type Rewrite<'a> = dyn FnMut(&mut Map<String, Value>) -> usize + 'a;

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Calls `f` on every schema object of the document: component schemas, parameter,
/// header, request and response schemas, and every schema nested inside those. Examples
/// and defaults are data, not schemas, and are never visited.
pub(crate) fn for_each_schema(doc: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let mut changed = 0;
    if let Some(components) = doc.get_mut("components") {
        for schema in map_values(components.get_mut("schemas")) {
            changed += visit_schema(schema, f);
        }
        for param in map_values(components.get_mut("parameters")) {
            changed += visit_parameter(param, f);
        }
        for header in map_values(components.get_mut("headers")) {
            changed += visit_parameter(header, f);
        }
        for body in map_values(components.get_mut("requestBodies")) {
            changed += visit_content(body, f);
        }
        for response in map_values(components.get_mut("responses")) {
            changed += visit_response(response, f);
        }
    }
    for item in map_values(doc.get_mut("paths")) {
        for param in array_values(item.get_mut("parameters")) {
            changed += visit_parameter(param, f);
        }
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(*method) else { continue };
            for param in array_values(op.get_mut("parameters")) {
                changed += visit_parameter(param, f);
            }
            if let Some(body) = op.get_mut("requestBody") {
                changed += visit_content(body, f);
            }
            for response in map_values(op.get_mut("responses")) {
                changed += visit_response(response, f);
            }
        }
    }
    changed
}

fn map_values(v: Option<&mut Value>) -> impl Iterator<Item = &mut Value> {
    v.and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|m| m.values_mut())
}

fn array_values(v: Option<&mut Value>) -> impl Iterator<Item = &mut Value> {
    v.and_then(Value::as_array_mut).into_iter().flat_map(|a| a.iter_mut())
}

fn visit_parameter(param: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let mut changed = 0;
    if let Some(schema) = param.get_mut("schema") {
        changed += visit_schema(schema, f);
    }
    changed + visit_content(param, f)
}

fn visit_response(response: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let mut changed = visit_content(response, f);
    for header in map_values(response.get_mut("headers")) {
        changed += visit_parameter(header, f);
    }
    changed
}

fn visit_content(holder: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let mut changed = 0;
    for media in map_values(holder.get_mut("content")) {
        if let Some(schema) = media.get_mut("schema") {
            changed += visit_schema(schema, f);
        }
    }
    changed
}

fn visit_schema(schema: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let Some(obj) = schema.as_object_mut() else { return 0 };
    let mut changed = f(obj);
    for key in ["items", "not", "additionalProperties"] {
        if let Some(child) = obj.get_mut(key) {
            changed += visit_schema(child, f);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for child in array_values(obj.get_mut(key)) {
            changed += visit_schema(child, f);
        }
    }
    for child in map_values(obj.get_mut("properties")) {
        changed += visit_schema(child, f);
    }
    changed
}

/// Calls `f` on every operation object.
fn for_each_operation(doc: &mut Value, f: &mut Rewrite<'_>) -> usize {
    let mut changed = 0;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return 0;
    };
    for item in paths.values_mut() {
        for method in HTTP_METHODS {
            if let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) {
                changed += f(op);
            }
        }
    }
    changed
}

/// T0: removes `format` from schemas whose type is not a scalar that can carry one.
pub(crate) fn strip_format_from_non_scalars(doc: &mut Value) -> usize {
    for_each_schema(doc, &mut |schema| {
        let non_scalar = matches!(
            schema.get("type").and_then(Value::as_str),
            Some("array" | "object" | "boolean")
        );
        usize::from(non_scalar && schema.shift_remove("format").is_some())
    })
}

fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Keeps only the JSON media type of a `content` map; returns (removed, json left).
fn keep_json_content(holder: &mut Map<String, Value>) -> (usize, bool) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return (0, false);
    };
    let before = content.len();
    content.retain(|media_type, _| is_json_media_type(media_type));
    (before - content.len(), !content.is_empty())
}

/// T1: request bodies keep only `application/json`; an operation whose body has no JSON
/// form at all (multipart-only uploads) is removed from the copy given to progenitor.
pub(crate) fn keep_only_json_request_bodies(doc: &mut Value) -> usize {
    let mut changed = 0;
    let mut bodies_without_json = Vec::new();
    if let Some(bodies) = doc
        .pointer_mut("/components/requestBodies")
        .and_then(Value::as_object_mut)
    {
        for (name, body) in bodies.iter_mut() {
            let Some(body) = body.as_object_mut() else { continue };
            let (removed, has_json) = keep_json_content(body);
            changed += removed;
            if !has_json {
                bodies_without_json.push(format!("#/components/requestBodies/{name}"));
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return changed;
    };
    for item in paths.values_mut() {
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) else {
                continue;
            };
            let keep = match body.get("$ref").and_then(Value::as_str) {
                Some(target) => !bodies_without_json.iter().any(|b| b == target),
                None => {
                    let (removed, has_json) = keep_json_content(body);
                    changed += removed;
                    has_json
                }
            };
            if !keep {
                if let Some(item) = item.as_object_mut() {
                    item.shift_remove(*method);
                }
                changed += 1;
            }
        }
    }
    changed
}

fn is_success_status(code: &str) -> bool {
    code.starts_with('2')
}

/// T2: removes every response that is not 2xx (including `default`).
pub(crate) fn drop_error_responses(doc: &mut Value) -> usize {
    for_each_operation(doc, &mut |op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return 0;
        };
        let before = responses.len();
        responses.retain(|code, _| is_success_status(code));
        before - responses.len()
    })
}

/// T3: where an operation has several 2xx responses, keeps the lowest one that has a
/// JSON body (or the lowest one when none has a body).
pub(crate) fn keep_one_success_response(doc: &mut Value) -> usize {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    for_each_operation(doc, &mut |op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return 0;
        };
        let successes: Vec<String> = responses.keys().filter(|c| is_success_status(c)).cloned().collect();
        if successes.len() <= 1 {
            return 0;
        }
        let has_json = |code: &str| {
            let response = resolve_local(&components, &responses[code]);
            response
                .get("content")
                .and_then(Value::as_object)
                .is_some_and(|c| c.keys().any(|m| is_json_media_type(m)))
        };
        let mut sorted = successes.clone();
        sorted.sort();
        let keep = sorted.iter().find(|c| has_json(c)).unwrap_or(&sorted[0]).clone();
        responses.retain(|code, _| !is_success_status(code) || *code == keep);
        successes.len() - 1
    })
}

/// Follows one `#/components/...` reference inside `components`; anything else is
/// returned as it is.
pub(crate) fn resolve_local<'a>(components: &'a Value, value: &'a Value) -> &'a Value {
    let Some(target) = value.get("$ref").and_then(Value::as_str) else {
        return value;
    };
    target
        .strip_prefix("#/components")
        .and_then(|pointer| components.pointer(pointer))
        .unwrap_or(value)
}

fn is_content_negotiation_header(param: &Value) -> bool {
    let is_header = param.get("in").and_then(Value::as_str) == Some("header");
    let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
    is_header && (name.eq_ignore_ascii_case("accept") || name.eq_ignore_ascii_case("content-type"))
}

/// T4: removes `Accept` and `Content-Type` header parameters (inline or referenced) from
/// paths and operations.
pub(crate) fn drop_accept_and_content_type_params(doc: &mut Value) -> usize {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let mut changed = 0;
    for item in map_values(doc.get_mut("paths")) {
        let mut lists: Vec<&mut Value> = Vec::new();
        let Some(item) = item.as_object_mut() else { continue };
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                lists.push(value);
            } else if HTTP_METHODS.contains(&key.as_str())
                && let Some(params) = value.get_mut("parameters")
            {
                lists.push(params);
            }
        }
        for list in lists {
            let Some(params) = list.as_array_mut() else { continue };
            let before = params.len();
            params.retain(|p| !is_content_negotiation_header(resolve_local(&components, p)));
            changed += before - params.len();
        }
    }
    changed
}

/// The key under which typify's PascalCase names could coincide: letters and digits,
/// compared without case. Wider than typify's own rule, so every real collision is found.
fn collision_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// T5: renames component schemas whose names would become the same Rust type name,
/// and rewrites every `$ref` to them. The first name (in document order) keeps its name;
/// the others get a numeric suffix (`metaCollectionFull_2`).
pub(crate) fn rename_colliding_schemas(doc: &mut Value) -> usize {
    let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else {
        return 0;
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let taken: Vec<String> = schemas.keys().map(|k| collision_key(k)).collect();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for name in schemas.keys() {
        let count = seen.entry(collision_key(name)).or_insert(0);
        *count += 1;
        if *count == 1 {
            continue;
        }
        let mut suffix = *count;
        let mut new_name = format!("{name}_{suffix}");
        while taken.contains(&collision_key(&new_name))
            || renames.values().any(|n| collision_key(n) == collision_key(&new_name))
        {
            suffix += 1;
            new_name = format!("{name}_{suffix}");
        }
        renames.insert(name.clone(), new_name);
    }
    if renames.is_empty() {
        return 0;
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        let old = std::mem::take(schemas);
        for (name, schema) in old {
            let name = renames.get(&name).cloned().unwrap_or(name);
            schemas.insert(name, schema);
        }
    }
    let refs: BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new)| {
            (
                format!("#/components/schemas/{old}"),
                format!("#/components/schemas/{new}"),
            )
        })
        .collect();
    rewrite_refs(doc, &refs);
    renames.len()
}

fn rewrite_refs(value: &mut Value, refs: &BTreeMap<String, String>) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::String(target)) = obj.get_mut("$ref")
                && let Some(new) = refs.get(target.as_str())
            {
                *target = new.clone();
            }
            obj.values_mut().for_each(|v| rewrite_refs(v, refs));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, refs)),
        _ => {}
    }
}

/// T6: `type: number, format: float` loses `format`, so it becomes f64.
pub(crate) fn drop_float_format(doc: &mut Value) -> usize {
    for_each_schema(doc, &mut |schema| {
        let is_float = schema.get("format").and_then(Value::as_str) == Some("float");
        usize::from(is_float && schema.shift_remove("format").is_some())
    })
}

fn flatten_if_unexploded_array(components: &Value, param: &mut Value) -> usize {
    let in_query = param.get("in").and_then(Value::as_str) == Some("query");
    let unexploded = param.get("explode").and_then(Value::as_bool) == Some(false);
    let schema = param.get("schema").map(|s| resolve_local(components, s));
    let is_array = schema.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("array");
    if !(in_query && unexploded && is_array) {
        return 0;
    }
    let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
        return 0;
    };
    let description = schema.get("description").cloned();
    schema.clear();
    schema.insert("type".into(), Value::from("string"));
    if let Some(description) = description {
        schema.insert("description".into(), description);
    }
    1
}

/// T7: an array query parameter with `explode: false` becomes a plain string, so the
/// caller passes `variants,images` and it is sent as one comma-separated value. Array
/// schemas behind a `$ref` (products' `IncludeParamBase`) count too.
pub(crate) fn flatten_unexploded_array_query_params(doc: &mut Value) -> usize {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let mut changed = 0;
    for param in map_values(doc.pointer_mut("/components/parameters")) {
        changed += flatten_if_unexploded_array(&components, param);
    }
    for item in map_values(doc.get_mut("paths")) {
        for param in array_values(item.get_mut("parameters")) {
            changed += flatten_if_unexploded_array(&components, param);
        }
        for method in HTTP_METHODS {
            let Some(op) = item.get_mut(*method) else { continue };
            for param in array_values(op.get_mut("parameters")) {
                changed += flatten_if_unexploded_array(&components, param);
            }
        }
    }
    changed
}

/// T8: removes `minLength: 0`, which constrains nothing.
pub(crate) fn drop_zero_min_length(doc: &mut Value) -> usize {
    for_each_schema(doc, &mut |schema| {
        let is_zero = schema.get("minLength").and_then(Value::as_u64) == Some(0);
        usize::from(is_zero && schema.shift_remove("minLength").is_some())
    })
}

/// T9: object schemas with `properties` and no `additionalProperties` get
/// `additionalProperties: {}`, so generated types keep unknown fields.
pub(crate) fn keep_unknown_fields(doc: &mut Value) -> usize {
    for_each_schema(doc, &mut |schema| {
        if !schema.contains_key("properties") || schema.contains_key("additionalProperties") {
            return 0;
        }
        schema.insert("additionalProperties".into(), Value::Object(Map::new()));
        1
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc_with_schema(schema: Value) -> Value {
        json!({"openapi": "3.0.3", "components": {"schemas": {"S": schema}}, "paths": {}})
    }

    #[test]
    fn t0_strips_format_from_arrays_but_keeps_it_on_numbers() {
        let mut doc = doc_with_schema(json!({
            "type": "object",
            "properties": {
                "amounts": {"type": "array", "format": "double", "items": {"type": "number", "format": "double"}}
            }
        }));
        assert_eq!(strip_format_from_non_scalars(&mut doc), 1);
        assert_eq!(
            doc.pointer("/components/schemas/S/properties/amounts").unwrap(),
            &json!({"type": "array", "items": {"type": "number", "format": "double"}})
        );
    }

    #[test]
    fn t0_ignores_examples_that_look_like_schemas() {
        let mut doc = doc_with_schema(json!({"type": "string", "example": {"type": "array", "format": "x"}}));
        assert_eq!(strip_format_from_non_scalars(&mut doc), 0);
    }

    #[test]
    fn t1_keeps_json_and_drops_multipart_only_operations() {
        let mut doc = json!({"paths": {"/images": {
            "post": {"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {"schema": {}}}}},
            "put": {"operationId": "update", "requestBody": {"content": {
                "application/json": {"schema": {}}, "multipart/form-data": {"schema": {}}
            }}}
        }}});
        // The post's multipart body, the post itself, and the put's multipart alternative.
        assert_eq!(keep_only_json_request_bodies(&mut doc), 3);
        let item = doc.pointer("/paths/~1images").unwrap();
        assert!(item.get("post").is_none());
        assert_eq!(
            item.pointer("/put/requestBody/content").unwrap(),
            &json!({"application/json": {"schema": {}}})
        );
    }

    #[test]
    fn t1_follows_referenced_request_bodies() {
        let mut doc = json!({
            "components": {"requestBodies": {"Upload": {"content": {"multipart/form-data": {"schema": {}}}}}},
            "paths": {"/i": {"post": {"requestBody": {"$ref": "#/components/requestBodies/Upload"}}}}
        });
        assert_eq!(keep_only_json_request_bodies(&mut doc), 2);
        assert!(doc.pointer("/paths/~1i/post").is_none());
    }

    #[test]
    fn t2_drops_every_non_success_response() {
        let mut doc = json!({"paths": {"/o": {"get": {"responses": {
            "200": {"description": "ok"}, "404": {"description": "nf"}, "422": {}, "default": {}
        }}}}});
        assert_eq!(drop_error_responses(&mut doc), 3);
        assert_eq!(
            doc.pointer("/paths/~1o/get/responses").unwrap(),
            &json!({"200": {"description": "ok"}})
        );
    }

    #[test]
    fn t3_keeps_the_lowest_success_with_a_json_body() {
        let mut doc = json!({
            "components": {"responses": {"Ok": {"content": {"application/json": {"schema": {}}}}}},
            "paths": {"/o": {"put": {"responses": {
                "201": {"$ref": "#/components/responses/Ok"},
                "200": {"description": "no body"},
                "207": {"content": {"application/json": {"schema": {}}}}
            }}}}
        });
        assert_eq!(keep_one_success_response(&mut doc), 2);
        let responses = doc.pointer("/paths/~1o/put/responses").unwrap().as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["201"]);
    }

    #[test]
    fn t4_drops_accept_and_content_type_headers_inline_and_referenced() {
        let mut doc = json!({
            "components": {"parameters": {"Accept": {"name": "Accept", "in": "header", "schema": {"type": "string"}}}},
            "paths": {"/o": {
                "parameters": [{"$ref": "#/components/parameters/Accept"}, {"name": "id", "in": "path"}],
                "post": {"parameters": [{"name": "Content-Type", "in": "header"}, {"name": "X-Other", "in": "header"}]}
            }}
        });
        assert_eq!(drop_accept_and_content_type_params(&mut doc), 2);
        assert_eq!(
            doc.pointer("/paths/~1o/parameters").unwrap(),
            &json!([{"name": "id", "in": "path"}])
        );
        assert_eq!(
            doc.pointer("/paths/~1o/post/parameters").unwrap(),
            &json!([{"name": "X-Other", "in": "header"}])
        );
    }

    #[test]
    fn t5_renames_pascal_case_collisions_and_their_refs() {
        let mut doc = json!({
            "components": {"schemas": {
                "metaCollectionFull": {"type": "object"},
                "metaCollection_Full": {"type": "object"},
                "wrapper": {"properties": {"meta": {"$ref": "#/components/schemas/metaCollection_Full"}}}
            }},
            "paths": {}
        });
        assert_eq!(rename_colliding_schemas(&mut doc), 1);
        let names: Vec<_> = doc
            .pointer("/components/schemas")
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(names, ["metaCollectionFull", "metaCollection_Full_2", "wrapper"]);
        assert_eq!(
            doc.pointer("/components/schemas/wrapper/properties/meta/$ref").unwrap(),
            "#/components/schemas/metaCollection_Full_2"
        );
    }

    #[test]
    fn t6_turns_float_into_double_precision() {
        let mut doc = doc_with_schema(json!({"properties": {"price": {"type": "number", "format": "float"}}}));
        assert_eq!(drop_float_format(&mut doc), 1);
        assert_eq!(
            doc.pointer("/components/schemas/S/properties/price").unwrap(),
            &json!({"type": "number"})
        );
    }

    #[test]
    fn t7_flattens_unexploded_array_query_params_only() {
        let mut doc = json!({
            "components": {
                "schemas": {"IncludeParamBase": {"type": "array", "items": {"type": "string", "enum": ["variants", "images"]}}},
                "parameters": {"Include": {
                    "name": "include", "in": "query", "explode": false, "style": "form",
                    "schema": {"$ref": "#/components/schemas/IncludeParamBase"}
                }}
            },
            "paths": {"/p": {"get": {"parameters": [
                {"name": "id:in", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "integer"}}},
                {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
            ]}}}
        });
        assert_eq!(flatten_unexploded_array_query_params(&mut doc), 2);
        assert_eq!(
            doc.pointer("/components/parameters/Include/schema").unwrap(),
            &json!({"type": "string"})
        );
        assert_eq!(
            doc.pointer("/paths/~1p/get/parameters/0/schema").unwrap(),
            &json!({"type": "string"})
        );
        assert_eq!(doc.pointer("/paths/~1p/get/parameters/1/schema/type").unwrap(), "array");
    }

    #[test]
    fn t8_drops_zero_min_length_only() {
        let mut doc = doc_with_schema(json!({"properties": {
            "a": {"type": "string", "minLength": 0}, "b": {"type": "string", "minLength": 1}
        }}));
        assert_eq!(drop_zero_min_length(&mut doc), 1);
        assert_eq!(
            doc.pointer("/components/schemas/S/properties/a").unwrap(),
            &json!({"type": "string"})
        );
    }

    #[test]
    fn t9_keeps_unknown_fields_unless_the_schema_says_otherwise() {
        let mut doc = json!({"components": {"schemas": {
            "Open": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "Closed": {"type": "object", "properties": {"id": {}}, "additionalProperties": false}
        }}});
        assert_eq!(keep_unknown_fields(&mut doc), 1);
        assert_eq!(
            doc.pointer("/components/schemas/Open/additionalProperties").unwrap(),
            &json!({})
        );
        assert_eq!(
            doc.pointer("/components/schemas/Closed/additionalProperties").unwrap(),
            &json!(false)
        );
    }

    #[test]
    fn visitor_reaches_nested_parameter_response_and_body_schemas() {
        let mut doc = json!({
            "components": {"responses": {"R": {"content": {"application/json": {"schema": {"minLength": 0}}}}}},
            "paths": {"/p": {
                "parameters": [{"schema": {"minLength": 0}}],
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": {"allOf": [{"items": {"minLength": 0}}]}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {"oneOf": [{"minLength": 0}]}}}}}
                }
            }}
        });
        assert_eq!(drop_zero_min_length(&mut doc), 4);
    }
}
