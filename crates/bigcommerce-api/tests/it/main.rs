//! The transport and the typed clients against loopback servers: one that checks exact
//! requests (httpmock) and one that answers whatever a test scripts, however hostile.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod server;
mod transport;
#[cfg(all(feature = "products", feature = "orders", feature = "customers"))]
mod typed_clients;
