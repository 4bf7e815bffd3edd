//! `api_request`: a request the user describes, checked against the operation index of
//! the pinned specs before anything is sent. The method and path must be an operation
//! BigCommerce documents; the path stays below the store's API base (no `..`, no query,
//! no characters that could change its shape), so neither the host nor the store can
//! change.

use bigcommerce_api::ApiVersion;
use bigcommerce_api::index::{self, Operation, SpecIndex};
use serde_json::Value;
use syncaut_actions::{Method, Scope};

use crate::ExecError;
use crate::params::ValidatedParams;
use crate::request::PreparedRequest;

/// The longest path taken.
const MAX_PATH: usize = 1000;

/// The request and the operation it calls.
pub(crate) struct Resolved {
    pub(crate) request: PreparedRequest,
    pub(crate) operation: &'static Operation,
    pub(crate) spec: &'static SpecIndex,
}

fn invalid(key: &str, message: String) -> ExecError {
    ExecError::InvalidParam {
        key: key.to_owned(),
        message,
    }
}

/// The method as the registry names it.
fn method(text: &str) -> Option<Method> {
    match text {
        "GET" => Some(Method::Get),
        "POST" => Some(Method::Post),
        "PUT" => Some(Method::Put),
        "DELETE" => Some(Method::Delete),
        _ => None,
    }
}

/// The API version and the path below it, checked: `/v3/catalog/products/174` →
/// (V3, `/catalog/products/174`).
pub(crate) fn split_path(path: &str) -> Result<(ApiVersion, String), ExecError> {
    let path = path.trim();
    if path.len() > MAX_PATH {
        return Err(invalid("path", format!("must be at most {MAX_PATH} characters")));
    }
    let (version, rest) = if let Some(rest) = path.strip_prefix("/v3/") {
        (ApiVersion::V3, rest)
    } else if let Some(rest) = path.strip_prefix("/v2/") {
        (ApiVersion::V2, rest)
    } else {
        return Err(invalid(
            "path",
            format!(
                "must start with /v2/ or /v3/ (the store's API base is added), such as /v3/catalog/brands; got {:?}",
                path.chars().take(60).collect::<String>()
            ),
        ));
    };
    for segment in rest.split('/') {
        let safe = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | ':' | ','));
        if !safe {
            return Err(invalid(
                "path",
                format!(
                    "segment {:?} is not allowed: each part between slashes is letters, digits and - _ . ~ : , (filters go in Query)",
                    segment.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    Ok((version, format!("/{rest}")))
}

/// The query pairs of the `query` object: text, numbers and booleans as they are, lists
/// comma-separated.
fn query_pairs(query: Option<&Value>) -> Result<Vec<(String, String)>, ExecError> {
    let Some(query) = query else { return Ok(Vec::new()) };
    let Value::Object(object) = query else {
        return Err(invalid("query", "must be a JSON object of name → value".into()));
    };
    let scalar = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut pairs = Vec::with_capacity(object.len());
    for (name, value) in object {
        let text = match value {
            Value::Array(items) => items
                .iter()
                .map(scalar)
                .collect::<Option<Vec<_>>>()
                .map(|t| t.join(",")),
            other => scalar(other),
        };
        let text = text.ok_or_else(|| {
            invalid(
                "query",
                format!("`{name}` must be text, a number, true/false or a list of them"),
            )
        })?;
        pairs.push((name.clone(), text));
    }
    Ok(pairs)
}

/// Checks the request against the operation index and builds it.
pub(crate) fn resolve(params: &ValidatedParams) -> Result<Resolved, ExecError> {
    let method_text = params.get("method").and_then(Value::as_str).unwrap_or("GET");
    let method = method(method_text).ok_or_else(|| invalid("method", "must be GET, POST, PUT or DELETE".into()))?;
    let path_text = params.get("path").and_then(Value::as_str).unwrap_or_default();
    let (api_version, path) = split_path(path_text)?;
    let (spec, operation) = index::pinned()
        .match_path(api_version, method_text, &path)
        .ok_or_else(|| unknown_operation(method_text, api_version, &path))?;
    let body = params.get("body").cloned();
    if body.is_some() && matches!(method, Method::Get | Method::Delete) {
        return Err(invalid(
            "body",
            format!("a {method_text} request has no body; leave Body empty"),
        ));
    }
    if body.is_none() && operation.request_body.as_ref().is_some_and(|b| b.required) {
        return Err(ExecError::Required {
            key: "body",
            hint: format!(
                "{method_text} {} ({}) takes a JSON body; fill in Body",
                operation.path,
                operation.summary.as_deref().unwrap_or(&operation.operation_id)
            ),
        });
    }
    let request = PreparedRequest {
        method,
        api_version,
        path,
        query: query_pairs(params.get("query"))?,
        body,
    };
    Ok(Resolved {
        request,
        operation,
        spec,
    })
}

#[cold]
fn unknown_operation(method: &str, version: ApiVersion, path: &str) -> ExecError {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    let mut near: Vec<String> = index::specs()
        .iter()
        .filter(|s| s.api_version == version)
        .flat_map(|s| s.operations.iter())
        .filter(|op| op.path.trim_start_matches('/').split('/').next() == Some(first))
        .map(|op| format!("{} /{}{}", op.method, version.as_str(), op.path))
        .collect();
    near.sort();
    near.dedup();
    near.truncate(8);
    let hint = if near.is_empty() {
        "check the path against BigCommerce's API reference".to_owned()
    } else {
        format!("operations nearby: {}", near.join(", "))
    };
    invalid(
        "path",
        format!(
            "{method} /{}{path} is not an operation of BigCommerce's pinned specs; {hint}",
            version.as_str()
        ),
    )
}

/// The scope an operation needs for this method: the read-only one for a read, the
/// modify one otherwise, labelled as the spec's scope list names it (`Products`).
pub(crate) fn scope(resolved: &Resolved) -> Scope {
    operation_scope(resolved.spec, resolved.operation, resolved.request.method)
}

fn operation_scope(spec: &'static SpecIndex, operation: &'static Operation, method: Method) -> Scope {
    let scopes = &operation.scopes;
    let name: &'static str = if method == Method::Get {
        scopes.read_only.first().or(scopes.modify.first())
    } else {
        scopes.modify.first()
    }
    .map_or("", String::as_str);
    let label: &'static str = spec
        .scopes
        .iter()
        .find(|entry| entry.scope == name)
        .map_or(name, |entry| entry.ui_name.as_str());
    Scope { name, label }
}

/// `GET /v3/catalog/brands (Get All Brands), needs Brands (store_v2_products_read_only)`:
/// what a preview shows of a request of your own, when its method and path are known.
pub(crate) fn describe_call(method_text: &str, path: &str) -> Option<String> {
    let method = method(method_text)?;
    let (version, below) = split_path(path).ok()?;
    let (spec, operation) = index::pinned().match_path(version, method_text, &below)?;
    let scope = operation_scope(spec, operation, method);
    Some(format!(
        "{} /{}{}{}, needs {} ({})",
        operation.method,
        version.as_str(),
        operation.path,
        operation
            .summary
            .as_ref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default(),
        scope.label,
        scope.name
    ))
}
