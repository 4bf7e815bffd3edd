//! Pacing by BigCommerce's rate-limit headers, per store.
//!
//! BigCommerce tells each caller its remaining quota (`X-Rate-Limit-Requests-Left`) and
//! when the window resets (`X-Rate-Limit-Time-Reset-Ms`). A request takes one unit of the
//! known remaining quota before it is sent; when none is left, it waits for the reset
//! instead of earning a 429. A 429 empties the budget for everyone until its reset.
//!
//! The budget of a store sits behind [`RateBudget`], so that one shared by many processes
//! (in a database) can replace the in-process [`LocalBudgets`] without the send path
//! changing. Header values are input from a server: unparseable ones are ignored, and a
//! reset longer than the window (or than [`MAX_RESET`]) is cut to it.
//!
//! Inside a process, the requests of one store take its budget one at a time, by priority
//! ([`Turn`]): a run's submission time, otherwise arrival.
//!
//! Before anything is known about a store, one request goes first and its answer tells the
//! rest (a burst of unpaced requests could pass the quota); a store whose answers carry no
//! rate-limit headers is not paced at all.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName};

use crate::StoreHash;

/// The window BigCommerce documents (30 seconds), used when "none left" comes without a
/// usable reset time.
pub const DOCUMENTED_WINDOW: Duration = Duration::from_secs(30);

/// How soon requests waiting on a window of unknown length ask again.
const UNKNOWN_WINDOW_RECHECK: Duration = Duration::from_secs(1);

/// The longest reset a header may announce; longer values are cut to it.
pub const MAX_RESET: Duration = Duration::from_secs(300);

/// The rate-limit headers of one response, as far as they are usable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `X-Rate-Limit-Requests-Left`.
    pub left: Option<u32>,
    /// `X-Rate-Limit-Requests-Quota` (never 0).
    pub quota: Option<u32>,
    /// `X-Rate-Limit-Time-Window-Ms`, at most [`MAX_RESET`].
    pub window_ms: Option<u64>,
    /// `X-Rate-Limit-Time-Reset-Ms`, at most the window and [`MAX_RESET`].
    pub reset_ms: Option<u64>,
}

impl RateLimitHeaders {
    /// Reads the headers (names are case-insensitive). Values that are not whole
    /// non-negative numbers count as absent.
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
        let max_ms = MAX_RESET.as_millis() as u64;
        let window_ms = number(WINDOW).filter(|w| *w > 0).map(|w| w.min(max_ms));
        Self {
            left: number(LEFT).map(|n| n.min(u64::from(u32::MAX)) as u32),
            quota: number(QUOTA)
                .filter(|q| *q > 0)
                .map(|n| n.min(u64::from(u32::MAX)) as u32),
            window_ms,
            reset_ms: number(RESET).map(|r| r.min(window_ms.unwrap_or(max_ms))),
        }
    }

    /// The reset as a duration.
    pub fn reset(&self) -> Option<Duration> {
        self.reset_ms.map(Duration::from_millis)
    }
}

/// A boxed future, as the budget trait returns (a database-backed budget awaits I/O).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The rate budget of one store: asked before every request, told what every answer said.
pub trait RateBudget: Send + Sync + fmt::Debug {
    /// Takes one request's share of the quota, or says how long to wait before asking
    /// again.
    fn take(&self) -> BoxFuture<'_, Result<(), Duration>>;

    /// Records what an answer's headers said.
    fn observe(&self, headers: &RateLimitHeaders);

    /// A 429: nobody sends to this store until `reset` has passed.
    fn exhausted(&self, reset: Duration);

    /// A request got no answer (no connection, a timeout): if it was the first request to
    /// a store nothing is known about, the next one goes first instead of waiting for an
    /// answer that will not come.
    fn unanswered(&self) {}
}

/// Hands out the budget of each store.
pub trait RateBudgets: Send + Sync + fmt::Debug {
    /// The budget of a store (the same one for every caller naming that store).
    fn store(&self, store: &StoreHash) -> Arc<dyn RateBudget>;
}

/// The order in which one store's requests take its budget: one holder at a time, the
/// waiter with the smallest priority next (ties by arrival). A run's requests carry the
/// run's submission time, so under a busy quota no request starves (every waiter becomes
/// the oldest) and runs finish in the order they came rather than all together at the
/// end; other requests carry their arrival time.
#[derive(Debug, Default)]
pub(crate) struct Turn {
    state: Mutex<TurnState>,
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct TurnState {
    held: bool,
    waiting: std::collections::BTreeSet<(u64, u64)>,
    arrivals: u64,
}

/// Holding the turn; dropping it lets the next waiter go.
pub(crate) struct TurnGuard<'a>(&'a Turn);

impl Drop for TurnGuard<'_> {
    fn drop(&mut self) {
        self.0.with(|state| state.held = false);
        self.0.changed.notify_waiters();
    }
}

/// A place in the queue, given up if the waiting future is dropped (a deadline).
struct Waiting<'a> {
    turn: &'a Turn,
    key: (u64, u64),
    served: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if !self.served {
            self.turn.with(|state| state.waiting.remove(&self.key));
            self.turn.changed.notify_waiters();
        }
    }
}

impl Turn {
    fn with<T>(&self, f: impl FnOnce(&mut TurnState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Waits for the turn: until nobody holds it and no waiter has a smaller priority.
    pub(crate) async fn acquire(&self, priority: u64) -> TurnGuard<'_> {
        let key = self.with(|state| {
            state.arrivals += 1;
            let key = (priority, state.arrivals);
            state.waiting.insert(key);
            key
        });
        let mut waiting = Waiting {
            turn: self,
            key,
            served: false,
        };
        loop {
            // Registered before looking, so that a release in between is not missed.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let mine = self.with(|state| {
                let first = !state.held && state.waiting.first() == Some(&key);
                if first {
                    state.waiting.remove(&key);
                    state.held = true;
                }
                first
            });
            if mine {
                waiting.served = true;
                return TurnGuard(self);
            }
            changed.await;
        }
    }
}

/// The turn of each store.
#[derive(Debug, Default)]
pub(crate) struct Turns(Mutex<BTreeMap<StoreHash, Arc<Turn>>>);

impl Turns {
    /// The turn of a store (the same one for every caller naming it).
    pub(crate) fn store(&self, store: &StoreHash) -> Arc<Turn> {
        let mut stores = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stores.entry(store.clone()).or_default().clone()
    }
}

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
    /// The store's answers carry no rate-limit headers: nothing to pace by.
    unmetered: bool,
    /// The first request to a store nothing is known about is out; the rest wait for its
    /// answer.
    probing: bool,
}

impl Budget {
    fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        if self.unmetered {
            return Ok(());
        }
        if self.reset_at.is_some_and(|at| at <= now) {
            // A new window: the quota is back, and the window runs for its known length
            // until an answer says otherwise. Without a known quota, one request goes
            // first and its answer tells the rest (the others ask again within a second).
            self.left = Some(self.quota.unwrap_or(1));
            self.reset_at = Some(now + self.window.unwrap_or(UNKNOWN_WINDOW_RECHECK));
        }
        match self.left {
            Some(0) => {
                // "None left" without a usable reset: the documented window.
                let reset_at = *self.reset_at.get_or_insert(now + DOCUMENTED_WINDOW);
                Err(reset_at.saturating_duration_since(now).max(Duration::from_millis(1)))
            }
            Some(left) => {
                self.left = Some(left - 1);
                Ok(())
            }
            None => {
                // Nothing known yet: this request goes first, and its answer tells the
                // rest (who ask again within a second if it never comes).
                self.left = Some(0);
                self.reset_at = Some(now + UNKNOWN_WINDOW_RECHECK);
                self.probing = true;
                Ok(())
            }
        }
    }

    fn observe(&mut self, headers: &RateLimitHeaders, now: Instant) {
        self.probing = false;
        self.quota = headers.quota.or(self.quota);
        self.window = headers.window_ms.map(Duration::from_millis).or(self.window);
        let Some(left) = headers.left else {
            // An answer without the headers (a proxy, a test server, an error page before
            // BigCommerce counted it): unmetered until an answer says otherwise.
            if self.quota.is_none() {
                self.unmetered = true;
                self.left = None;
                self.reset_at = None;
            }
            return;
        };
        self.unmetered = false;
        let reset_at = headers.reset().map(|reset| now + reset);
        // Answers arrive out of order under concurrency, so the smaller remaining count
        // wins within a window.
        let same_window = match (self.reset_at, reset_at) {
            (Some(known), Some(new)) => new.saturating_duration_since(known) < Duration::from_millis(500),
            _ => false,
        };
        self.left = Some(if same_window {
            self.left.map_or(left, |known| known.min(left))
        } else {
            left
        });
        if reset_at.is_some() {
            self.reset_at = reset_at;
        } else if left == 0 && self.reset_at.is_none_or(|at| at <= now) {
            self.reset_at = Some(now + DOCUMENTED_WINDOW);
        }
    }
}

/// The budget of one store inside this process. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct LocalBudget(Arc<Mutex<Budget>>);

impl LocalBudget {
    fn with<T>(&self, f: impl FnOnce(&mut Budget) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl RateBudget for LocalBudget {
    fn take(&self) -> BoxFuture<'_, Result<(), Duration>> {
        let taken = self.with(|budget| budget.try_take(Instant::now()));
        Box::pin(std::future::ready(taken))
    }

    fn observe(&self, headers: &RateLimitHeaders) {
        self.with(|budget| budget.observe(headers, Instant::now()));
    }

    fn unanswered(&self) {
        self.with(|budget| {
            if budget.probing {
                budget.probing = false;
                budget.left = None;
                budget.reset_at = None;
            }
        });
    }

    fn exhausted(&self, reset: Duration) {
        self.with(|budget| {
            budget.unmetered = false;
            budget.probing = false;
            budget.left = Some(0);
            budget.reset_at = Some(Instant::now() + reset);
        });
    }
}

/// The budgets of every store this process talks to, shared by all its requests. Cheap to
/// clone. A process talks to a few stores: an ordered map finds one with a few
/// comparisons.
#[derive(Debug, Clone, Default)]
pub struct LocalBudgets {
    stores: Arc<Mutex<BTreeMap<StoreHash, Arc<LocalBudget>>>>,
}

impl RateBudgets for LocalBudgets {
    fn store(&self, store: &StoreHash) -> Arc<dyn RateBudget> {
        let mut stores = self.stores.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stores.entry(store.clone()).or_default().clone()
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

    #[test]
    fn requests_go_straight_through_while_quota_is_left() {
        let mut budget = Budget::default();
        let now = Instant::now();
        budget.observe(&headers(5, 10_000), now);
        for _ in 0..5 {
            assert_eq!(budget.try_take(now), Ok(()));
        }
        let wait = budget.try_take(now).unwrap_err();
        assert!(
            wait > Duration::from_millis(9_900) && wait <= Duration::from_secs(10),
            "{wait:?}"
        );
    }

    #[test]
    fn an_empty_budget_waits_for_the_reset_then_the_quota_goes_at_once() {
        let mut budget = Budget::default();
        let now = Instant::now();
        budget.observe(
            &RateLimitHeaders {
                left: Some(0),
                quota: Some(2),
                window_ms: Some(100),
                reset_ms: Some(50),
            },
            now,
        );
        assert_eq!(budget.try_take(now), Err(Duration::from_millis(50)));
        let later = now + Duration::from_millis(50);
        assert_eq!(budget.try_take(later), Ok(()));
        assert_eq!(budget.try_take(later), Ok(()));
        assert_eq!(
            budget.try_take(later),
            Err(Duration::from_millis(100)),
            "the third waits for the next window"
        );
    }

    #[test]
    fn none_left_without_a_reset_waits_the_documented_window() {
        let mut budget = Budget::default();
        let now = Instant::now();
        budget.observe(
            &RateLimitHeaders {
                left: Some(0),
                ..RateLimitHeaders::default()
            },
            now,
        );
        assert_eq!(budget.try_take(now), Err(DOCUMENTED_WINDOW));
    }

    #[test]
    fn an_unknown_store_sends_one_request_first_and_its_answer_tells_the_rest() {
        let mut budget = Budget::default();
        let now = Instant::now();
        assert_eq!(budget.try_take(now), Ok(()), "the first goes");
        assert_eq!(
            budget.try_take(now),
            Err(UNKNOWN_WINDOW_RECHECK),
            "the rest wait for its answer"
        );
        budget.observe(&headers(5, 10_000), now);
        assert_eq!(budget.try_take(now), Ok(()));
    }

    #[tokio::test]
    async fn a_first_request_that_gets_no_answer_lets_the_next_go_first() {
        let budget = LocalBudget::default();
        assert_eq!(budget.take().await, Ok(()));
        assert!(budget.take().await.is_err());
        budget.unanswered();
        assert_eq!(budget.take().await, Ok(()), "the next request probes at once");
    }

    #[test]
    fn a_store_whose_answers_carry_no_headers_is_not_paced() {
        let mut budget = Budget::default();
        let now = Instant::now();
        assert_eq!(budget.try_take(now), Ok(()));
        budget.observe(&RateLimitHeaders::default(), now);
        for _ in 0..100 {
            assert_eq!(budget.try_take(now), Ok(()));
        }
        budget.observe(&headers(0, 2_000), now);
        assert!(budget.try_take(now).is_err(), "headers again: paced again");
    }

    #[tokio::test]
    async fn the_turn_goes_to_the_smallest_priority_and_a_dropped_waiter_leaves_the_queue() {
        let turn = Arc::new(Turn::default());
        let held = turn.acquire(50).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for priority in [30, 10, 20] {
            let (turn, order) = (turn.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _guard = turn.acquire(priority).await;
                order.lock().unwrap().push(priority);
            }));
            tokio::task::yield_now().await;
        }
        // A waiter that gives up (its deadline) does not block the others.
        let gave_up = tokio::time::timeout(Duration::from_millis(20), turn.acquire(1)).await;
        assert!(gave_up.is_err());
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [10, 20, 30]);
    }

    #[tokio::test]
    async fn a_429_stops_everyone_until_the_reset_and_stores_are_separate() {
        let budgets = LocalBudgets::default();
        let store = StoreHash::new("s").unwrap();
        budgets.store(&store).exhausted(Duration::from_millis(120));
        let wait = budgets.store(&store).take().await.unwrap_err();
        assert!(wait > Duration::from_millis(100), "{wait:?}");
        assert_eq!(budgets.store(&StoreHash::new("other").unwrap()).take().await, Ok(()));
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

    #[test]
    fn hostile_header_values_are_ignored_or_cut() {
        let mut map = HeaderMap::new();
        map.insert("x-rate-limit-requests-left", "-5".parse().unwrap());
        map.insert("x-rate-limit-requests-quota", "0".parse().unwrap());
        map.insert("x-rate-limit-time-window-ms", "99999999999999".parse().unwrap());
        map.insert("x-rate-limit-time-reset-ms", "18446744073709551615".parse().unwrap());
        let parsed = RateLimitHeaders::from_headers(&map);
        assert_eq!(parsed.left, None, "negative");
        assert_eq!(parsed.quota, None, "zero");
        assert_eq!(parsed.window_ms, Some(300_000));
        assert_eq!(parsed.reset_ms, Some(300_000), "a year-long reset is cut to the cap");
        map.insert("x-rate-limit-time-window-ms", "30000".parse().unwrap());
        map.insert("x-rate-limit-time-reset-ms", "abc".parse().unwrap());
        let parsed = RateLimitHeaders::from_headers(&map);
        assert_eq!(parsed.reset_ms, None, "not a number");
        map.insert("x-rate-limit-time-reset-ms", "90000".parse().unwrap());
        assert_eq!(
            RateLimitHeaders::from_headers(&map).reset_ms,
            Some(30_000),
            "never longer than the window"
        );
    }
}
