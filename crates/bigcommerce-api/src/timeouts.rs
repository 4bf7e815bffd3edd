//! Request timeouts without a timer per request.
//!
//! A timer per request (what `reqwest`'s own timeout does) is registered in, and removed
//! from, the runtime's timer wheel, which the runtime's threads also lock each time they
//! wake: measured at about 1% of a loopback request on two cores. Timeouts of 30 seconds
//! need no such precision. Here one thread per transport ticks a clock ten times per
//! timeout (at most once a second, at least every 5 ms); a request notes the tick it must
//! not outlive and waits on a notification that only the ticking thread touches. A request
//! times out between `timeout` and `timeout` plus one tick after it started.
//!
//! The clock is a plain thread, not a task, so it keeps ticking whichever runtime the
//! requests run on; it stops within a tick once every transport using it is gone.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::task::Poll;
use std::time::Duration;

use tokio::sync::Notify;

/// The clock of one transport's timeouts.
#[derive(Debug)]
pub(crate) struct Deadlines {
    timeout: Duration,
    tick: Duration,
    /// Ticks since the clock started.
    ticks: AtomicU64,
    /// Woken at every tick.
    notify: Notify,
    /// Whether the ticking thread runs (it starts with the first request).
    running: OnceLock<bool>,
}

impl Deadlines {
    /// A clock for requests that may take `timeout`.
    pub(crate) fn new(timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            timeout,
            tick: (timeout / 10).clamp(Duration::from_millis(5), Duration::from_secs(1)),
            ticks: AtomicU64::new(0),
            notify: Notify::new(),
            running: OnceLock::new(),
        })
    }

    /// Runs a request until it finishes (`Some`) or the timeout passes (`None`). The
    /// request is pinned by the caller and raced here by reference: requests are large
    /// futures, and moving one into each layer of wrapping would copy it again and again.
    pub(crate) async fn within<F: Future>(self: &Arc<Self>, mut request: Pin<&mut F>) -> Option<F::Output> {
        let mut expired = pin!(self.expiry());
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = request.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            expired.as_mut().poll(cx).map(|()| None)
        })
        .await
    }

    /// Completes once a request started now has run out of time.
    fn expiry(self: &Arc<Self>) -> impl Future<Output = ()> + '_ {
        // The tick under way has partly passed: one more than the whole ticks in a timeout.
        let whole = self.timeout.as_nanos().div_ceil(self.tick.as_nanos().max(1));
        let ticks = u64::try_from(whole).unwrap_or(u64::MAX / 2) + 1;
        let deadline = self
            .start()
            .then(|| self.ticks.load(Ordering::Acquire).saturating_add(ticks));
        async move {
            match deadline {
                Some(deadline) => self.reached(deadline).await,
                // No thread could be started: a timer of the runtime does it.
                None => tokio::time::sleep(self.timeout).await,
            }
        }
    }

    async fn reached(&self, deadline: u64) {
        loop {
            // Created before the check, so a tick between the two is not missed.
            let notified = self.notify.notified();
            if self.ticks.load(Ordering::Acquire) >= deadline {
                return;
            }
            notified.await;
        }
    }

    /// Starts the ticking thread once; whether it runs.
    fn start(self: &Arc<Self>) -> bool {
        *self.running.get_or_init(|| {
            let clock: Weak<Self> = Arc::downgrade(self);
            let tick = self.tick;
            std::thread::Builder::new()
                .name("syncaut-timeouts".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(tick);
                        let Some(clock) = clock.upgrade() else { return };
                        clock.ticks.fetch_add(1, Ordering::Release);
                        clock.notify.notify_waiters();
                    }
                })
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_request_that_takes_too_long_stops_between_the_timeout_and_one_tick_later() {
        let deadlines = Deadlines::new(Duration::from_millis(200));
        let runtime = runtime();
        let started = Instant::now();
        let outcome =
            runtime.block_on(async { deadlines.within(pin!(tokio::time::sleep(Duration::from_secs(5)))).await });
        let took = started.elapsed();
        assert_eq!(outcome, None);
        assert!(took >= Duration::from_millis(200), "{took:?}");
        assert!(took < Duration::from_millis(400), "{took:?}");
        // A quick one finishes with its output.
        assert_eq!(runtime.block_on(deadlines.within(pin!(async { 7 }))), Some(7));
        let quick = runtime.block_on(deadlines.within(pin!(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            8
        })));
        assert_eq!(quick, Some(8));
    }

    #[test]
    fn the_clock_keeps_ticking_for_requests_on_a_later_runtime() {
        let deadlines = Deadlines::new(Duration::from_millis(100));
        let first = runtime();
        assert_eq!(first.block_on(deadlines.within(pin!(async { 1 }))), Some(1));
        drop(first);
        let second = runtime();
        // Bounded by a runtime timer, so a clock that stopped fails here instead of hanging.
        let outcome = second.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(2),
                deadlines.within(pin!(std::future::pending::<()>())),
            )
            .await
        });
        assert_eq!(outcome, Ok(None), "a request on another runtime still times out");
    }
}
