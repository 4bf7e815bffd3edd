//! Each store's rate budget in PostgreSQL, shared by every server and worker on the
//! database: all processes together stay inside a store's quota.
//!
//! A row per store holds what BigCommerce last said (requests left in the window, when it
//! resets, the quota and the window) on the database's clock, so that machines whose
//! clocks differ agree. A process does not ask the database for every request: it takes
//! a small lease of units (at most [`MAX_LEASE`], and at most a twentieth of the quota) in
//! one short transaction, and spends it locally until the lease runs out or the window
//! ends. What answers say is written back coalesced: at most one write per store in flight,
//! carrying the latest headers. Within a window the smaller "left" wins (answers arrive out
//! of order, and units leased but not yet sent are already subtracted); a 429 empties the
//! budget for everyone until its reset. Before anything is known about a store, one request
//! goes first (across all processes) and its answer tells the rest.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bigcommerce_api::StoreHash;
use bigcommerce_api::pacing::{BoxFuture, DOCUMENTED_WINDOW, RateBudget, RateBudgets, RateLimitHeaders};
use sqlx::{PgPool, Row};

/// The most units one lease takes.
pub const MAX_LEASE: i64 = 5;

/// How soon a request waiting on a store nothing is known about asks again.
const PROBE_RECHECK: Duration = Duration::from_secs(1);

/// How long before a window ends a lease stops being spent.
const LEASE_MARGIN: Duration = Duration::from_millis(250);

/// The least time between two writes of what answers said, per store and process.
const WRITE_PACE: Duration = Duration::from_millis(50);

/// Two answers waiting to be written, as one: the smaller count of one window, or the
/// later window's. Both were read within [`WRITE_PACE`] or so of each other, so their
/// resets compare as they are.
fn merge(old: RateLimitHeaders, new: RateLimitHeaders) -> RateLimitHeaders {
    let window = new.window_ms.or(old.window_ms).unwrap_or(30_000);
    match (old.reset_ms, new.reset_ms, old.left, new.left) {
        (Some(a), Some(b), _, _) if b > a + window / 2 => new,
        (_, _, Some(a), Some(b)) if a < b => old,
        _ => new,
    }
}

/// How long to wait before asking again after the database failed.
const DB_RETRY: Duration = Duration::from_millis(250);

/// The rate budgets of every store, in PostgreSQL. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PgBudgets {
    pool: PgPool,
    stores: Arc<Mutex<BTreeMap<StoreHash, Arc<PgBudget>>>>,
}

impl PgBudgets {
    /// Budgets on this database (the table is created with the run tables).
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            stores: Arc::default(),
        }
    }
}

impl RateBudgets for PgBudgets {
    fn store(&self, store: &StoreHash) -> Arc<dyn RateBudget> {
        let mut stores = self.stores.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stores
            .entry(store.clone())
            .or_insert_with(|| {
                Arc::new(PgBudget(Arc::new(Inner {
                    pool: self.pool.clone(),
                    store: store.as_str().to_owned(),
                    local: Mutex::default(),
                })))
            })
            .clone()
    }
}

/// One store's budget as this process holds it.
#[derive(Debug)]
struct PgBudget(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    store: String,
    local: Mutex<Local>,
}

#[derive(Debug, Default)]
struct Local {
    /// Units leased and not yet spent, valid until `until`.
    units: i64,
    until: Option<Instant>,
    /// The store's answers carry no rate-limit headers.
    unmetered: bool,
    /// This process sent the first request to an unknown store.
    probing: bool,
    /// What the database held after this process's last lease: units left in the window
    /// and when it resets. An answer saying no less, in the same window, changes nothing
    /// there (the database's count only falls), so it is not written.
    held: Option<(i64, Instant)>,
    /// What waits to be written, and whether a write is in flight.
    pending: Option<Pending>,
    writing: bool,
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Observed(RateLimitHeaders),
    Exhausted(Duration),
}

/// What a lease gave: units (the first spent at once), for how long, unmetered, and what
/// the database then held (units left in the window, the time to its reset).
type Lease = (i64, Duration, bool, Option<(i64, Duration)>);

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl Inner {
    fn with<T>(&self, f: impl FnOnce(&mut Local) -> T) -> T {
        f(&mut self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Takes a lease in one transaction, or says how long to wait.
    async fn lease(&self) -> Result<Result<Lease, Duration>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT 1::BIGINT FROM rate_budgets WHERE store = $1")
            .bind(&self.store)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            sqlx::query("INSERT INTO rate_budgets (store) VALUES ($1) ON CONFLICT (store) DO NOTHING")
                .bind(&self.store)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(
            "SELECT left_in_window, reset_at, quota, window_ms, unmetered, probing_until,
                    (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS now_ms
             FROM rate_budgets WHERE store = $1 FOR UPDATE",
        )
        .bind(&self.store)
        .fetch_one(&mut *tx)
        .await?;
        let now: i64 = row.try_get("now_ms")?;
        let mut left: Option<i64> = row.try_get("left_in_window")?;
        let mut reset_at: Option<i64> = row.try_get("reset_at")?;
        let quota: Option<i64> = row.try_get("quota")?;
        let window: Option<i64> = row.try_get("window_ms")?;
        let unmetered = row.try_get::<i64, _>("unmetered")? != 0;
        let probing_until: i64 = row.try_get("probing_until")?;
        if unmetered {
            tx.commit().await?;
            return Ok(Ok((i64::MAX, Duration::from_secs(1), true, None)));
        }
        let (stored_left, stored_reset) = (left, reset_at);
        if reset_at.is_some_and(|at| at <= now) {
            // A new window: the quota is back until an answer says otherwise, less a
            // twentieth kept for requests of the last window that reach BigCommerce after
            // it ended (there it counts them in the new one). BigCommerce starts the window
            // when the first request arrives, a little after now, so it is taken to end a
            // margin later than it could (the answers then say exactly).
            left = quota.map(|q| q - (q / 20).max(1));
            reset_at = window.map(|w| now + w + ms(LEASE_MARGIN));
        }
        let outcome = match left {
            None if probing_until > now => Err(millis(probing_until - now).max(Duration::from_millis(1))),
            None => {
                // Nothing known: this request goes first, across every process.
                sqlx::query("UPDATE rate_budgets SET probing_until = $2 WHERE store = $1")
                    .bind(&self.store)
                    .bind(now + ms(PROBE_RECHECK))
                    .execute(&mut *tx)
                    .await?;
                Ok((1, PROBE_RECHECK, false, None))
            }
            Some(n) if n <= 0 => {
                let at = *reset_at.get_or_insert(now + ms(DOCUMENTED_WINDOW));
                Err(millis(at - now).max(Duration::from_millis(1)))
            }
            Some(n) => {
                let lease = (quota.unwrap_or(n) / 20).clamp(1, MAX_LEASE).min(n);
                left = Some(n - lease);
                // Units not sent shortly before the window ends are dropped: sent later, they
                // would reach BigCommerce in the next window, which does not count them.
                let valid = reset_at.map_or(DOCUMENTED_WINDOW, |at| millis(at - now - ms(LEASE_MARGIN)));
                let held = reset_at.map(|at| (n - lease, millis(at - now)));
                Ok((lease, valid, false, held))
            }
        };
        // Waiting changes nothing: no write.
        if left.is_some() && (left, reset_at) != (stored_left, stored_reset) {
            sqlx::query("UPDATE rate_budgets SET left_in_window = $2, reset_at = $3 WHERE store = $1")
                .bind(&self.store)
                .bind(left)
                .bind(reset_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Writes the latest headers (or a 429), then whatever arrived meanwhile.
    async fn flush(self: Arc<Self>) {
        loop {
            let Some(pending) = self.with(|local| {
                let next = local.pending.take();
                local.writing = next.is_some();
                next
            }) else {
                return;
            };
            let written = match pending {
                Pending::Observed(headers) => self.write_observed(headers).await,
                Pending::Exhausted(reset) => self.write_exhausted(reset).await,
            };
            if let Err(e) = written {
                eprintln!("syncaut: could not record the rate limit of store {}: {e}", self.store);
            }
            // At most one write per store every WRITE_PACE: answers meanwhile merge into
            // the next one.
            tokio::time::sleep(WRITE_PACE).await;
        }
    }

    async fn write_observed(&self, headers: RateLimitHeaders) -> Result<(), sqlx::Error> {
        let Some(left) = headers.left else {
            // No headers: unmetered, unless a quota is known (an error page before
            // BigCommerce counted the request).
            sqlx::query(
                "UPDATE rate_budgets SET probing_until = 0,
                     unmetered = CASE WHEN quota IS NULL THEN 1 ELSE unmetered END
                 WHERE store = $1",
            )
            .bind(&self.store)
            .execute(&self.pool)
            .await?;
            return Ok(());
        };
        // Within one window (the same reset, give or take half a window: answers are
        // written a little after they arrive) the smaller count wins, since answers arrive
        // out of order and leased units are already subtracted, and the earlier reset (an
        // answer written late only says later ones, never one before the true reset). An
        // answer from an older window (it arrived late) changes nothing.
        sqlx::query(
            "UPDATE rate_budgets SET
                 probing_until = 0,
                 unmetered = 0,
                 quota = COALESCE($3, quota),
                 window_ms = COALESCE($4, window_ms),
                 left_in_window = CASE
                     -- No reset in the answer, or the window the budget is in: the smaller
                     -- count wins.
                     WHEN $5::BIGINT IS NULL OR (reset_at IS NOT NULL
                          AND abs(n.now_ms + $5::BIGINT - reset_at) <= COALESCE($4, window_ms, 30000) / 2)
                         THEN LEAST(COALESCE(left_in_window, $2), $2)
                     -- An older window (the answer came late): nothing changes.
                     WHEN reset_at IS NOT NULL AND n.now_ms + $5::BIGINT < reset_at
                         THEN left_in_window
                     -- A newer window: BigCommerce's count, less the margin kept for
                     -- requests still on their way (they count in it too).
                     ELSE GREATEST($2 - GREATEST(COALESCE($3, quota, 0) / 20, 1), 0) END,
                 reset_at = CASE
                     WHEN $5::BIGINT IS NULL THEN
                         CASE WHEN $2 = 0 AND (reset_at IS NULL OR reset_at <= n.now_ms) THEN n.now_ms + $6
                              ELSE reset_at END
                     WHEN reset_at IS NOT NULL
                          AND abs(n.now_ms + $5::BIGINT - reset_at) <= COALESCE($4, window_ms, 30000) / 2
                         THEN LEAST(reset_at, n.now_ms + $5::BIGINT)
                     WHEN reset_at IS NOT NULL AND n.now_ms + $5::BIGINT < reset_at THEN reset_at
                     ELSE n.now_ms + $5::BIGINT END
             FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT AS now_ms) n
             WHERE store = $1",
        )
        .bind(&self.store)
        .bind(i64::from(left))
        .bind(headers.quota.map(i64::from))
        .bind(headers.window_ms.and_then(|w| i64::try_from(w).ok()))
        .bind(headers.reset_ms.and_then(|r| i64::try_from(r).ok()))
        .bind(ms(DOCUMENTED_WINDOW))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn write_exhausted(&self, reset: Duration) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE rate_budgets SET left_in_window = 0, unmetered = 0, probing_until = 0,
                 reset_at = (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT + $2
             WHERE store = $1",
        )
        .bind(&self.store)
        .bind(ms(reset))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl PgBudget {
    /// Queues a write; at most one per store is in flight, carrying the latest news.
    fn queue(&self, pending: Pending) {
        let start = self.0.with(|local| {
            local.pending = Some(match (local.pending, pending) {
                // A 429 is not overwritten by headers that arrive after it.
                (Some(exhausted @ Pending::Exhausted(_)), Pending::Observed(_)) => exhausted,
                // Of two answers from one window the smaller count is kept (answers arrive
                // out of order); an answer from a later window replaces one from before.
                (Some(Pending::Observed(old)), Pending::Observed(new)) => Pending::Observed(merge(old, new)),
                (_, pending) => pending,
            });
            !std::mem::replace(&mut local.writing, true)
        });
        if start {
            match tokio::runtime::Handle::try_current() {
                Ok(handle) => drop(handle.spawn(self.0.clone().flush())),
                Err(_) => self.0.with(|local| local.writing = false),
            }
        }
    }
}

impl RateBudget for PgBudget {
    fn take(&self) -> BoxFuture<'_, Result<(), Duration>> {
        Box::pin(async move {
            let now = Instant::now();
            let spent = self.0.with(|local| {
                if local.unmetered {
                    return true;
                }
                if local.units > 0 && local.until.is_some_and(|until| until > now) {
                    local.units -= 1;
                    return true;
                }
                false
            });
            if spent {
                return Ok(());
            }
            match self.0.lease().await {
                Ok(Ok((units, valid, unmetered, held))) => {
                    self.0.with(|local| {
                        local.held = held.map(|(left, reset)| (left, now + reset));
                        local.unmetered = unmetered;
                        local.units = units - 1;
                        local.until = Some(now + valid);
                        // Only the first request to an unknown store leases without a count.
                        local.probing = !unmetered && held.is_none();
                    });
                    Ok(())
                }
                Ok(Err(wait)) => Err(wait),
                Err(e) => {
                    eprintln!("syncaut: could not read the rate limit of store {}: {e}", self.0.store);
                    Err(DB_RETRY)
                }
            }
        })
    }

    fn observe(&self, headers: &RateLimitHeaders) {
        // Whether the store is unmetered is the database's to say (the next lease tells).
        let now = Instant::now();
        let window = headers.window_ms.map_or(DOCUMENTED_WINDOW, Duration::from_millis);
        self.0.with(|local| {
            local.probing = false;
            if headers.left.is_some() {
                local.unmetered = false;
            }
            // An answer from a window later than the lease's: what is left of the lease
            // belonged to the one before, and is dropped.
            if let (Some(reset), Some(until)) = (headers.reset(), local.until)
                && now + reset > until + window / 2
            {
                local.units = 0;
            }
        });
        let unchanged = self.0.with(|local| match (headers.left, headers.reset(), local.held) {
            (Some(left), Some(reset), Some((held_left, held_reset))) => {
                let at = now + reset;
                let apart = at.max(held_reset) - at.min(held_reset);
                apart <= window / 2 && i64::from(left) >= held_left
            }
            _ => false,
        });
        if !unchanged {
            self.queue(Pending::Observed(*headers));
        }
    }

    fn exhausted(&self, reset: Duration) {
        self.0.with(|local| {
            local.units = 0;
            local.unmetered = false;
        });
        self.queue(Pending::Exhausted(reset));
    }

    fn unanswered(&self) {
        if !self.0.with(|local| std::mem::take(&mut local.probing)) {
            return;
        }
        let inner = self.0.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            drop(handle.spawn(async move {
                let _ = sqlx::query("UPDATE rate_budgets SET probing_until = 0 WHERE store = $1")
                    .bind(&inner.store)
                    .execute(&inner.pool)
                    .await;
            }));
        }
    }
}
