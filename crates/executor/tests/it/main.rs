//! End-to-end tests of the executor against a mock BigCommerce that checks every request.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod actions;
mod docs;
mod errors;
mod faults;
mod more_actions;
mod prism;
mod properties;
mod secrecy;
mod templates;

use bigcommerce_api::{SecretString, Stats, TransportConfig, USER_AGENT};
use httpmock::prelude::*;
use serde_json::{Value, json};
use syncaut_executor::{CredentialSource, CredentialStore, ExecError, Executor, NoCredentials, Step, StepOutputs};

/// The token every test uses; no output, snapshot or error may contain it.
pub(crate) const TOKEN: &str = "SENTINEL-tok-5f1e-never-print";
pub(crate) const STORE: &str = "abc123";

/// A step checked as a user would configure it.
pub(crate) fn try_step(action: &str, params: Value) -> Result<Step, ExecError> {
    Step::new(
        "step",
        action,
        STORE,
        CredentialSource::Token(SecretString::from(TOKEN)),
        &params.as_object().cloned().unwrap_or_default(),
    )
}

pub(crate) fn step(action: &str, params: Value) -> Step {
    try_step(action, params).unwrap()
}

/// Runs a step and returns its envelope as JSON.
pub(crate) async fn execute(
    executor: &Executor,
    step: &Step,
    outputs: &StepOutputs,
    credentials: &dyn CredentialStore,
) -> Result<Value, ExecError> {
    executor
        .execute(step, outputs, credentials, &Stats::default())
        .await
        .map(|output| output.to_value())
}

/// The transport the tests use: BigCommerce's behaviour, with backoff shortened so that
/// retries do not slow the suite down (the retry counts are the production ones).
pub(crate) fn config(base_url: &str) -> TransportConfig {
    let mut config = TransportConfig::new(base_url).unwrap();
    config.retry.base_delay = std::time::Duration::from_millis(2);
    config.retry.max_delay = std::time::Duration::from_millis(20);
    // A 429 is waited out until the step's deadline; tests give up after three seconds.
    config.step_deadline = std::time::Duration::from_secs(3);
    config
}

pub(crate) fn executor(server: &MockServer) -> Executor {
    Executor::new(&config(&server.base_url())).unwrap()
}

pub(crate) async fn run_with(server: &MockServer, step: &Step, outputs: &StepOutputs) -> Result<Value, ExecError> {
    execute(&executor(server), step, outputs, &NoCredentials).await
}

pub(crate) async fn run(server: &MockServer, action: &str, params: Value) -> Result<Value, ExecError> {
    run_with(server, &try_step(action, params)?, &StepOutputs::new()).await
}

/// The decoded query pairs of a request, sorted.
pub(crate) fn query_pairs(req: &httpmock::HttpMockRequest) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://x{}", req.uri_str())).unwrap();
    let mut pairs: Vec<_> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// What the mock insists on.
pub(crate) struct Expect {
    pub(crate) method: httpmock::Method,
    /// Below `/stores/abc123`.
    pub(crate) path: &'static str,
    pub(crate) query: &'static [(&'static str, &'static str)],
    pub(crate) body: Option<Value>,
}

/// Mocks exactly one request (method, path, exact query, token, accept, user agent,
/// content type and exact body), runs the action, asserts the mock was hit once, and
/// returns the output envelope.
pub(crate) async fn exchange(
    action: &str,
    params: Value,
    expect: Expect,
    status: u16,
    response: Option<Value>,
) -> Value {
    exchange_after(action, params, None, expect, status, response).await
}

/// A lookup the action makes before its own request: path below `/stores/abc123`, exact
/// query, and the answer.
pub(crate) struct Lookup {
    pub(crate) path: &'static str,
    pub(crate) query: &'static [(&'static str, &'static str)],
    pub(crate) answer: Value,
}

/// [`exchange`], for an action that first looks something up (checked, exactly once).
pub(crate) async fn exchange_after(
    action: &str,
    params: Value,
    lookup: Option<Lookup>,
    expect: Expect,
    status: u16,
    response: Option<Value>,
) -> Value {
    let server = MockServer::start_async().await;
    let looked_up = match lookup {
        Some(lookup) => {
            let mut wanted: Vec<(String, String)> = lookup
                .query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            wanted.sort();
            let mock = server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(format!("/stores/{STORE}{}", lookup.path))
                        .header("x-auth-token", TOKEN)
                        .is_true(move |req| query_pairs(req) == wanted);
                    then.status(200).json_body(lookup.answer);
                })
                .await;
            Some(mock)
        }
        None => None,
    };
    let mut wanted: Vec<(String, String)> = expect
        .query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    wanted.sort();
    let mock = server
        .mock_async(|when, then| {
            let when = when
                .method(expect.method)
                .path(format!("/stores/{STORE}{}", expect.path))
                .header("x-auth-token", TOKEN)
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .is_true(move |req| query_pairs(req) == wanted);
            match &expect.body {
                Some(body) => {
                    when.header("content-type", "application/json").json_body(body.clone());
                }
                None => {
                    when.is_true(|req| req.body().is_empty()).header_missing("content-type");
                }
            }
            let then = then.status(status);
            if let Some(response) = response {
                then.header("content-type", "application/json").json_body(response);
            }
        })
        .await;
    let output = run(&server, action, params).await.unwrap();
    mock.assert_async().await;
    if let Some(looked_up) = looked_up {
        looked_up.assert_async().await;
    }
    assert!(!output.to_string().contains(TOKEN));
    assert_eq!(output["action"], action);
    assert_eq!(output["storeHash"], STORE);
    output
}

pub(crate) fn v3_page(data: Value, total: u64) -> Value {
    let count = data.as_array().map_or(0, Vec::len);
    json!({"data": data, "meta": {"pagination": {"total": total, "count": count, "per_page": 50, "current_page": 1, "total_pages": 1, "links": {"current": "?page=1&limit=50"}}}})
}
