//! One HTTP exchange with BigCommerce: paced by the store's rate-limit headers, retried
//! when that is safe, and counted.
//!
//! Retry rules:
//! - `429`: wait the reset time (`X-Rate-Limit-Time-Reset-Ms`, or capped exponential
//!   backoff with jitter when the header is missing) and retry, any method: BigCommerce did
//!   not process the request. Every request to that store waits with it.
//! - `5xx`, timeouts, lost connections: retried with capped exponential backoff for GET,
//!   PUT and DELETE, which are idempotent.
//! - POST: retried only when the connection was never made (nothing reached the server).
//!   Otherwise the error says the create may or may not have happened.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use bigcommerce_api::pacing::RateLimitHeaders;
use bigcommerce_api::{ApiVersion, StoreClient, Transport};
use syncaut_actions::Method;

use crate::ExecError;
use crate::request::PreparedRequest;

/// What it took to get the answers of one step (shared by concurrent page fetches).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) requests: AtomicU32,
    pub(crate) retries: AtomicU32,
    pub(crate) waited_ms: AtomicU64,
    pub(crate) bytes: AtomicU64,
}

impl Stats {
    fn wait(&self, duration: Duration) {
        self.waited_ms
            .fetch_add(duration.as_millis().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }
}

/// A response, read whole.
pub(crate) struct RawAnswer {
    pub(crate) status: u16,
    /// The body as received (no copy).
    pub(crate) body: bytes::Bytes,
    pub(crate) rate: RateLimitHeaders,
    pub(crate) request_id: Option<String>,
}

/// Why a request got no answer.
pub(crate) enum NoAnswer {
    /// A POST that may have reached BigCommerce.
    Uncertain(String),
    /// Anything else, already an error.
    Failed(ExecError),
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// Why an exchange ended without an answer.
enum Failure {
    /// The transport's timeout passed.
    TimedOut,
    /// The connection failed (or timed out while connecting).
    Http(reqwest::Error),
}

fn timed_out(transport: &Transport) -> ExecError {
    ExecError::Timeout {
        seconds: transport.config().timeout.as_secs().max(1),
    }
}

fn transport_error(transport: &Transport, err: &reqwest::Error) -> ExecError {
    let config = transport.config();
    if err.is_timeout() {
        return timed_out(transport);
    }
    ExecError::Connection {
        url: config.base_url().to_owned(),
        reason: root_cause(err),
    }
}

/// Sends `request` to the store, pacing and retrying as the module says.
pub(crate) async fn call(
    transport: &Transport,
    store: &StoreClient,
    version: ApiVersion,
    request: &PreparedRequest,
    stats: &Stats,
) -> Result<RawAnswer, NoAnswer> {
    let policy = transport.config().retry;
    let budget = store.budget();
    let idempotent = request.method != Method::Post;
    let query = request.query_string();
    // The first attempt takes the URL; a retry (rare) builds it again.
    let mut first_url = Some(store.url(version, &request.path, Some(&query)));
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let (mut failures, mut limited) = (0u32, 0u32);
    loop {
        stats.wait(budget.acquire().await);
        stats.requests.fetch_add(1, Ordering::Relaxed);
        let url = first_url
            .take()
            .unwrap_or_else(|| store.url(version, &request.path, Some(&query)));
        let mut builder = store.request(method.clone(), url);
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let exchange = std::pin::pin!(async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let rate = RateLimitHeaders::from_headers(response.headers());
            const REQUEST_ID: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("x-request-id");
            let request_id = response
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            response.bytes().await.map(|body| RawAnswer {
                status,
                body,
                rate,
                request_id,
            })
        });
        // The timeout covers sending and the whole answer.
        let outcome = match store.within_timeout(exchange).await {
            Some(Ok(answer)) => Ok(answer),
            Some(Err(err)) => Err(Failure::Http(err)),
            None => Err(Failure::TimedOut),
        };
        let retry_after = match outcome {
            Ok(answer) => {
                stats.bytes.fetch_add(answer.body.len() as u64, Ordering::Relaxed);
                budget.observe(answer.rate);
                if answer.status == 429 && limited < policy.max_rate_limited {
                    limited += 1;
                    let wait = answer
                        .rate
                        .reset_ms
                        .map_or_else(|| policy.backoff(limited), Duration::from_millis);
                    // Everyone waits for the reset; the next `acquire` does the waiting.
                    budget.exhausted(wait);
                    stats.retries.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if answer.status >= 500 && idempotent && failures < policy.max_retries {
                    failures += 1;
                    policy.backoff(failures)
                } else {
                    return Ok(answer);
                }
            }
            Err(failure) => {
                let never_sent = matches!(&failure, Failure::Http(err) if err.is_connect());
                if (idempotent || never_sent) && failures < policy.max_retries {
                    failures += 1;
                    policy.backoff(failures)
                } else if !idempotent && !never_sent {
                    let what = match failure {
                        Failure::Http(err) if !err.is_timeout() => root_cause(&err),
                        _ => "it timed out".to_owned(),
                    };
                    return Err(NoAnswer::Uncertain(what));
                } else {
                    return Err(NoAnswer::Failed(match failure {
                        Failure::Http(err) => transport_error(transport, &err),
                        Failure::TimedOut => timed_out(transport),
                    }));
                }
            }
        };
        stats.retries.fetch_add(1, Ordering::Relaxed);
        stats.wait(retry_after);
        tokio::time::sleep(retry_after).await;
    }
}
