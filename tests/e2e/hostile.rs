//! The binary against hostile servers: the token never follows a redirect, lying lists and
//! endless answers fail quickly and clearly, and a store check accepts only BigCommerce's
//! answer.

use std::time::{Duration, Instant};

use crate::server::{Reply, Scripted};
use crate::{SENTINEL, assert_silent_about_token, private_dir, stderr, syncaut};

fn run_get_orders(api: &str, params: &str) -> std::process::Output {
    let dir = private_dir();
    syncaut(
        dir.path(),
        Some(api),
        &[
            "run",
            "get_orders",
            "--step",
            "orders",
            "--store-hash",
            "abc123",
            "--token-env",
            "E2E_TOKEN",
            "--params",
            params,
        ],
    )
    .env("E2E_TOKEN", SENTINEL)
    .output()
    .unwrap()
}

/// The redirect test of issue 13: to a server on another port, and to the same server by
/// another name (`localhost` instead of `127.0.0.1`): the token reaches neither.
#[test]
fn a_redirect_never_carries_the_token_to_another_server() {
    let thief = Scripted::start(|_, _| Reply::json("200 OK", &[], "[]"));
    let port = thief.port;
    for location in [
        format!("http://127.0.0.1:{port}/stores/abc123/v2/orders?leak=1"),
        format!("http://localhost:{port}/stores/abc123/v2/orders"),
    ] {
        let api =
            Scripted::start(move |_, _| Reply::json("307 Temporary Redirect", &[("location", location.clone())], "{}"));
        let ran = run_get_orders(&api.base_url(), "{}");
        assert_eq!(ran.status.code(), Some(1));
        assert!(
            stderr(&ran).starts_with("error[redirect_refused]: the server answered 307 redirecting to http://"),
            "{}",
            stderr(&ran)
        );
        assert!(!stderr(&ran).contains("leak=1"));
        assert_silent_about_token(&ran);
        assert_eq!(api.requests().len(), 1);
    }
    // The same API by the other name redirecting to itself by the first name.
    let api = Scripted::start(|_, _| Reply::json("200 OK", &[], "[]"));
    let api_port = api.port;
    let front = Scripted::start(move |_, _| {
        Reply::json(
            "302 Found",
            &[(
                "location",
                format!("http://127.0.0.1:{api_port}/stores/abc123/v2/orders"),
            )],
            "{}",
        )
    });
    let ran = run_get_orders(&format!("http://localhost:{}", front.port), "{}");
    assert!(stderr(&ran).starts_with("error[redirect_refused]"), "{}", stderr(&ran));
    assert!(api.requests().is_empty());
    assert!(thief.requests().is_empty(), "the token never reached the second server");
}

fn page_of_250() -> String {
    let records: Vec<String> = (1..=250).map(|i| format!("{{\"id\":{i},\"status_id\":11}}")).collect();
    format!("[{}]", records.join(","))
}

/// A count of a trillion orders: refused after the first exchange, in well under a
/// second, without holding more than a page.
#[test]
fn a_list_claiming_absurd_totals_fails_fast() {
    let page = page_of_250();
    let api = Scripted::start(move |_, seen| {
        if seen.target().contains("/orders/count") {
            Reply::json("200 OK", &[], "{\"count\": 1000000000000}")
        } else {
            Reply::json("200 OK", &[], &page)
        }
    });
    let started = Instant::now();
    let ran = run_get_orders(&api.base_url(), r#"{"return_all": true}"#);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(ran.status.code(), Some(1));
    assert!(
        stderr(&ran).starts_with("error[too_many_records]: the list has 1000000000000 records"),
        "{}",
        stderr(&ran)
    );
    assert!(api.requests().len() <= 2, "the count and the first page only");
}

#[test]
fn an_endless_answer_fails_at_the_size_limit() {
    let api = Scripted::start(|_, _| Reply::Endless {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".into(),
        chunk: vec![b' '; 64 * 1024],
    });
    let dir = private_dir();
    let started = Instant::now();
    let ran = syncaut(
        dir.path(),
        Some(&api.base_url()),
        &[
            "run",
            "get_order",
            "--step",
            "o",
            "--store-hash",
            "abc123",
            "--token-env",
            "E2E_TOKEN",
            "--param",
            "orderId=1",
        ],
    )
    .env("E2E_TOKEN", SENTINEL)
    .env("SYNCAUT_HTTP_MAX_RESPONSE_MB", "2")
    .output()
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stderr(&ran).starts_with("error[response_too_large]: BigCommerce's answer is larger than 2 MiB"),
        "{}",
        stderr(&ran)
    );
}

/// `credentials test` says "valid" only for BigCommerce's store information.
#[test]
fn a_store_check_accepts_only_bigcommerces_answer() {
    let dir = private_dir();
    let mut add = syncaut(dir.path(), None, &["credentials", "add", "--name", "shop"]);
    let added = crate::workflows::with_stdin(&mut add, SENTINEL);
    assert!(added.status.success(), "{}", stderr(&added));
    for body in ["<html>welcome</html>", "{}", "[]", "{\"status\": \"ok\"}"] {
        let api = Scripted::start(move |_, _| Reply::json("200 OK", &[], body));
        let checked = syncaut(
            dir.path(),
            Some(&api.base_url()),
            &["credentials", "test", "shop", "--store-hash", "abc123"],
        )
        .output()
        .unwrap();
        assert_eq!(checked.status.code(), Some(1), "{body}");
        assert!(
            stderr(&checked).starts_with("error[invalid_response]"),
            "{body}: {}",
            stderr(&checked)
        );
        assert_silent_about_token(&checked);
    }
    let api = Scripted::start(|_, _| {
        Reply::json(
            "200 OK",
            &[],
            r#"{"id": "abc123", "name": "Jar Shop", "domain": "jars.example"}"#,
        )
    });
    let checked = syncaut(
        dir.path(),
        Some(&api.base_url()),
        &["credentials", "test", "shop", "--store-hash", "abc123"],
    )
    .output()
    .unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert_eq!(
        crate::stdout(&checked).trim(),
        "valid: the token works for store `abc123` (Jar Shop, jars.example)"
    );
}
