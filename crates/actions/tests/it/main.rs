//! Integration tests of the action registry.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod conformance;
mod export;
mod forms;
