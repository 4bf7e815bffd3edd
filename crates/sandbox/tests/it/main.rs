//! Tests of the BigCommerce sandbox.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod behaviour;
mod conformance;
mod hostile;

use serde_json::Value;
use syncaut_sandbox::{FULL_ACCESS_TOKEN, Request, Response, STORE_HASH, Sandbox};

/// A request to the seeded store with the full-access token.
pub(crate) fn request(method: &str, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Request {
    Request {
        method: method.into(),
        path: format!("/stores/{STORE_HASH}{path}"),
        query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        token: Some(FULL_ACCESS_TOKEN.into()),
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
    }
}

pub(crate) fn send(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Response {
    sandbox.handle(&request(method, path, query, body))
}
