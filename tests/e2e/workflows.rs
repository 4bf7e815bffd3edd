//! Workflows and single steps through the binary: what a run keeps when it fails, how it
//! behaves in a pipe, and what it says when something is missing.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::{SENTINEL, assert_silent_about_token, private_dir, stderr, stdout, syncaut};

/// Runs a command with `input` on standard input.
pub(crate) fn with_stdin(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn write(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("workflow.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A step fails after another created a category: `--json` still prints what the first
/// returned (its id is not lost) beside the failing step's error.
#[test]
fn a_failed_run_in_json_keeps_what_earlier_steps_returned() {
    let dir = private_dir();
    let file = write(
        dir.path(),
        "steps:\n  - name: made\n    action: create_category\n    params:\n      name: Lids for {{missing}}\n",
    );
    let refused = syncaut(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox", "--json"],
    )
    .output()
    .unwrap();
    assert!(
        stderr(&refused).contains("refers to `missing`, which is not a step"),
        "checked before anything runs: {}",
        stderr(&refused)
    );

    let file = write(
        dir.path(),
        "steps:\n  - name: made\n    action: create_category\n    params:\n      name: Lids\n  - name: missing\n    action: get_order\n    params:\n      orderId: 999999\n",
    );
    let ran = syncaut(
        dir.path(),
        None,
        &["workflow", "run", file.to_str().unwrap(), "--sandbox", "--json"],
    )
    .output()
    .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&ran)).unwrap();
    let steps = report["steps"].as_array().unwrap();
    assert!(
        steps[0]["output"]["data"]["category_id"].as_i64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(steps[1]["name"], "missing");
    assert_eq!(steps[1]["error"]["code"], "not_found");
    assert_eq!(report["error"]["code"], "not_found");
    assert!(stderr(&ran).contains("\"code\":\"not_found\""));
}

/// `syncaut workflow run … | head` stops quietly: no panic, no error about the pipe.
#[test]
fn piped_into_head_it_exits_quietly() {
    let examples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ship-awaiting-fulfillment.yaml");
    let dir = private_dir();
    let script = format!(
        "'{}' workflow run '{}' --sandbox | head -n 1 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
        env!("CARGO_BIN_EXE_syncaut"),
        examples.display()
    );
    let ran = Command::new("bash")
        .args(["-c", &script])
        .env("SYNCAUT_DATA_DIR", dir.path())
        .env_remove("SYNCAUT_BIGCOMMERCE_API_URL")
        .output()
        .unwrap();
    assert_eq!(stdout(&ran).trim(), "status=0", "{}", stderr(&ran));
    assert!(!stderr(&ran).contains("error["), "{}", stderr(&ran));
    assert!(!stderr(&ran).contains("panicked"), "{}", stderr(&ran));
}

#[test]
fn run_without_a_credential_names_both_options() {
    let dir = private_dir();
    let ran = syncaut(
        dir.path(),
        None,
        &["run", "get_orders", "--step", "s", "--store-hash", "abc"],
    )
    .output()
    .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    assert_eq!(
        stderr(&ran).trim(),
        "error[missing_credential]: one of --credential NAME (a credential saved with `syncaut credentials add`) or --token-env VAR (an environment variable holding the token) is needed"
    );
    let empty = syncaut(
        dir.path(),
        None,
        &[
            "run",
            "get_orders",
            "--step",
            "s",
            "--store-hash",
            "abc",
            "--token-env",
            "E2E_EMPTY",
        ],
    )
    .env("E2E_EMPTY", "")
    .output()
    .unwrap();
    assert!(
        stderr(&empty).starts_with("error[token_env_missing]: the environment variable E2E_EMPTY is empty"),
        "{}",
        stderr(&empty)
    );
}

#[test]
fn pasted_inputs_are_trimmed_or_refused_in_the_docs_words() {
    let dir = private_dir();
    let dry = syncaut(
        dir.path(),
        None,
        &[
            "run",
            "get_order",
            "--step",
            "s",
            "--store-hash",
            "  abc123xyz\n",
            "--credential",
            "c",
            "--param",
            "orderId=5",
            "--dry-run",
        ],
    )
    .output()
    .unwrap();
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("/stores/abc123xyz/v2/orders/5"));
    for bad in [format!("{SENTINEL}\nsecond-line"), format!("{SENTINEL} {SENTINEL}")] {
        let mut add = syncaut(dir.path(), None, &["credentials", "add", "--name", "bad"]);
        let added = with_stdin(&mut add, &bad);
        assert_eq!(added.status.code(), Some(1));
        assert!(
            stderr(&added).starts_with("error[invalid_access_token]: Invalid Access Token: the token"),
            "{}",
            stderr(&added)
        );
        assert_silent_about_token(&added);
    }
    let empty_key = syncaut(dir.path(), None, &["credentials", "list"])
        .env("SYNCAUT_MASTER_KEY", "")
        .output()
        .unwrap();
    assert!(
        stderr(&empty_key).starts_with("error[invalid_master_key]"),
        "{}",
        stderr(&empty_key)
    );
    assert!(
        stderr(&empty_key).contains("it is set but empty"),
        "{}",
        stderr(&empty_key)
    );
}
