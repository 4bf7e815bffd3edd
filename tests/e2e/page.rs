//! The web page in a real browser: `crates/server/web/test/browser.mjs` drives Debian's
//! headless Chromium (playwright-core) through the page the binary embeds, against
//! `syncaut serve --sandbox`: key, credentials, a two-step workflow built with the
//! forms, the store-options widget and the "+ variable" picker, run and watched live.
//! Screenshots stay in `target/page-screenshots` (CI keeps them as artifacts).
//!
//! Needs `/usr/bin/chromium` and `npm ci --prefix crates/server/web` (`.ci/run` installs
//! both); outside CI it skips with a message when either is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::private_dir;
use crate::service::Service;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/web")
}

fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/page-screenshots")
}

fn ready() -> Result<(), String> {
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("Chromium is not installed (apt-get install chromium)".into());
    }
    if !web_dir().join("node_modules/playwright-core").is_dir() {
        return Err("the page's packages are not installed (npm ci --prefix crates/server/web)".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_builds_runs_and_watches_a_workflow_in_a_real_browser() {
    if let Err(why) = ready() {
        assert!(std::env::var("CI").is_err(), "CI must run the browser test: {why}");
        eprintln!("SKIPPED browser page test: {why}");
        return;
    }
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let out = screenshots_dir();
    let _ = std::fs::remove_dir_all(&out);
    // The server is a process of its own: waiting for the browser here blocks nothing.
    let ran = Command::new("node")
        .arg(web_dir().join("test/browser.mjs"))
        .arg(&service.base)
        .arg(&service.key)
        .arg(&out)
        .output()
        .unwrap();
    let report: Value = std::fs::read_to_string(out.join("report.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    assert!(
        ran.status.success(),
        "the browser test failed: {}\nreport: {report:#}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    for shot in [
        "01-start.png",
        "02-forms.png",
        "03-options.png",
        "04-picker.png",
        "05-run.png",
    ] {
        let bytes = std::fs::read(out.join(shot)).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{shot} was not taken"
        );
    }

    // What the page did is what the API holds.
    let (_, runs) = service.get("/v1/runs").await;
    let run = &runs["runs"][0];
    assert_eq!(run["status"], "succeeded", "{runs}");
    let (status, run) = service.get(&format!("/v1/runs/{}", run["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    let orders = &run["steps"][1];
    assert_eq!(orders["name"], "orders");
    assert!(
        orders["output"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|order| order["status_id"] == 11),
        "only orders awaiting fulfillment: {orders}"
    );
    assert!(!service.printed().contains(syncaut_sandbox::FULL_ACCESS_TOKEN));
}

#[tokio::test]
async fn the_page_is_served_from_the_binary_with_a_strict_policy_and_revalidation() {
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/", service.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("/assets/app.js") && html.contains("/assets/app.css"));
    let script = http
        .get(format!("{}/assets/app.js", service.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let tag = script.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        script.bytes().await.unwrap().len() > 100_000,
        "the real bundle, not a placeholder"
    );
    let again = http
        .get(format!("{}/assets/app.js", service.base))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
}

/// The service's OpenAPI document is valid against the OpenAPI specification's own
/// schema (checked by `@apidevtools/swagger-parser`), and every route it serves is in it.
#[tokio::test]
async fn the_openapi_document_is_valid() {
    if !web_dir().join("node_modules/@apidevtools/swagger-parser").is_dir() {
        let why = "the page's packages are not installed (npm ci --prefix crates/server/web)";
        assert!(
            std::env::var("CI").is_err(),
            "CI must validate the OpenAPI document: {why}"
        );
        eprintln!("SKIPPED OpenAPI validation: {why}");
        return;
    }
    let dir = private_dir();
    let service = Service::with_sandbox(dir.path());
    let document = reqwest::get(format!("{}/openapi.json", service.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &document).unwrap();
    let checked = Command::new("node")
        .arg(web_dir().join("test/openapi.mjs"))
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stdout).into_owned() + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    assert!(said.starts_with("valid OpenAPI 3.1"), "{said}");
    let document: Value = serde_json::from_str(&document).unwrap();
    let params = &document["paths"]["/v1/runs"]["get"]["parameters"];
    for param in params.as_array().unwrap() {
        assert_eq!(param["in"], "query", "{param}");
        assert_ne!(param["required"], true, "{param}");
    }
}
