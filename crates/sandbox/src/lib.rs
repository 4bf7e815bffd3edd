//! A local, in-memory BigCommerce for the CLI, the examples and tests.
//!
//! It serves the endpoints behind all 18 actions of the BigCommerce node with BigCommerce's
//! behaviour: the V3 `{data, meta.pagination}` envelope and V2 bare arrays, `204` for
//! deletes and for a V2 page past the end, `page`/`limit`, the filters the actions use,
//! `404` for unknown records and store hashes, `422`/`409`/`400` errors in BigCommerce's
//! shapes, `401` for an unknown token, `403` when the token lacks the scope, and the
//! `X-Rate-Limit-*` headers (with `429` past the quota). State lives as long as the
//! process, so create → get → update → delete behaves.
//!
//! The store is seeded with a small shop ([`STORE_HASH`]); [`FULL_ACCESS_TOKEN`] has every
//! scope and [`READ_ONLY_TOKEN`] only the read-only ones.

#![recursion_limit = "256"]

mod catalog;
mod customers;
mod fulfilment;
mod hooks;
mod inventory;
mod lists;
mod orders;
mod seed;
mod time;
mod wire;
mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response as HttpResponse;

pub use crate::hooks::Delivery;
pub use crate::seed::{ORDER_STATUSES, STORE_HASH};
pub use crate::wire::{Request, Response};
pub use crate::world::{ALL_SCOPES, READ_ONLY_SCOPES, RateLimit, World};

/// A token with every scope the emulator knows.
pub const FULL_ACCESS_TOKEN: &str = "sandbox-full-access-token";

/// A token with only read-only scopes.
pub const READ_ONLY_TOKEN: &str = "sandbox-read-only-token";

/// The emulator: shared state behind a lock, cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    world: Arc<Mutex<World>>,
    /// More stores, by hash (see [`Sandbox::with_store`]).
    others: Arc<BTreeMap<String, Arc<Mutex<World>>>>,
    latency: Duration,
    /// Deliver every webhook payload twice (BigCommerce does, now and then).
    duplicates: bool,
    /// Where webhook deliveries go once the sandbox serves.
    outbound: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<(String, Delivery)>>>,
    /// Webhook deliveries answered 2xx so far.
    delivered: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// The seeded store with the two standard tokens and the default rate limit.
    pub fn new() -> Self {
        Self::with_rate_limit(RateLimit::default())
    }

    /// The seeded store with a given rate limit.
    pub fn with_rate_limit(rate: RateLimit) -> Self {
        let mut world = World::seeded(rate);
        world.add_token(FULL_ACCESS_TOKEN, ALL_SCOPES);
        world.add_token(READ_ONLY_TOKEN, READ_ONLY_SCOPES);
        Self {
            world: Arc::new(Mutex::new(world)),
            others: Arc::default(),
            latency: Duration::ZERO,
            duplicates: false,
            outbound: Arc::default(),
            delivered: Arc::default(),
        }
    }

    /// Delivers every webhook payload twice, as BigCommerce may (receivers must dedupe).
    pub fn with_duplicate_deliveries(mut self) -> Self {
        self.duplicates = true;
        self
    }

    /// Webhook deliveries that were answered 2xx so far.
    pub fn deliveries_acknowledged(&self) -> u64 {
        self.delivered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Adds another store with this hash: seeded like the first, with the same tokens and
    /// rate limit, and a quota of its own (as every BigCommerce store has).
    pub fn with_store(mut self, hash: &str) -> Self {
        let world = self.with_world(|first| first.another_store(hash));
        Arc::make_mut(&mut self.others).insert(hash.to_owned(), Arc::new(Mutex::new(world)));
        self
    }

    /// Changes or reads the state of the store with this hash (the first store for its
    /// own hash); `None` for an unknown hash.
    pub fn with_store_world<T>(&self, hash: &str, change: impl FnOnce(&mut World) -> T) -> Option<T> {
        let world = self.others.get(hash)?;
        let mut world = world.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(change(&mut world))
    }

    /// Adds a token with chosen scopes.
    pub fn with_token(self, token: &str, scopes: &[&str]) -> Self {
        self.with_world(|w| w.add_token(token, scopes));
        self
    }

    /// Delays every answer (to emulate a distant API in benchmarks).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Changes the state directly (seeding large stores in tests and benchmarks).
    pub fn with_world<T>(&self, change: impl FnOnce(&mut World) -> T) -> T {
        let mut world = self.world.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(&mut world)
    }

    /// Answers one request without HTTP; the webhook events it causes are delivered when
    /// the sandbox serves.
    pub fn handle(&self, request: &Request) -> Response {
        let hash = request
            .path
            .trim_start_matches('/')
            .strip_prefix("stores/")
            .and_then(|rest| rest.split('/').next());
        let answered = hash.and_then(|hash| {
            self.with_store_world(hash, |w| (w.handle(request), w.take_deliveries(), hash.to_owned()))
        });
        let (answer, deliveries, store) = match answered {
            Some(answered) => answered,
            None => self.with_world(|w| (w.handle(request), w.take_deliveries(), STORE_HASH.to_owned())),
        };
        if let Some(outbound) = self.outbound.get() {
            for delivery in deliveries {
                if self.duplicates {
                    let _ = outbound.send((store.clone(), delivery.clone()));
                }
                let _ = outbound.send((store.clone(), delivery));
            }
        }
        answer
    }

    /// Delivers webhook payloads: a POST with the subscription's headers, sent again after
    /// 0.2, 0.5, 1, 2 and 5 s while the answer is not 2xx (BigCommerce's schedule, from a
    /// minute to a day, shortened), after which the subscription is deactivated.
    async fn deliver(self, mut deliveries: tokio::sync::mpsc::UnboundedReceiver<(String, Delivery)>) {
        const RETRIES: [u64; 5] = [200, 500, 1_000, 2_000, 5_000];
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        while let Some((store, delivery)) = deliveries.recv().await {
            let (http, sandbox) = (http.clone(), self.clone());
            tokio::spawn(async move {
                for wait in std::iter::once(0).chain(RETRIES) {
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    let mut request = http.post(&delivery.destination).json(&delivery.payload);
                    for (name, value) in &delivery.headers {
                        request = request.header(name, value);
                    }
                    if request.send().await.is_ok_and(|r| r.status().is_success()) {
                        sandbox.delivered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                }
                let deactivate = |w: &mut World| w.deactivate_hook(delivery.hook_id);
                if sandbox.with_store_world(&store, deactivate).is_none() {
                    sandbox.with_world(deactivate);
                }
            });
        }
    }

    /// Serves on `listener` until the future is dropped or `shutdown` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (outbound, deliveries) = tokio::sync::mpsc::unbounded_channel();
        if self.outbound.set(outbound).is_ok() {
            tokio::spawn(self.clone().deliver(deliveries));
        }
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let sandbox = self.clone();
            async move { sandbox.answer(&method, &uri, &headers, body).await }
        });
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await
    }

    /// Binds a loopback port and serves in the background until the handle is dropped.
    pub async fn start(self) -> std::io::Result<RunningSandbox> {
        self.start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Binds `addr` and serves in the background until the handle is dropped.
    pub async fn start_on(self, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.serve(listener, async move {
            let _ = stopped.await;
        }));
        Ok(RunningSandbox {
            addr,
            stop: Some(stop),
            task,
        })
    }

    async fn answer(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> HttpResponse {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let query: Vec<(String, String)> = uri
            .query()
            .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
            .unwrap_or_default();
        let request = Request {
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query,
            token: headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: body.to_vec(),
        };
        let response = self.handle(&request);
        let mut http = HttpResponse::new(match &response.body {
            Some(body) => Body::from(body.to_string()),
            None => Body::empty(),
        });
        *http.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if response.body.is_some() {
            http.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
        }
        for (name, value) in response.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                http.headers_mut().insert(name, value);
            }
        }
        http
    }
}

/// A sandbox serving in the background; stops when dropped.
pub struct RunningSandbox {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, to use as `SYNCAUT_BIGCOMMERCE_API_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
