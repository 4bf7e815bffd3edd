//! The operation index: generated data about every operation of every pinned spec.
//!
//! `cargo xtask codegen` writes one `<module>.index.json` per spec from the document as
//! BigCommerce publishes it (overlays applied, progenitor passes not), so it describes the
//! real API. It is always compiled in, whatever typed-client features are on.
//!
//! ```
//! use bigcommerce_api::ApiVersion;
//! let op = bigcommerce_api::index::find(ApiVersion::V2, "GET", "/orders/{order_id}").unwrap();
//! assert_eq!(op.operation_id, "getOrder");
//! assert!(op.scopes.read_only.iter().any(|s| s == "store_v2_orders_read_only"));
//! ```

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ApiVersion;

/// The index of one spec file.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct SpecIndex {
    /// Rust module (and Cargo feature stem) of the spec's typed client.
    pub module: String,
    /// Path of the upstream file below `reference/`.
    pub file: String,
    /// sha256 of the upstream file the index was built from.
    pub sha256: String,
    /// The spec's title.
    pub title: Option<String>,
    /// V2 or V3.
    pub api_version: ApiVersion,
    /// The OAuth scope table of the spec's security scheme.
    pub scopes: Vec<ScopeEntry>,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
    /// The spec's component schemas, which `$ref`s in operations point into.
    pub schemas: Map<String, Value>,
}

/// One row of a spec's OAuth scope table.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct ScopeEntry {
    /// The control-panel name of the scope group, such as `Orders`.
    pub ui_name: String,
    /// `read-only` or `modify`.
    pub permission: String,
    /// The scope itself, such as `store_v2_orders_read_only`.
    pub scope: String,
}

/// One operation of a spec.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's operationId.
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// V2 or V3.
    pub api_version: ApiVersion,
    /// Path template below the API base, such as `/orders/{order_id}`.
    pub path: String,
    /// The spec's one-line summary.
    pub summary: Option<String>,
    /// Whether the spec marks the operation deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Path-item and operation parameters, merged.
    pub parameters: Vec<Parameter>,
    /// The request body, if the operation takes one.
    pub request_body: Option<RequestBody>,
    /// The lowest 2xx response.
    pub response: Option<Response>,
    /// The scopes that allow this operation.
    pub scopes: OperationScopes,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// One parameter of an operation.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct Parameter {
    /// The name on the wire, such as `id:in`.
    pub name: String,
    /// Path, query, header or cookie.
    pub location: ParamLocation,
    /// Whether the spec requires it.
    pub required: bool,
    /// JSON Schema type (`integer`, `string`, `array` …), if the spec gives one.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// JSON Schema format, if any.
    pub format: Option<String>,
    /// Item type of an array parameter.
    pub items_type: Option<String>,
    /// Allowed values (of the items, for arrays).
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    /// Inclusive minimum.
    pub minimum: Option<f64>,
    /// Inclusive maximum.
    pub maximum: Option<f64>,
    /// Serialisation style, such as `form`.
    pub style: Option<String>,
    /// Whether array values repeat the parameter (`false`: comma-separated).
    pub explode: Option<bool>,
    /// The spec's description.
    pub description: Option<String>,
}

/// The JSON request body of an operation.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct RequestBody {
    /// Whether a body is required.
    pub required: bool,
    /// The media types the spec accepts.
    pub media_types: Vec<String>,
    /// The JSON schema (may contain `$ref`s; see [`SpecIndex::resolve`]).
    pub schema: Option<Value>,
    /// Whether the body is a JSON array of objects (as in V3 customers).
    pub is_array: bool,
    /// Fields the spec requires in the (item) object.
    pub required_fields: Vec<String>,
}

/// The success response of an operation.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The lowest 2xx status.
    pub status: u16,
    /// Other 2xx statuses the spec lists.
    pub other_statuses: Vec<u16>,
    /// The JSON schema (may contain `$ref`s).
    pub schema: Option<Value>,
    /// The spec's example of this response, if it gives one.
    pub example: Option<Value>,
}

/// The OAuth scopes that allow an operation.
#[derive(Debug, Deserialize)]
#[non_exhaustive]
pub struct OperationScopes {
    /// Read-only scopes (listed for reads only).
    pub read_only: Vec<String>,
    /// Modify scopes.
    pub modify: Vec<String>,
}

impl OperationScopes {
    /// Whether `scope` allows the operation.
    pub fn allows(&self, scope: &str) -> bool {
        self.read_only.iter().chain(&self.modify).any(|s| s == scope)
    }
}

/// A set of spec indexes: the pinned ones ([`pinned`]), or others built from a newer
/// release of the specs (what `cargo xtask specs diff` checks the registry against).
#[derive(Debug)]
pub struct Specs(Vec<SpecIndex>);

impl Specs {
    /// Indexes read from their JSON text (as `cargo xtask codegen` writes them).
    pub fn from_sources<S: AsRef<str>>(sources: &[S]) -> Result<Self, serde_json::Error> {
        sources
            .iter()
            .map(|source| serde_json::from_str(source.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Every spec's index.
    pub fn all(&self) -> &[SpecIndex] {
        &self.0
    }

    /// The operation with this API version, method and path template.
    pub fn find(&self, version: ApiVersion, method: &str, path: &str) -> Option<&Operation> {
        self.find_with_spec(version, method, path).map(|(_, op)| op)
    }

    /// Like [`Self::find`], with the spec the operation belongs to (to resolve its `$ref`s).
    pub fn find_with_spec(&self, version: ApiVersion, method: &str, path: &str) -> Option<(&SpecIndex, &Operation)> {
        self.0.iter().filter(|s| s.api_version == version).find_map(|spec| {
            spec.operations
                .iter()
                .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == path)
                .map(|op| (spec, op))
        })
    }

    /// The operation a concrete path (`/catalog/products/174`, no query) and method call:
    /// each `{placeholder}` of a template takes one non-empty segment, and where several
    /// templates match, the one with the most literal segments wins (`/orders/count` over
    /// `/orders/{order_id}`).
    pub fn match_path(&self, version: ApiVersion, method: &str, path: &str) -> Option<(&SpecIndex, &Operation)> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let literal_matches = |template: &str| -> Option<usize> {
            let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some(literals)
        };
        self.0
            .iter()
            .filter(|s| s.api_version == version)
            .flat_map(|spec| spec.operations.iter().map(move |op| (spec, op)))
            .filter(|(_, op)| op.method.eq_ignore_ascii_case(method))
            .filter_map(|(spec, op)| literal_matches(&op.path).map(|score| (score, spec, op)))
            .max_by_key(|(score, _, _)| *score)
            .map(|(_, spec, op)| (spec, op))
    }

    /// The operation with this operationId, with its spec.
    pub fn by_operation_id(&self, operation_id: &str) -> Option<(&SpecIndex, &Operation)> {
        self.0.iter().find_map(|spec| {
            spec.operations
                .iter()
                .find(|op| op.operation_id == operation_id)
                .map(|op| (spec, op))
        })
    }
}

/// The indexes of the pinned specs, parsed once.
pub fn pinned() -> &'static Specs {
    static SPECS: OnceLock<Specs> = OnceLock::new();
    // The files are generated and tested (`every_generated_index_parses`), not input.
    SPECS.get_or_init(|| {
        Specs::from_sources(crate::generated::INDEX_SOURCES)
            .expect("generated operation index is valid; run `cargo xtask codegen`")
    })
}

/// Every pinned spec's index.
pub fn specs() -> &'static [SpecIndex] {
    pinned().all()
}

/// The operation with this API version, method and path template.
pub fn find(version: ApiVersion, method: &str, path: &str) -> Option<&'static Operation> {
    pinned().find(version, method, path)
}

/// Like [`find`], with the spec the operation belongs to (to resolve its `$ref`s).
pub fn find_with_spec(
    version: ApiVersion,
    method: &str,
    path: &str,
) -> Option<(&'static SpecIndex, &'static Operation)> {
    pinned().find_with_spec(version, method, path)
}

/// The operation with this operationId, with its spec.
pub fn by_operation_id(operation_id: &str) -> Option<(&'static SpecIndex, &'static Operation)> {
    pinned().by_operation_id(operation_id)
}

impl Operation {
    /// The parameter with this wire name and location.
    pub fn parameter(&self, name: &str, location: ParamLocation) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name && p.location == location)
    }
}

impl SpecIndex {
    /// The schema with every `#/components/schemas/…` reference replaced by its target.
    /// A reference back into a schema that is already being expanded (a recursive type,
    /// such as a category tree) is left as `{"$ref": …}` so the result stays finite.
    pub fn resolve(&self, schema: &Value) -> Value {
        self.resolve_inner(schema, &mut BTreeSet::new())
    }

    fn resolve_inner(&self, schema: &Value, expanding: &mut BTreeSet<String>) -> Value {
        match schema {
            Value::Object(obj) => {
                if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
                    let name = target.strip_prefix("#/components/schemas/");
                    let Some((name, resolved)) = name.and_then(|n| self.schemas.get(n).map(|s| (n, s))) else {
                        return schema.clone();
                    };
                    if !expanding.insert(name.to_owned()) {
                        return schema.clone();
                    }
                    let out = self.resolve_inner(resolved, expanding);
                    expanding.remove(name);
                    return out;
                }
                Value::Object(
                    obj.iter()
                        .map(|(k, v)| (k.clone(), self.resolve_inner(v, expanding)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.resolve_inner(v, expanding)).collect()),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_generated_index_parses_and_names_its_operations() {
        let specs = specs();
        assert_eq!(specs.len(), crate::SPECS.len());
        for spec in specs {
            assert!(!spec.operations.is_empty(), "{}", spec.module);
            // The webhooks spec says "OAuth scopes: None required" (the default scope of an
            // API account manages webhooks); every other spec has a scope table.
            if spec.module != "webhooks" {
                assert!(!spec.scopes.is_empty(), "{} lists no scopes", spec.module);
            }
        }
    }

    #[test]
    fn finds_the_operations_the_actions_use() {
        let get_products = find(ApiVersion::V3, "GET", "/catalog/products").unwrap();
        assert_eq!(get_products.operation_id, "getProducts");
        let include = get_products.parameter("include", ParamLocation::Query).unwrap();
        assert_eq!(include.type_name.as_deref(), Some("array"));
        assert_eq!(include.explode, Some(false));
        let create = find(ApiVersion::V3, "POST", "/customers").unwrap();
        let body = create.request_body.as_ref().unwrap();
        assert!(body.is_array);
        assert_eq!(body.required_fields, ["email", "first_name", "last_name"]);
        assert!(!create.scopes.allows("store_v2_customers_read_only"));
        assert!(create.scopes.allows("store_v2_customers"));
        assert!(find(ApiVersion::V2, "GET", "/catalog/products").is_none());
    }

    #[test]
    fn resolve_inlines_refs_and_stops_at_recursion() {
        let spec: SpecIndex = serde_json::from_value(json!({
            "module": "m", "file": "f", "sha256": "", "title": null, "api_version": "v3",
            "scopes": [], "operations": [],
            "schemas": {
                "Id": {"type": "integer"},
                "Node": {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
            }
        }))
        .unwrap();
        let resolved = spec.resolve(&json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(resolved["properties"]["id"], json!({"type": "integer"}));
        assert_eq!(
            resolved["properties"]["children"]["items"],
            json!({"$ref": "#/components/schemas/Node"})
        );
    }
}
