//! The one send path: every request to BigCommerce (actions, typed clients, credential
//! checks) goes through [`StoreClient::send`], which
//!
//! - waits for the store's rate budget ([`crate::pacing`]) within the step's deadline;
//! - bounds each attempt by the request timeout, and its answer by
//!   [`TransportConfig::max_response_bytes`](crate::TransportConfig);
//! - refuses redirects: BigCommerce's REST API does not redirect, and following one would
//!   carry the token (or a write) to wherever it points;
//! - retries as [`crate::retry::decide`] says, never repeating a create (POST) that may
//!   have arrived; PUT and DELETE are idempotent and may be sent again, and an answer says
//!   when it is to a repeat ([`Answer::repeated`]).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, LOCATION};
use reqwest::{Method, Url};
use thiserror::Error;

use crate::StoreClient;
use crate::pacing::RateLimitHeaders;
use crate::retry::{Decision, Outcome, Tally, decide, jitter};

/// What it took to get the answers of one step (shared by concurrent page fetches), and
/// the step's place in its store's queue.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU32,
    retries: AtomicU32,
    waited_ms: AtomicU64,
    bytes: AtomicU64,
    priority: Option<u64>,
}

/// A copy of [`Stats`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Requests sent, retries included.
    pub requests: u32,
    /// Requests sent again after a 429, a 5xx or a failure.
    pub retries: u32,
    /// Time spent waiting for rate limits and backoff, in milliseconds.
    pub waited_ms: u64,
    /// Response bytes received.
    pub bytes: u64,
}

impl Stats {
    /// The statistics of a step whose requests queue for the store's budget by
    /// `priority` (smaller first) instead of by arrival: a run's steps use the time the
    /// run was submitted, so that under a busy quota older runs finish first.
    pub fn with_priority(priority: u64) -> Self {
        Self {
            priority: Some(priority),
            ..Self::default()
        }
    }

    fn waited(&self, duration: Duration) {
        self.waited_ms
            .fetch_add(duration.as_millis().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    /// Adds the figures of another part of the same step (pages fetched by other tasks).
    pub fn add(&self, other: &StatsSnapshot) {
        self.requests.fetch_add(other.requests, Ordering::Relaxed);
        self.retries.fetch_add(other.retries, Ordering::Relaxed);
        self.waited_ms.fetch_add(other.waited_ms, Ordering::Relaxed);
        self.bytes.fetch_add(other.bytes, Ordering::Relaxed);
    }

    /// The figures so far.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            waited_ms: self.waited_ms.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// One step's share of the transport: its statistics and its deadline.
#[derive(Debug)]
pub struct Call<'a> {
    /// Where the step's requests are counted.
    pub stats: &'a Stats,
    /// When the step must be done, waits and retries included.
    pub deadline: Instant,
    /// The step's deadline as configured, for messages.
    pub budget: Duration,
    /// Its place in the store's queue for quota: smaller goes first (see
    /// [`Stats::with_priority`]); by default, the time it was made.
    pub priority: u64,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

impl<'a> Call<'a> {
    /// A call that must finish within `budget` from now.
    pub fn new(stats: &'a Stats, budget: Duration) -> Self {
        Self {
            stats,
            deadline: Instant::now() + budget,
            budget,
            priority: stats.priority.unwrap_or_else(now_ms),
        }
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn exceeded(&self, waiting_for: &'static str) -> SendError {
        SendError::DeadlineExceeded {
            seconds: self.budget.as_secs().max(1),
            waiting_for,
        }
    }
}

/// A response, read whole (within the size limit).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Bytes,
    /// Whether it answers a request sent again after an attempt that may have reached the
    /// server (a lost answer, a timeout, a 5xx): a repeated DELETE then finds nothing.
    pub repeated: bool,
}

impl Answer {
    /// The rate-limit headers.
    pub fn rate(&self) -> RateLimitHeaders {
        RateLimitHeaders::from_headers(&self.headers)
    }

    /// `X-Request-Id`, for BigCommerce's support.
    pub fn request_id(&self) -> Option<&str> {
        const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
        self.headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok())
    }
}

/// Why a request got no usable answer. Messages never hold the token or a query string.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// A write that may have reached BigCommerce got no answer; it is not repeated.
    #[error("the request may or may not have reached BigCommerce ({reason})")]
    Uncertain {
        /// What happened instead of an answer.
        reason: String,
    },
    /// One attempt took longer than the request timeout (after retries, if any).
    #[error("BigCommerce did not answer within {seconds} s")]
    Timeout {
        /// The timeout that ran out.
        seconds: u64,
    },
    /// No connection could be made, or it broke.
    #[error("could not reach {url}: {reason}")]
    Connection {
        /// The API base URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with a redirect, which is never followed.
    #[error("the server answered {status} redirecting to {location}, which is not followed")]
    Redirected {
        /// The 3xx status.
        status: u16,
        /// Where it pointed: origin and path, without query or credentials.
        location: String,
    },
    /// The answer was larger than the limit.
    #[error("the answer is larger than {limit_mib} MiB")]
    TooLarge {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// The step's deadline passed, or would pass while waiting.
    #[error("the step's deadline of {seconds} s passed while {waiting_for}")]
    DeadlineExceeded {
        /// The deadline.
        seconds: u64,
        /// What it was waiting for.
        waiting_for: &'static str,
    },
}

impl SendError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Uncertain { .. } => "uncertain_write",
            Self::Timeout { .. } => "timeout",
            Self::Connection { .. } => "connection_failed",
            Self::Redirected { .. } => "redirect_refused",
            Self::TooLarge { .. } => "response_too_large",
            Self::DeadlineExceeded { .. } => "deadline_exceeded",
        }
    }
}

/// Why one attempt ended without an answer.
enum Failure {
    Http(reqwest::Error),
    Redirected { status: u16, location: String },
    TooLarge,
}

/// The root cause of an error chain, which says what actually failed.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// Where a redirect pointed, fit to show: origin and path only.
fn shown_location(headers: &HeaderMap, request: &Url) -> String {
    let Some(text) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return "(no location)".into();
    };
    match request.join(text) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => "(an unreadable location)".into(),
    }
}

/// How often a request waiting for quota asks the budget again.
const RECHECK: Duration = Duration::from_millis(100);

impl StoreClient {
    /// Sends a request of this store (from [`Self::request`] or a typed client) as the
    /// module says, and reads its answer.
    pub async fn send(&self, request: reqwest::Request, call: &Call<'_>) -> Result<Answer, SendError> {
        let config = self.transport().config();
        let policy = config.retry;
        let idempotent = !matches!(*request.method(), Method::POST | Method::PATCH);
        let mut tally = Tally::default();
        // Whether an attempt so far may have reached the server.
        let mut repeated = false;
        let mut next = Some(request);
        while let Some(request) = next.take() {
            self.wait_for_quota(call).await?;
            let remaining = call.remaining();
            if remaining.is_zero() {
                return Err(call.exceeded("sending"));
            }
            // A copy for a retry, made before the request is consumed: the body is bytes,
            // so this copies the URL and headers and shares the body.
            let again = request.try_clone();
            call.stats.requests.fetch_add(1, Ordering::Relaxed);
            let limit = config.timeout.min(remaining);
            let attempt = tokio::time::timeout(limit, self.attempt(request)).await;
            let (outcome, result) = match attempt {
                Ok(Ok(mut answer)) => {
                    answer.repeated = repeated;
                    call.stats.bytes.fetch_add(answer.body.len() as u64, Ordering::Relaxed);
                    let rate = answer.rate();
                    self.budget().observe(&rate);
                    let outcome = Outcome::Answered {
                        status: answer.status,
                        reset: rate.reset(),
                    };
                    (outcome, Ok(answer))
                }
                Ok(Err(Failure::Redirected { status, location })) => {
                    return Err(SendError::Redirected { status, location });
                }
                Ok(Err(Failure::TooLarge)) => {
                    let limit_mib = config.max_response_bytes.div_ceil(1024 * 1024);
                    return Err(SendError::TooLarge { limit_mib });
                }
                Ok(Err(Failure::Http(err))) => {
                    self.budget().unanswered();
                    let outcome = if err.is_connect() {
                        Outcome::NotConnected
                    } else {
                        Outcome::Lost
                    };
                    let error = if err.is_timeout() {
                        SendError::Timeout {
                            seconds: config.timeout.as_secs().max(1),
                        }
                    } else {
                        SendError::Connection {
                            url: config.base_url().to_owned(),
                            reason: root_cause(&err),
                        }
                    };
                    (outcome, Err(error))
                }
                Err(_) if limit < config.timeout => {
                    self.budget().unanswered();
                    (Outcome::TimedOut, Err(call.exceeded("waiting for an answer")))
                }
                Err(_) => {
                    self.budget().unanswered();
                    (
                        Outcome::TimedOut,
                        Err(SendError::Timeout {
                            seconds: config.timeout.as_secs().max(1),
                        }),
                    )
                }
            };
            match decide(&policy, idempotent, outcome, tally, jitter()) {
                Decision::Stop => return result,
                Decision::Uncertain => {
                    let reason = match (&outcome, &result) {
                        (Outcome::TimedOut, _) => "it timed out".to_owned(),
                        (_, Err(err)) => err.to_string(),
                        (_, Ok(_)) => "no answer".to_owned(),
                    };
                    return Err(SendError::Uncertain { reason });
                }
                Decision::Retry(wait) => {
                    if wait >= call.remaining() {
                        return result;
                    }
                    repeated |= !matches!(outcome, Outcome::NotConnected);
                    tally.failures += 1;
                    call.stats.retries.fetch_add(1, Ordering::Relaxed);
                    call.stats.waited(wait);
                    tokio::time::sleep(wait).await;
                }
                Decision::WaitForQuota(wait) => {
                    if wait >= call.remaining() {
                        // The 429 itself is the answer: the reset is beyond the deadline.
                        return result;
                    }
                    tally.rate_limited += 1;
                    call.stats.retries.fetch_add(1, Ordering::Relaxed);
                    // Everyone waits for the reset; the next `wait_for_quota` does it.
                    self.budget().exhausted(wait);
                }
            }
            match again {
                Some(again) => next = Some(again),
                None => return result,
            }
        }
        Err(SendError::Connection {
            url: config.base_url().to_owned(),
            reason: "the request could not be sent again".into(),
        })
    }

    /// Waits until the store's budget allows one more request, within the deadline. The
    /// store's requests take their turn by priority (a run's submission time; otherwise
    /// arrival), so that under a busy quota none starves and older runs finish first.
    async fn wait_for_quota(&self, call: &Call<'_>) -> Result<(), SendError> {
        let max_wait = self.transport().config().retry.max_rate_wait;
        let asked = Instant::now();
        let Ok(_turn) = tokio::time::timeout(call.remaining(), self.turn().acquire(call.priority)).await else {
            call.stats.waited(asked.elapsed());
            return Err(call.exceeded("waiting for the store's rate limit to reset"));
        };
        call.stats.waited(asked.elapsed());
        loop {
            let Err(wait) = self.budget().take().await else {
                return Ok(());
            };
            let wait = wait.min(max_wait);
            if wait >= call.remaining() {
                return Err(call.exceeded("waiting for the store's rate limit to reset"));
            }
            // The budget is asked again at least every RECHECK: answers to requests in
            // flight may say that quota is left sooner than the wait assumed.
            let nap = wait.min(RECHECK);
            call.stats.waited(nap);
            tokio::time::sleep(nap).await;
        }
    }

    /// One exchange: send, refuse a redirect, read the answer within the size limit.
    async fn attempt(&self, request: reqwest::Request) -> Result<Answer, Failure> {
        let url = request.url().clone();
        let mut response = self.transport().http().execute(request).await.map_err(Failure::Http)?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(Failure::Redirected {
                status,
                location: shown_location(response.headers(), &url),
            });
        }
        let headers = std::mem::take(response.headers_mut());
        let limit = self.transport().config().max_response_bytes;
        if response.content_length().is_some_and(|length| length > limit) {
            return Err(Failure::TooLarge);
        }
        let body = read_bounded(&mut response, limit).await?;
        Ok(Answer {
            status,
            headers,
            body,
            repeated: false,
        })
    }
}

/// Reads a body whole, failing as soon as it passes `limit` bytes. A body in one piece
/// (the common case) is kept as it arrived, without a copy.
async fn read_bounded(response: &mut reqwest::Response, limit: u64) -> Result<Bytes, Failure> {
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(Failure::Http)? {
        total += chunk.len() as u64;
        if total > limit {
            return Err(Failure::TooLarge);
        }
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            None => joined.extend_from_slice(&chunk),
            Some(earlier) => {
                joined.reserve(earlier.len() + chunk.len());
                joined.extend_from_slice(&earlier);
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(joined)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_location_is_shown_without_query_or_credentials() {
        let request = Url::parse("http://127.0.0.1:9/stores/abc/v3/catalog/products?page=2").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            LOCATION,
            "http://user:pw@evil.example:8443/steal?token=SECRET#x".parse().unwrap(),
        );
        assert_eq!(shown_location(&headers, &request), "http://evil.example:8443/steal");
        headers.insert(LOCATION, "/v4/products?a=1".parse().unwrap());
        assert_eq!(shown_location(&headers, &request), "http://127.0.0.1:9/v4/products");
        assert_eq!(shown_location(&HeaderMap::new(), &request), "(no location)");
    }

    #[test]
    fn errors_have_stable_codes() {
        let codes: Vec<&str> = [
            SendError::Uncertain { reason: String::new() },
            SendError::Timeout { seconds: 1 },
            SendError::Connection {
                url: String::new(),
                reason: String::new(),
            },
            SendError::Redirected {
                status: 301,
                location: String::new(),
            },
            SendError::TooLarge { limit_mib: 1 },
            SendError::DeadlineExceeded {
                seconds: 1,
                waiting_for: "x",
            },
        ]
        .iter()
        .map(SendError::code)
        .collect();
        assert_eq!(
            codes,
            [
                "uncertain_write",
                "timeout",
                "connection_failed",
                "redirect_refused",
                "response_too_large",
                "deadline_exceeded"
            ]
        );
    }
}
