//! End-to-end tests of the `syncaut` binary.
// Tests may panic on unexpected values; `unwrap` is how they say so.
#![allow(clippy::unwrap_used)]

mod actions;
mod credentials;
mod run;
mod workflow;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The token the CLI tests use; it may appear nowhere but in the request header.
pub(crate) const SENTINEL: &str = "SENTINEL-cli-tok-41a7e9";

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

/// Runs SQL on a database file directly (to inspect or damage it); the first column of
/// the first row, as text, when the statement returns one.
pub(crate) fn sql(path: &Path, statement: &'static str) -> Option<String> {
    use sqlx::Row;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let row = sqlx::query(statement).fetch_optional(&pool).await.unwrap();
        let value = row.and_then(|r| r.try_get::<String, _>(0).ok());
        pool.close().await;
        value
    })
}

/// Runs `syncaut` with `args` and an isolated environment.
pub(crate) fn syncaut(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncaut"))
        .args(args)
        .env_remove("SYNCAUT_BIGCOMMERCE_API_URL")
        .output()
        .unwrap()
}

/// A `syncaut` command with its data directory in `data_dir` and the API at `api_url`.
pub(crate) fn command(data_dir: &Path, api_url: Option<&str>, args: &[&str]) -> Command {
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

/// Runs a command with `input` on standard input.
pub(crate) fn with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Asserts that nothing the command printed contains the sentinel token.
pub(crate) fn assert_silent_about_token(output: &Output) {
    assert!(!stdout(output).contains(SENTINEL), "stdout shows the token");
    assert!(!stderr(output).contains(SENTINEL), "stderr shows the token");
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
