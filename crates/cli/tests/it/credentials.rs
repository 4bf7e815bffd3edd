//! `syncaut credentials …` and `run --credential` with a real vault on disk.

use httpmock::prelude::*;
use serde_json::{Value, json};

use crate::{SENTINEL, assert_silent_about_token, command, stderr, stdout, with_stdin};

fn add(dir: &std::path::Path, name: &str, token: &str) -> std::process::Output {
    with_stdin(
        command(dir, None, &["credentials", "add", "--name", name]),
        &format!("{token}\n"),
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_token_added_through_the_cli_reaches_bigcommerce_and_nowhere_else() {
    let dir = crate::private_dir();
    let added = add(dir.path(), "Client Store — BigCommerce", SENTINEL);
    assert!(added.status.success(), "{}", stderr(&added));
    assert_eq!(
        stdout(&added).trim(),
        "saved credential `Client Store — BigCommerce` (bigcommerce) in workspace `default`"
    );
    assert_silent_about_token(&added);

    let listed = command(dir.path(), None, &["credentials", "list", "--json"])
        .output()
        .unwrap();
    assert_silent_about_token(&listed);
    let list: Vec<Value> = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Client Store — BigCommerce");
    assert_eq!(list[0]["type"], "bigcommerce");
    let keys: Vec<&str> = list[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["name", "type", "workspace", "created_at", "updated_at"]);

    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/stores/abc123/v2/orders/5")
            .header("x-auth-token", SENTINEL);
        then.status(200).json_body(json!({"id": 5, "status_id": 11}));
    });
    let ran = command(
        dir.path(),
        Some(&server.base_url()),
        &[
            "run",
            "get_order",
            "--step",
            "getOrder",
            "--store-hash",
            "abc123",
            "--credential",
            "Client Store — BigCommerce",
            "--param",
            "orderId=5",
        ],
    )
    .output()
    .unwrap();
    assert!(ran.status.success(), "{}", stderr(&ran));
    mock.assert();
    assert_silent_about_token(&ran);
    let output: Value = serde_json::from_str(&stdout(&ran)).unwrap();
    assert_eq!(
        output,
        json!({"data": {"id": 5, "status_id": 11}, "action": "get_order", "storeHash": "abc123"})
    );

    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !contains(&bytes, SENTINEL.as_bytes()),
            "{} holds the token in clear",
            path.display()
        );
    }
    // WAL mode is persistent; SQLite folds the WAL back in when the last process closes.
    let mode = crate::sql(&dir.path().join("vault.db"), "PRAGMA journal_mode");
    assert_eq!(mode.as_deref(), Some("wal"));
}

#[test]
fn a_removed_credential_is_credential_not_found_with_the_docs_advice() {
    let dir = crate::private_dir();
    assert!(add(dir.path(), "shop", SENTINEL).status.success());
    let removed = command(dir.path(), None, &["credentials", "remove", "shop"])
        .output()
        .unwrap();
    assert!(removed.status.success());
    let ran = command(
        dir.path(),
        Some("http://127.0.0.1:9"),
        &[
            "run",
            "get_orders",
            "--step",
            "s",
            "--store-hash",
            "abc",
            "--credential",
            "shop",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    assert_eq!(
        stderr(&ran).trim(),
        "error[credential_not_found]: Credential not found: the credential `shop` attached to the node was deleted from your workspace. Re-add it under Workspace → Credentials and update the node."
    );
}

#[test]
fn rotate_replaces_the_token_and_rotate_key_keeps_credentials_readable() {
    let dir = crate::private_dir();
    assert!(add(dir.path(), "shop", "first-token").status.success());
    let rotated = with_stdin(command(dir.path(), None, &["credentials", "rotate", "shop"]), SENTINEL);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let key_before = std::fs::read_to_string(dir.path().join("master.key")).unwrap();
    let rekeyed = command(dir.path(), None, &["credentials", "rotate-key"])
        .output()
        .unwrap();
    assert!(rekeyed.status.success(), "{}", stderr(&rekeyed));
    assert!(stdout(&rekeyed).starts_with("re-encrypted 1 credential(s) under the new master key"));
    assert_ne!(
        key_before,
        std::fs::read_to_string(dir.path().join("master.key")).unwrap()
    );

    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path("/stores/abc123/v2/orders")
            .header("x-auth-token", SENTINEL);
        then.status(200).json_body(json!([]));
    });
    let ran = command(
        dir.path(),
        Some(&server.base_url()),
        &[
            "run",
            "get_orders",
            "--step",
            "s",
            "--store-hash",
            "abc123",
            "--credential",
            "shop",
        ],
    )
    .output()
    .unwrap();
    assert!(ran.status.success(), "{}", stderr(&ran));
    mock.assert();
}

#[test]
fn two_processes_adding_at_once_both_succeed() {
    let dir = crate::private_dir();
    let children: Vec<_> = (0..12)
        .map(|i| {
            let mut cmd = command(
                dir.path(),
                None,
                &["credentials", "add", "--name", &format!("shop-{i}")],
            );
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("token-{i}").as_bytes()).unwrap();
            child
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let listed = command(dir.path(), None, &["credentials", "list", "--json"])
        .output()
        .unwrap();
    let list: Vec<Value> = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(list.len(), 12);
}

#[test]
fn a_token_is_never_taken_from_arguments_and_an_empty_one_is_refused() {
    let dir = crate::private_dir();
    let empty = with_stdin(
        command(dir.path(), None, &["credentials", "add", "--name", "shop"]),
        "\n",
    );
    assert_eq!(empty.status.code(), Some(1));
    assert!(stderr(&empty).starts_with("error[empty_token]: no token was given"));
    let with_flag = command(
        dir.path(),
        None,
        &["credentials", "add", "--name", "shop", "--token", "x"],
    )
    .output()
    .unwrap();
    assert_eq!(with_flag.status.code(), Some(2), "there is no --token flag");
}

#[test]
fn a_wrong_master_key_and_a_tampered_record_are_clear_errors() {
    let dir = crate::private_dir();
    assert!(add(dir.path(), "shop", SENTINEL).status.success());
    let wrong = command(
        dir.path(),
        Some("http://127.0.0.1:9"),
        &[
            "run",
            "get_orders",
            "--step",
            "s",
            "--store-hash",
            "abc",
            "--credential",
            "shop",
        ],
    )
    .env("SYNCAUT_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    .output()
    .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong)
            .starts_with("error[credential_unavailable]: the credential `shop` could not be read: the credentials in"),
        "{}",
        stderr(&wrong)
    );
    assert!(stderr(&wrong).contains("were sealed with a different master key"));

    crate::sql(
        &dir.path().join("vault.db"),
        "UPDATE credentials SET ciphertext = zeroblob(40)",
    );
    let tampered = command(
        dir.path(),
        None,
        &["credentials", "test", "shop", "--store-hash", "abc"],
    )
    .output()
    .unwrap();
    assert_eq!(tampered.status.code(), Some(1));
    assert!(
        stderr(&tampered).starts_with("error[credential_tampered]: the credential `shop` failed its integrity check")
    );
}

#[test]
fn credentials_test_answers_in_the_docs_terms() {
    let dir = crate::private_dir();
    assert!(add(dir.path(), "shop", SENTINEL).status.success());
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET)
            .path("/stores/good1/v2/store")
            .header("x-auth-token", SENTINEL);
        then.status(200)
            .json_body(json!({"id": "good1", "name": "Jane's Jars", "domain": "janesjars.example"}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/stores/nostore/v2/store");
        then.status(404).json_body(json!({"status": 404}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/stores/other/v2/store");
        then.status(403).json_body(json!({"status": 403}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/stores/revoked/v2/store");
        then.status(401).json_body(json!({"status": 401}));
    });
    let test = |hash: &str| {
        command(
            dir.path(),
            Some(&server.base_url()),
            &["credentials", "test", "shop", "--store-hash", hash],
        )
        .output()
        .unwrap()
    };
    let ok = test("good1");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(
        stdout(&ok).trim(),
        "valid: the token works for store `good1` (Jane's Jars, janesjars.example)"
    );
    assert!(stderr(&test("nostore")).starts_with("error[store_not_found]: Store not found (404)"));
    assert!(stderr(&test("other")).starts_with("error[forbidden]: 403 Forbidden: your API token is missing the scope the credential test needs: Information & Settings — Read-Only (store_v2_information_read_only)."));
    assert!(stderr(&test("revoked")).starts_with("error[invalid_access_token]: Invalid Access Token"));
    for hash in ["good1", "nostore", "other", "revoked"] {
        assert_silent_about_token(&test(hash));
    }
}
