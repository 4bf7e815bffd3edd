//! Pacing by BigCommerce's rate-limit headers, per store, shared by every request of a
//! process (all steps, all concurrent pages).
//!
//! BigCommerce tells each caller its remaining quota (`X-Rate-Limit-Requests-Left`) and
//! when the window resets (`X-Rate-Limit-Time-Reset-Ms`). A request takes one unit of the
//! known remaining quota before it is sent; when none is left, it waits for the reset
//! instead of earning a 429. A 429 empties the budget for everyone until its reset.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName};

/// What BigCommerce last said about one store's quota.
#[derive(Debug, Default)]
struct Budget {
    /// Requests left in the current window, minus those sent and not yet answered.
    left: Option<u32>,
    /// When the current window resets.
    reset_at: Option<Instant>,
    /// The quota per window, as last reported.
    quota: Option<u32>,
    /// The window length, as last reported.
    window: Option<Duration>,
}

/// The rate-limit state of every store this process talks to. Cheap to clone. A process
/// talks to a few stores: an ordered map finds one with a few comparisons, no hashing.
#[derive(Debug, Clone, Default)]
pub struct Pacer {
    stores: Arc<Mutex<BTreeMap<String, StoreBudget>>>,
}

/// The rate-limit state of one store, shared by every request to it in the process. A
/// store's client holds it, so a request reaches it without looking the store up.
#[derive(Debug, Clone, Default)]
pub struct StoreBudget(Arc<Mutex<Budget>>);

/// The rate-limit headers of one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `X-Rate-Limit-Requests-Left`.
    pub left: Option<u32>,
    /// `X-Rate-Limit-Requests-Quota`.
    pub quota: Option<u32>,
    /// `X-Rate-Limit-Time-Window-Ms`.
    pub window_ms: Option<u64>,
    /// `X-Rate-Limit-Time-Reset-Ms`.
    pub reset_ms: Option<u64>,
}

impl RateLimitHeaders {
    /// Reads the headers (names are case-insensitive).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        const LEFT: HeaderName = HeaderName::from_static("x-rate-limit-requests-left");
        const QUOTA: HeaderName = HeaderName::from_static("x-rate-limit-requests-quota");
        const WINDOW: HeaderName = HeaderName::from_static("x-rate-limit-time-window-ms");
        const RESET: HeaderName = HeaderName::from_static("x-rate-limit-time-reset-ms");
        let number = |name: HeaderName| {
            headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Self {
            left: number(LEFT).map(|n| n.min(u64::from(u32::MAX)) as u32),
            quota: number(QUOTA).map(|n| n.min(u64::from(u32::MAX)) as u32),
            window_ms: number(WINDOW),
            reset_ms: number(RESET),
        }
    }
}

impl Pacer {
    /// The budget of a store (the same one for every caller naming that store).
    pub fn store(&self, store: &str) -> StoreBudget {
        let mut stores = self.stores.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Look up before inserting: the store's name is only copied the first time.
        if let Some(budget) = stores.get(store) {
            return budget.clone();
        }
        stores.entry(store.to_owned()).or_default().clone()
    }
}

impl StoreBudget {
    fn with_budget<T>(&self, f: impl FnOnce(&mut Budget) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Waits until the store's known quota allows one more request, and takes it.
    /// Returns how long it waited.
    pub async fn acquire(&self) -> Duration {
        let started = Instant::now();
        loop {
            let wait = self.with_budget(|budget| {
                let now = Instant::now();
                if budget.reset_at.is_some_and(|at| at <= now) {
                    // A new window: the quota is back, and the window runs for its known
                    // length until an answer says otherwise. Without a known quota, one
                    // request goes first and its answer tells the rest.
                    budget.left = Some(budget.quota.unwrap_or(1));
                    budget.reset_at = Some(now + budget.window.unwrap_or(Duration::from_secs(1)));
                }
                match budget.left {
                    Some(0) => Some(budget.reset_at.map_or(Duration::from_millis(100), |at| at - now)),
                    Some(left) => {
                        budget.left = Some(left - 1);
                        None
                    }
                    None => None,
                }
            });
            match wait {
                None => return started.elapsed(),
                Some(wait) => tokio::time::sleep(wait.max(Duration::from_millis(1))).await,
            }
        }
    }

    /// Records what an answer said. Answers arrive out of order under concurrency, so
    /// the smaller remaining count wins within a window.
    pub fn observe(&self, headers: RateLimitHeaders) {
        let reset_at = headers.reset_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
        self.with_budget(|budget| {
            budget.quota = headers.quota.or(budget.quota);
            budget.window = headers.window_ms.map(Duration::from_millis).or(budget.window);
            let Some(left) = headers.left else { return };
            let same_window = match (budget.reset_at, reset_at) {
                (Some(known), Some(new)) => new.saturating_duration_since(known) < Duration::from_millis(500),
                _ => false,
            };
            budget.left = Some(if same_window {
                budget.left.map_or(left, |known| known.min(left))
            } else {
                left
            });
            if reset_at.is_some() {
                budget.reset_at = reset_at;
            }
        });
    }

    /// A 429: nobody sends to this store until the reset.
    pub fn exhausted(&self, reset: Duration) {
        self.with_budget(|budget| {
            budget.left = Some(0);
            budget.reset_at = Some(Instant::now() + reset);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(left: u32, reset_ms: u64) -> RateLimitHeaders {
        RateLimitHeaders {
            left: Some(left),
            quota: Some(10),
            window_ms: Some(30_000),
            reset_ms: Some(reset_ms),
        }
    }

    #[tokio::test]
    async fn requests_go_straight_through_while_quota_is_left() {
        let pacer = Pacer::default();
        pacer.store("s").observe(headers(5, 10_000));
        for _ in 0..5 {
            assert!(pacer.store("s").acquire().await < Duration::from_millis(5));
        }
    }

    #[tokio::test]
    async fn an_empty_budget_waits_for_the_reset() {
        let pacer = Pacer::default();
        pacer.store("s").observe(headers(1, 150));
        assert!(pacer.store("s").acquire().await < Duration::from_millis(5));
        let waited = pacer.store("s").acquire().await;
        assert!(waited >= Duration::from_millis(140), "{waited:?}");
        assert!(
            pacer.store("other").acquire().await < Duration::from_millis(5),
            "stores are paced separately"
        );
    }

    #[tokio::test]
    async fn after_a_reset_only_the_quota_goes_at_once() {
        let pacer = Pacer::default();
        pacer.store("s").observe(RateLimitHeaders {
            left: Some(0),
            quota: Some(2),
            window_ms: Some(100),
            reset_ms: Some(50),
        });
        let started = Instant::now();
        pacer.store("s").acquire().await;
        pacer.store("s").acquire().await;
        assert!(started.elapsed() >= Duration::from_millis(45));
        assert!(
            started.elapsed() < Duration::from_millis(95),
            "two go in the new window"
        );
        let third = pacer.store("s").acquire().await;
        assert!(
            third >= Duration::from_millis(40),
            "the third waits for a fresh answer or the next reset: {third:?}"
        );
    }

    #[tokio::test]
    async fn a_429_stops_everyone_until_the_reset() {
        let pacer = Pacer::default();
        pacer.store("s").exhausted(Duration::from_millis(120));
        let waited = pacer.store("s").acquire().await;
        assert!(waited >= Duration::from_millis(110), "{waited:?}");
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut map = HeaderMap::new();
        map.insert("X-Rate-Limit-Requests-Left", "35".parse().unwrap());
        map.insert("x-rate-limit-time-reset-ms", "15000".parse().unwrap());
        map.insert("X-RATE-LIMIT-REQUESTS-QUOTA", "150".parse().unwrap());
        let parsed = RateLimitHeaders::from_headers(&map);
        assert_eq!(
            (parsed.left, parsed.quota, parsed.reset_ms, parsed.window_ms),
            (Some(35), Some(150), Some(15_000), None)
        );
    }
}
