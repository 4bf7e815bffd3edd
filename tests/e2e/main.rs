//! Cross-crate end-to-end tests: the real `syncaut` binary, driven as a user drives it,
//! against the sandbox and against hostile servers.
//!
//! This folder is a test target of the `syncaut-cli` package (see its `Cargo.toml`), so
//! that Cargo builds the binary first and tells the tests where it is.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod api;
mod durable;
mod forms;
mod fulfilment;
mod hostile;
mod page;
mod scale;
mod server;
mod service;
mod triggers;
mod workflows;

use std::path::Path;
use std::process::{Command, Output};

/// The token every end-to-end test uses; no output may contain it.
pub(crate) const SENTINEL: &str = "SENTINEL-e2e-token-9b2d";

/// A temporary directory only its owner can reach, as a data directory must be.
pub(crate) fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

/// `syncaut` with an isolated data directory and the API at `api_url` (if any).
pub(crate) fn syncaut(data_dir: &Path, api_url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_syncaut"));
    command
        .args(args)
        .env("SYNCAUT_DATA_DIR", data_dir)
        .env_remove("SYNCAUT_MASTER_KEY")
        .env_remove("SYNCAUT_BIGCOMMERCE_API_URL");
    if let Some(url) = api_url {
        command.env("SYNCAUT_BIGCOMMERCE_API_URL", url);
    }
    command
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Nothing the command printed holds the sentinel token.
pub(crate) fn assert_silent_about_token(output: &Output) {
    assert!(!stdout(output).contains(SENTINEL), "stdout shows the token");
    assert!(!stderr(output).contains(SENTINEL), "stderr shows the token");
}
