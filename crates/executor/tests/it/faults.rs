//! Faults a real store throws: 429 bursts, flapping 503s, reset connections, slow
//! answers, pages failing mid-way. Each test asserts the outcome, how many requests the
//! server saw, and that no POST was sent twice.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use syncaut_executor::{ExecError, Executor, NoCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::step;

/// What the scripted server does with one request.
enum Reply {
    Json(u16, Vec<(&'static str, String)>, Value),
    Empty(u16),
    Delay(Duration, Box<Reply>),
    /// Close the connection without answering.
    Reset,
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
}

type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

/// A tiny HTTP/1.1 server whose answers follow a script, recording every request.
struct Scripted {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    async fn start(script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_on(0, script).await
    }

    async fn start_on(port: u16, script: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let record = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, Arc::clone(&script), Arc::clone(&record)));
            }
        });
        Self { base_url, seen }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, method: &str) -> usize {
        self.requests().iter().filter(|s| s.method == method).count()
    }
}

async fn serve(mut socket: tokio::net::TcpStream, script: Arc<Script>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + length);
        let mut parts = head.split_whitespace();
        let request = Seen {
            method: parts.next().unwrap_or_default().into(),
            target: parts.next().unwrap_or_default().into(),
        };
        let index = {
            let mut seen = seen.lock().unwrap();
            seen.push(request.clone());
            seen.len() - 1
        };
        let mut reply = script(index, &request);
        loop {
            match reply {
                Reply::Delay(wait, then) => {
                    tokio::time::sleep(wait).await;
                    reply = *then;
                }
                Reply::Reset => return,
                Reply::Empty(status) => {
                    let text = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
                    if socket.write_all(text.as_bytes()).await.is_err() {
                        return;
                    }
                    break;
                }
                Reply::Json(status, headers, body) => {
                    let body = body.to_string();
                    let mut text = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                        body.len()
                    );
                    for (name, value) in headers {
                        text.push_str(&format!("{name}: {value}\r\n"));
                    }
                    text.push_str("\r\n");
                    text.push_str(&body);
                    if socket.write_all(text.as_bytes()).await.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

fn ok(body: Value) -> Reply {
    Reply::Json(200, Vec::new(), body)
}

fn rate_limited(reset_ms: Option<u64>) -> Reply {
    let mut headers = vec![
        ("X-Rate-Limit-Requests-Left", "0".to_owned()),
        ("X-Rate-Limit-Requests-Quota", "150".to_owned()),
    ];
    if let Some(ms) = reset_ms {
        headers.push(("X-Rate-Limit-Time-Reset-Ms", ms.to_string()));
    }
    Reply::Json(429, headers, json!({"status": 429, "title": "Too many requests"}))
}

fn executor(server: &Scripted) -> Executor {
    Executor::new(&crate::config(&server.base_url)).unwrap()
}

async fn run(server: &Scripted, action: &str, params: Value) -> Result<Value, ExecError> {
    run_counted(server, action, params).await.map(|(output, _)| output)
}

/// Runs a step and returns, beside its output, what it took.
async fn run_counted(
    server: &Scripted,
    action: &str,
    params: Value,
) -> Result<(Value, bigcommerce_api::StatsSnapshot), ExecError> {
    let stats = bigcommerce_api::Stats::default();
    let output = executor(server)
        .execute(
            &step(action, params),
            &syncaut_executor::StepOutputs::new(),
            &NoCredentials,
            &stats,
        )
        .await?;
    let output = output.to_value();
    assert_eq!(
        output.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data", "action", "storeHash"],
        "the envelope is exactly the docs'"
    );
    Ok((output, stats.snapshot()))
}

fn query(seen: &Seen, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://x{}", seen.target)).unwrap();
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn product_page(page: u64, total_pages: u64, size: u64) -> Value {
    let data: Vec<Value> = (0..size)
        .map(|i| json!({"id": page * 1000 + i, "name": format!("p{page}-{i}")}))
        .collect();
    json!({"data": data, "meta": {"pagination": {"total": total_pages * 250, "count": size, "per_page": 250, "current_page": page, "total_pages": total_pages}}})
}

#[tokio::test]
async fn a_burst_of_429s_waits_the_reset_and_then_succeeds() {
    let server = Scripted::start(|i, _| {
        if i < 3 {
            rate_limited(Some(60))
        } else {
            ok(json!([{"id": 1}]))
        }
    })
    .await;
    let started = Instant::now();
    let output = run(&server, "get_orders", json!({})).await.unwrap();
    assert_eq!(output["data"], json!([{"id": 1}]));
    assert_eq!(server.requests().len(), 4);
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "it waited the reset each time: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn endless_429s_without_headers_back_off_until_the_deadline_then_say_how_long_to_wait() {
    let server = Scripted::start(|_, _| rate_limited(None)).await;
    // BigCommerce's own backoff (from 250 ms), not the tests' quick one.
    let mut config = bigcommerce_api::TransportConfig::new(&server.base_url).unwrap();
    config.step_deadline = Duration::from_secs(2);
    let stats = bigcommerce_api::Stats::default();
    let err = Executor::new(&config)
        .unwrap()
        .execute(
            &step("get_orders", json!({})),
            &syncaut_executor::StepOutputs::new(),
            &NoCredentials,
            &stats,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rate_limited");
    // Backoffs of 0.25, 0.5 and 1 s (plus jitter) fit in 2 s; the next one does not.
    let sent = server.requests().len();
    assert!((3..=4).contains(&sent), "{sent} requests");
    assert!(err.to_string().contains("wait a few seconds"), "{err}");
}

#[tokio::test]
async fn a_post_answered_429_is_retried_because_it_was_not_processed() {
    let server = Scripted::start(|i, _| {
        if i == 0 {
            rate_limited(Some(20))
        } else {
            ok(json!({"data": {"id": 7}}))
        }
    })
    .await;
    let output = run(&server, "create_product", json!({"name": "Lids", "price": 2}))
        .await
        .unwrap();
    assert_eq!(output["data"]["id"], 7);
    assert_eq!(server.count("POST"), 2);
}

#[tokio::test]
async fn flapping_503s_on_a_read_are_retried() {
    let server = Scripted::start(|i, _| {
        if i < 2 {
            Reply::Empty(503)
        } else {
            ok(json!({"id": 218}))
        }
    })
    .await;
    let output = run(&server, "get_order", json!({"orderId": 218})).await.unwrap();
    assert_eq!(output["data"]["id"], 218);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_read_that_keeps_failing_gives_up_after_the_retries() {
    let server = Scripted::start(|_, _| Reply::Empty(503)).await;
    let err = run(&server, "update_order", json!({"orderId": 1, "status_id": 2}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "upstream_error");
    assert_eq!(
        server.count("PUT"),
        4,
        "PUT is idempotent: the first try and three retries"
    );
}

#[tokio::test]
async fn a_503_on_a_create_is_not_retried_and_says_the_outcome_is_unknown() {
    let server = Scripted::start(|_, _| Reply::Empty(503)).await;
    let err = run(&server, "create_product", json!({"name": "Mug", "price": 5}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "uncertain_write");
    assert_eq!(
        err.to_string(),
        "BigCommerce did not confirm create_product (BigCommerce answered 503): the record may or may not have been created. Check the store before running the step again, so it is not created twice"
    );
    assert_eq!(server.count("POST"), 1, "a POST is never sent twice");
}

/// A DELETE whose answer was lost is sent again; BigCommerce then finds nothing, because
/// the first attempt deleted it: the step succeeds. A DELETE that finds nothing the first
/// time is still `not_found`.
#[tokio::test]
async fn a_delete_repeated_after_a_lost_answer_that_finds_nothing_was_done() {
    let gone = || {
        Reply::Json(
            404,
            vec![],
            json!({"status": 404, "title": "The product was not found."}),
        )
    };
    let server = Scripted::start(move |i, seen| match (i, seen.method.as_str()) {
        (0, "DELETE") => Reply::Reset,
        (_, "DELETE") => gone(),
        _ => ok(json!({"data": {"id": 174}})),
    })
    .await;
    let output = run(&server, "delete_product", json!({"productId": 174})).await.unwrap();
    assert_eq!(output["data"], json!({"id": 174, "deleted": true}));
    assert_eq!(server.count("DELETE"), 2);

    let server = Scripted::start(move |_, seen| match seen.method.as_str() {
        "DELETE" => gone(),
        _ => ok(json!({"data": {"id": 1}})),
    })
    .await;
    let err = run(&server, "delete_product", json!({"productId": 174}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[tokio::test]
async fn a_reset_connection_is_retried_for_reads_but_not_for_creates() {
    let server = Scripted::start(|i, _| if i == 0 { Reply::Reset } else { ok(json!([])) }).await;
    run(&server, "get_orders", json!({})).await.unwrap();
    assert_eq!(server.requests().len(), 2);

    let server = Scripted::start(|_, _| Reply::Reset).await;
    let err = run(
        &server,
        "create_customer",
        json!({"first_name": "A", "last_name": "B", "email": "a@b.co"}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "uncertain_write");
    assert_eq!(server.count("POST"), 1);
}

#[tokio::test]
async fn a_create_that_never_connected_is_retried() {
    // Nothing listens on the port at first: the POST certainly never left, so it is
    // retried; the server comes up between retries and receives it exactly once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = crate::config(&format!("http://127.0.0.1:{port}"));
    config.retry.base_delay = Duration::from_millis(60);
    config.retry.max_delay = Duration::from_millis(400);
    let executor = Executor::new(&config).unwrap();
    let late_server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(90)).await;
        Scripted::start_on(port, |_, _| ok(json!({"data": {"id": 41, "name": "Lids"}}))).await
    });
    let output = crate::execute(
        &executor,
        &step("create_product", json!({"name": "Lids", "price": 2})),
        &syncaut_executor::StepOutputs::new(),
        &NoCredentials,
    )
    .await
    .unwrap();
    assert_eq!(output["data"]["id"], 41);
    let server = late_server.await.unwrap();
    assert_eq!(server.count("POST"), 1, "retried until it connected, and sent once");

    // With nothing ever listening, the retries run out and the error says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let executor = Executor::new(&crate::config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = crate::execute(
        &executor,
        &step("create_product", json!({"name": "Lids", "price": 2})),
        &syncaut_executor::StepOutputs::new(),
        &NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "connection_failed");
}

#[tokio::test]
async fn a_slow_answer_past_the_timeout() {
    let slow = || Reply::Delay(Duration::from_millis(800), Box::new(ok(json!([]))));
    let server = Scripted::start(move |_, _| slow()).await;
    let mut config = crate::config(&server.base_url);
    config.timeout = Duration::from_millis(150);
    let executor = Executor::new(&config).unwrap();
    let err = crate::execute(
        &executor,
        &step("get_orders", json!({})),
        &syncaut_executor::StepOutputs::new(),
        &NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "timeout");
    assert_eq!(server.requests().len(), 4, "a GET is retried after a timeout");

    let server = Scripted::start(move |_, _| slow()).await;
    let mut config = crate::config(&server.base_url);
    config.timeout = Duration::from_millis(150);
    let executor = Executor::new(&config).unwrap();
    let err = crate::execute(
        &executor,
        &step("create_product", json!({"name": "Mug", "price": 5})),
        &syncaut_executor::StepOutputs::new(),
        &NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "uncertain_write");
    assert!(err.to_string().contains("(it timed out)"), "{err}");
    assert_eq!(server.count("POST"), 1);
}

#[tokio::test]
async fn return_all_v3_fetches_every_page_in_order() {
    let server = Scripted::start(|_, seen| {
        let page: u64 = query(seen, "page").unwrap().parse().unwrap();
        let size = if page == 4 { 10 } else { 250 };
        Reply::Delay(
            Duration::from_millis(20 * (5 - page)),
            Box::new(ok(product_page(page, 4, size))),
        )
    })
    .await;
    let (output, stats) = run_counted(
        &server,
        "get_products",
        json!({"return_all": true, "keyword": "jar", "per_page": 10, "page": 3}),
    )
    .await
    .unwrap();
    let ids: Vec<u64> = output["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 760);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "pages are output in order even when they arrive out of order"
    );
    assert_eq!(stats.requests, 4, "four pages");
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for seen in &requests {
        assert_eq!(query(seen, "limit").as_deref(), Some("250"));
        assert_eq!(
            query(seen, "keyword").as_deref(),
            Some("jar"),
            "filters are kept on every page"
        );
    }
}

#[tokio::test]
async fn return_all_stops_at_the_limit() {
    let server = Scripted::start(|_, seen| {
        let page: u64 = query(seen, "page").unwrap().parse().unwrap();
        ok(product_page(page, 10, 250))
    })
    .await;
    let output = run(&server, "get_products", json!({"return_all": "true", "limit": 300}))
        .await
        .unwrap();
    assert_eq!(output["data"].as_array().unwrap().len(), 300);
    assert_eq!(server.requests().len(), 2, "only the pages the limit needs");
}

#[tokio::test]
async fn return_all_v2_asks_the_count_with_the_first_page_then_fetches_the_rest_at_once() {
    let server = Scripted::start(|_, seen| {
        if seen.target.starts_with("/stores/abc123/v2/orders/count") {
            assert_eq!(query(seen, "status_id").as_deref(), Some("11"));
            return ok(json!({"count": 600, "statuses": []}));
        }
        let page: u64 = query(seen, "page").unwrap().parse().unwrap();
        let size = if page == 3 { 100 } else { 250 };
        ok(Value::Array(
            (0..size)
                .map(|i| json!({"id": page * 1000 + i, "status_id": 11}))
                .collect(),
        ))
    })
    .await;
    let (output, stats) = run_counted(&server, "get_orders", json!({"status_id": 11, "return_all": true}))
        .await
        .unwrap();
    assert_eq!(output["data"].as_array().unwrap().len(), 600);
    assert_eq!(stats.requests, 4, "one count and three pages");
    assert_eq!(server.requests().len(), 4, "one count and three pages");
}

#[tokio::test]
async fn return_all_v2_without_a_count_pages_until_a_short_page_or_204() {
    let server = Scripted::start(|_, seen| {
        if seen.target.contains("/orders/count") {
            return Reply::Json(404, Vec::new(), json!([{"status": 404, "message": "Not found"}]));
        }
        match query(seen, "page").as_deref() {
            Some("1" | "2") => ok(Value::Array((0..250).map(|i| json!({"id": i})).collect())),
            _ => Reply::Empty(204),
        }
    })
    .await;
    let output = run(&server, "get_orders", json!({"return_all": true})).await.unwrap();
    assert_eq!(output["data"].as_array().unwrap().len(), 500);
    assert_eq!(
        server.requests().len(),
        4,
        "the count, pages 1 and 2, and the empty page 3"
    );
}

#[tokio::test]
async fn a_page_failing_mid_way_fails_the_step_without_a_partial_list() {
    let server = Scripted::start(|_, seen| {
        let page: u64 = query(seen, "page").unwrap().parse().unwrap();
        if page == 3 {
            Reply::Empty(500)
        } else {
            ok(product_page(page, 5, 250))
        }
    })
    .await;
    let err = run(&server, "get_products", json!({"return_all": true}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "upstream_error");
    assert!(
        err.to_string()
            .starts_with("page 3 of 5 failed, so no partial list was output: BigCommerce answered 500"),
        "{err}"
    );
    let page_three = server
        .requests()
        .iter()
        .filter(|s| query(s, "page").as_deref() == Some("3"))
        .count();
    assert_eq!(page_three, 4, "the failing page was retried three times");
}

#[tokio::test]
async fn pacing_waits_for_the_reset_instead_of_earning_a_429() {
    // Quota of 3 per window of 150 ms, like BigCommerce's headers say.
    let window = Arc::new(Mutex::new((Instant::now(), 0u32)));
    let server = Scripted::start(move |_, seen| {
        let mut state = window.lock().unwrap();
        if state.0.elapsed() >= Duration::from_millis(150) {
            *state = (Instant::now(), 0);
        }
        let reset = 150u64.saturating_sub(state.0.elapsed().as_millis() as u64).max(1);
        if state.1 >= 3 {
            return rate_limited(Some(reset));
        }
        state.1 += 1;
        let headers = vec![
            ("X-Rate-Limit-Requests-Left", (3 - state.1).to_string()),
            ("X-Rate-Limit-Time-Reset-Ms", reset.to_string()),
        ];
        let page: u64 = query(seen, "page").map_or(1, |p| p.parse().unwrap());
        Reply::Json(200, headers, product_page(page, 9, 250))
    })
    .await;
    let (output, stats) = run_counted(&server, "get_products", json!({"return_all": true}))
        .await
        .unwrap();
    assert_eq!(output["data"].as_array().unwrap().len(), 9 * 250);
    assert!(
        stats.retries <= 1,
        "pacing should avoid 429s, saw {} retries",
        stats.retries
    );
    assert!(stats.waited_ms > 0);
}

/// What the server claims about a list is input: a billion pages fail at once, before a
/// second request.
#[tokio::test]
async fn a_list_claiming_a_billion_pages_fails_before_fetching_them() {
    let server = Scripted::start(|_, _| ok(product_page(1, 1_000_000_000, 250))).await;
    let err = run(&server, "get_products", json!({"return_all": true}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "too_many_records");
    assert_eq!(
        err.to_string(),
        "the list has 250000000000 records, more than the 200000 one \"return all\" may collect; set limit, narrow the filters, or raise SYNCAUT_RETURN_ALL_MAX_RECORDS"
    );
    assert_eq!(server.requests().len(), 1);
    // With a limit, only the pages needed are fetched, whatever the claim.
    let output = run(&server, "get_products", json!({"return_all": true, "limit": 300}))
        .await
        .unwrap();
    assert_eq!(output["data"].as_array().unwrap().len(), 300);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_zero_count_beside_a_full_first_page_is_an_error_not_an_empty_list() {
    let server = Scripted::start(|_, seen| {
        if seen.target.contains("/orders/count") {
            return ok(json!({"count": 0}));
        }
        ok(Value::Array((0..250).map(|i| json!({"id": i})).collect()))
    })
    .await;
    let err = run(&server, "get_orders", json!({"return_all": true}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_response");
    assert!(
        err.to_string()
            .contains("the list says it is empty, but its first page has 250 records"),
        "{err}"
    );
    let absurd = Scripted::start(|_, seen| {
        if seen.target.contains("/orders/count") {
            return ok(json!({"count": 1_000_000_000_000u64}));
        }
        ok(Value::Array((0..250).map(|i| json!({"id": i})).collect()))
    })
    .await;
    let err = run(&absurd, "get_orders", json!({"return_all": true}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "too_many_records");
}

/// Without a usable count, pages are read in turn; a server whose pages never end stops
/// at the record limit instead of filling memory.
#[tokio::test]
async fn pages_that_never_end_stop_at_the_record_limit() {
    let server = Scripted::start(|_, seen| {
        if seen.target.contains("/orders/count") {
            return Reply::Json(500, Vec::new(), json!({}));
        }
        ok(Value::Array((0..250).map(|i| json!({"id": i})).collect()))
    })
    .await;
    let mut config = crate::config(&server.base_url);
    config.max_records = 600;
    let executor = Executor::new(&config).unwrap();
    let err = crate::execute(
        &executor,
        &step("get_orders", json!({"return_all": true})),
        &syncaut_executor::StepOutputs::new(),
        &NoCredentials,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "too_many_records");
    let pages = server.requests().iter().filter(|s| !s.target.contains("count")).count();
    assert_eq!(pages, 3, "stopped once 750 records passed 600");
}

#[tokio::test]
async fn server_text_in_errors_is_cleaned_and_keeps_its_code() {
    use base64::Engine;
    let percent = crate::TOKEN.replace('-', "%2D");
    let base64 = base64::engine::general_purpose::STANDARD.encode(format!("user:{}", crate::TOKEN));
    let title = format!(
        "\u{1b}[2J\u{1b}]0;pwned\u{7}bad token {} / {percent} / Basic {base64}\r\nnext",
        crate::TOKEN
    );
    let server =
        Scripted::start(move |_, _| Reply::Json(422, Vec::new(), json!({"status": 422, "title": title.clone()}))).await;
    let err = run(&server, "create_product", json!({"name": "x", "price": 1}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rejected");
    let message = err.to_string();
    assert!(!message.contains(crate::TOKEN), "{message}");
    assert!(!message.contains(&percent), "{message}");
    assert!(!message.contains(&base64[8..]), "{message}");
    assert!(
        !message.contains('\u{1b}') && !message.contains('\u{7}') && !message.contains('\r'),
        "{message:?}"
    );
    assert!(message.contains("[redacted]"), "{message}");
}

#[tokio::test]
async fn an_echoed_token_never_reaches_the_output() {
    let server =
        Scripted::start(|_, _| ok(json!({"data": {"id": 40, "name": format!("echo {}", crate::TOKEN)}}))).await;
    let output = run(&server, "create_product", json!({"name": "x", "price": 1}))
        .await
        .unwrap();
    assert_eq!(output["data"]["name"], "echo [redacted]");
}

#[tokio::test]
async fn statuses_beyond_http_and_redirects_have_their_own_messages() {
    let odd = Scripted::start(|_, _| Reply::Json(799, Vec::new(), json!({}))).await;
    let err = run(&odd, "get_order", json!({"orderId": 1})).await.unwrap_err();
    assert_eq!(err.code(), "invalid_status");
    assert_eq!(odd.requests().len(), 1);
    let moved = Scripted::start(|_, _| {
        Reply::Json(
            302,
            vec![("location", "https://elsewhere.example/steal?token=abc".into())],
            json!({}),
        )
    })
    .await;
    let err = run(&moved, "get_order", json!({"orderId": 1})).await.unwrap_err();
    assert_eq!(err.code(), "redirect_refused");
    assert!(
        err.to_string()
            .contains("redirecting to https://elsewhere.example/steal;"),
        "{err}"
    );
    assert!(!err.to_string().contains("token=abc"));
}
