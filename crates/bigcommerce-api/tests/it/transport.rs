//! The one send path against hostile servers: redirects never carry the token, answers
//! are bounded in size and time, lying rate-limit headers cannot stall a step, and typed
//! clients are paced and retried like actions.

use std::time::{Duration, Instant};

use bigcommerce_api::{ApiVersion, Call, SecretString, SendError, Stats, StoreClient, StoreHash, TransportConfig};

use crate::server::{Reply, Scripted};

const SENTINEL: &str = "SENTINEL-transport-token-3e9f";

fn config(base: &str) -> TransportConfig {
    let mut config = TransportConfig::new(base).unwrap();
    config.retry.base_delay = Duration::from_millis(2);
    config.retry.max_delay = Duration::from_millis(20);
    config
}

fn client(config: &TransportConfig) -> StoreClient {
    StoreClient::new(config, StoreHash::new("abc123").unwrap(), &SecretString::from(SENTINEL)).unwrap()
}

async fn send(
    client: &StoreClient,
    method: reqwest::Method,
    body: Option<&'static str>,
) -> Result<bigcommerce_api::Answer, SendError> {
    let stats = Stats::default();
    let call = Call::new(&stats, client.transport().config().step_deadline);
    let request = client.request(
        method,
        client.url(ApiVersion::V3, "/catalog/products", None),
        body.map(|b: &'static str| bytes::Bytes::from_static(b.as_bytes())),
    );
    client.send(request, &call).await
}

fn redirect(status: &str, location: String) -> Reply {
    Reply::json(status, &[("location", location)], "{}")
}

/// A redirect to another port, to `localhost` instead of `127.0.0.1`, and for a write:
/// refused every time, and the second server never sees a request.
#[tokio::test]
async fn a_redirect_never_carries_the_token_anywhere() {
    let thief = Scripted::start(|_, _| Reply::json("200 OK", &[], "{\"data\":[]}")).await;
    let thief_port = thief.port;
    for (status, target) in [
        ("302 Found", format!("http://127.0.0.1:{thief_port}/steal?token=x")),
        ("301 Moved Permanently", format!("http://localhost:{thief_port}/steal")),
        (
            "307 Temporary Redirect",
            format!("http://127.0.0.1:{thief_port}/v3/catalog/products"),
        ),
        ("308 Permanent Redirect", format!("http://127.0.0.1:{thief_port}/")),
    ] {
        let api = Scripted::start(move |_, _| redirect(status, target.clone())).await;
        let client = client(&config(&api.base_url()));
        let err = send(&client, reqwest::Method::GET, None).await.unwrap_err();
        assert_eq!(err.code(), "redirect_refused", "{status}");
        assert!(!err.to_string().contains("token=x"), "no query strings: {err}");
        assert!(!err.to_string().contains(SENTINEL));
        assert_eq!(api.requests().len(), 1, "not retried");
    }
    // The same host by another name: `localhost` is not `127.0.0.1`.
    let same_host = Scripted::start(|_, _| Reply::json("200 OK", &[], "{}")).await;
    let port = same_host.port;
    let api = Scripted::start(move |_, _| redirect("302 Found", format!("http://localhost:{port}/x"))).await;
    let err = send(&client(&config(&api.base_url())), reqwest::Method::GET, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "redirect_refused");
    assert!(same_host.requests().is_empty());
    // A create redirected with 303 does not become a GET that reports success.
    let api =
        Scripted::start(move |_, _| redirect("303 See Other", format!("http://127.0.0.1:{thief_port}/made"))).await;
    let err = send(
        &client(&config(&api.base_url())),
        reqwest::Method::POST,
        Some("{\"name\":\"x\"}"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "redirect_refused");
    assert_eq!(api.requests()[0].method(), "POST");
    assert!(thief.requests().is_empty(), "the token never reached the second server");
}

#[tokio::test]
async fn an_answer_over_the_size_limit_fails_clearly() {
    let huge = Scripted::start(|_, _| Reply::Full {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 999999999999\r\n".into(),
        body: Vec::new(),
    })
    .await;
    let mut small = config(&huge.base_url());
    small.max_response_bytes = 1024 * 1024;
    let err = send(&client(&small), reqwest::Method::GET, None).await.unwrap_err();
    assert_eq!(err, SendError::TooLarge { limit_mib: 1 });

    let endless = Scripted::start(|_, _| Reply::Endless {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".into(),
        chunk: vec![b' '; 64 * 1024],
    })
    .await;
    let mut small = config(&endless.base_url());
    small.max_response_bytes = 4 * 1024 * 1024;
    let started = Instant::now();
    let err = send(&client(&small), reqwest::Method::GET, None).await.unwrap_err();
    assert_eq!(err.code(), "response_too_large");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_slow_drip_cannot_outlive_the_timeout() {
    let drip = Scripted::start(|_, _| Reply::Drip {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".into(),
        every: Duration::from_millis(50),
    })
    .await;
    let mut quick = config(&drip.base_url());
    quick.timeout = Duration::from_millis(400);
    quick.retry.max_retries = 0;
    let started = Instant::now();
    let err = send(&client(&quick), reqwest::Method::GET, None).await.unwrap_err();
    assert_eq!(err.code(), "timeout");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

/// A reset of years, a negative or non-numeric one: the step's deadline still holds, and
/// the 429 itself comes back for the caller to report.
#[tokio::test]
async fn lying_rate_limit_headers_cannot_stall_a_step() {
    for reset in ["31536000000", "-5", "soon", ""] {
        let api = Scripted::start(move |_, _| {
            Reply::json(
                "429 Too Many Requests",
                &[
                    ("x-rate-limit-time-reset-ms", reset.to_owned()),
                    ("x-rate-limit-requests-left", "0".to_owned()),
                ],
                "{}",
            )
        })
        .await;
        let mut tight = config(&api.base_url());
        tight.step_deadline = Duration::from_millis(800);
        let client = client(&tight);
        let started = Instant::now();
        let result = send(&client, reqwest::Method::GET, None).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{reset}: {:?}",
            started.elapsed()
        );
        match result {
            Ok(answer) => assert_eq!(answer.status, 429, "{reset}"),
            Err(err) => assert_eq!(err.code(), "deadline_exceeded", "{reset}"),
        }
    }
}

#[tokio::test]
async fn statuses_outside_http_classes_come_back_unretried() {
    let api = Scripted::start(|_, _| Reply::json("799 Odd", &[], "{}")).await;
    let answer = send(&client(&config(&api.base_url())), reqwest::Method::GET, None)
        .await
        .unwrap();
    assert_eq!(answer.status, 799);
    assert_eq!(api.requests().len(), 1, "only real 5xx are retried");
    let api = Scripted::start(|_, _| Reply::json("503 Service Unavailable", &[], "{}")).await;
    let answer = send(&client(&config(&api.base_url())), reqwest::Method::GET, None)
        .await
        .unwrap();
    assert_eq!(answer.status, 503);
    assert_eq!(api.requests().len(), 4, "a 503 is retried three times");
}

/// A typed client's call waits out a 429 to its reset and is sent again, like an action.
#[cfg(feature = "products")]
#[tokio::test]
async fn a_typed_client_call_waits_out_a_429_like_an_action() {
    let api = Scripted::start(|n, _| match n {
        0 => Reply::json(
            "429 Too Many Requests",
            &[("x-rate-limit-time-reset-ms", "300".into()), ("x-rate-limit-requests-left", "0".into())],
            "{\"status\":429}",
        ),
        _ => Reply::json(
            "200 OK",
            &[],
            r#"{"data":[],"meta":{"pagination":{"total":0,"count":0,"per_page":50,"current_page":1,"total_pages":0,"links":{}}}}"#,
        ),
    })
    .await;
    let client = client(&config(&api.base_url()));
    let started = Instant::now();
    let response = client.products().get_products().send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(280),
        "{:?}",
        started.elapsed()
    );
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| {
        r.head
            .to_ascii_lowercase()
            .contains(&format!("x-auth-token: {}", SENTINEL.to_ascii_lowercase()))
    }));
}

/// A typed client refuses a redirect too, with the transport's code in its error.
#[cfg(feature = "products")]
#[tokio::test]
async fn a_typed_client_refuses_redirects() {
    let thief = Scripted::start(|_, _| Reply::json("200 OK", &[], "{}")).await;
    let port = thief.port;
    let api = Scripted::start(move |_, _| redirect("302 Found", format!("http://127.0.0.1:{port}/"))).await;
    let err = client(&config(&api.base_url()))
        .products()
        .get_products()
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("error[redirect_refused]"), "{err}");
    assert!(thief.requests().is_empty());
    assert!(!format!("{err:?}").contains(SENTINEL));
}
