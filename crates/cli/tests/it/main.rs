//! End-to-end tests of the `syncaut` binary.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod actions;

use std::process::{Command, Output};

/// Runs `syncaut` with `args` and an isolated environment.
pub(crate) fn syncaut(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncaut"))
        .args(args)
        .env_remove("SYNCAUT_BIGCOMMERCE_API_URL")
        .output()
        .unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
