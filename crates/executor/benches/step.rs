//! Executor overhead, measured (not asserted): `cargo bench -p syncaut-executor --bench step`.
//!
//! A minimal keep-alive HTTP server on loopback, in a process of its own (a remote API
//! does not share the client's runtime, threads or allocator), answers every request with
//! the same small V2 order. We time, per step:
//! - `prepare`: template rendering, validation and request building, no network;
//! - `execute`: the whole step through the executor (prepare, send, parse, shape);
//! - `send`: the same step prepared once beforehand, so only the transport side (pacing,
//!   request, rate-limit headers, parsing, the output envelope) is timed;
//! - `reqwest`: a bare `reqwest` GET of the same URL with the same headers, same server;
//!   the executor's overhead ratio is execute / reqwest;
//! - the same bare GET through a second, identical `reqwest` client: the two bare clients
//!   differ only by connection and scheduling, so their ratio is the resolution of the
//!   measurement on this machine.
//!
//! The four exchanges are interleaved, in a random order each time (so each follows each
//! other equally often: what ran just before shifts a loopback exchange by about 1%). The
//! exchanges run in ten
//! rounds, each with a fresh executor and fresh clients (new connections, new task
//! placement, which shift one round's ratios by a few percent either way); the ratios
//! printed are the median over rounds, with every round's value beside it.

// A benchmark panics on a broken setup; `unwrap` is how it says so.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bigcommerce_api::{SecretString, TransportConfig};
use serde_json::{Value, json};
use syncaut_executor::{CredentialSource, Executor, NoCredentials, Step, StepOutputs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = r#"{"id":218,"customer_id":11,"status_id":11,"status":"Awaiting Fulfillment","total_inc_tax":"79.8400","currency_code":"USD","billing_address":{"first_name":"Jane","last_name":"Smith"}}"#;

async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 16 * 1024];
            let mut filled = 0;
            loop {
                let Ok(n) = socket.read(&mut buffer[filled..]).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                filled += n;
                // Requests here have no body: a request ends at the blank line.
                while let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
                        BODY.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                    buffer.copy_within(end + 4..filled, 0);
                    filled -= end + 4;
                }
            }
        });
    }
}

/// The order of the four exchanges in each iteration: a fresh random permutation (xorshift,
/// fixed seed), so that every exchange follows every other equally often. A fixed rotation
/// made each exchange always follow the same one, and what ran just before shifts a
/// loopback exchange by about 1% (the second bare client, always run right after the
/// first, measured 0.989 of it).
struct Shuffle(u64);

impl Shuffle {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next_order(&mut self) -> [usize; 4] {
        let mut order = [0, 1, 2, 3];
        for i in (1..order.len()).rev() {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            order.swap(i, (self.0 % (i as u64 + 1)) as usize);
        }
        order
    }
}

struct Stats {
    median: Duration,
    p90: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        median: samples[samples.len() / 2],
        p90: samples[samples.len() * 9 / 10],
    }
}

/// One round: a fresh executor and two fresh bare clients; the four exchanges interleaved,
/// taking turns to go first. Returns the times of execute, send, bare and twin.
async fn round(
    base: &str,
    outputs: &StepOutputs,
    get_order: &Step,
    token: &str,
    iterations: usize,
) -> [Vec<Duration>; 4] {
    let executor = Executor::new(&TransportConfig::new(base).unwrap()).unwrap();
    let client = || {
        reqwest::Client::builder()
            .user_agent(bigcommerce_api::USER_AGENT)
            .build()
            .unwrap()
    };
    let (bare, twin) = (client(), client());
    let url = format!("{base}/stores/abc123/v2/orders/218");
    let plain_get = |client: &reqwest::Client| {
        let (client, url) = (client.clone(), &url);
        async move {
            // Building the request (and parsing the URL) is timed, as the executor's is.
            let start = Instant::now();
            let response = client
                .get(url)
                .header("X-Auth-Token", token)
                .header("Accept", "application/json")
                .send()
                .await
                .unwrap();
            let value: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            let elapsed = start.elapsed();
            black_box(value);
            elapsed
        }
    };
    let prepared = executor.prepare(get_order, outputs).unwrap();
    let secret = SecretString::from(token);
    let send_get = || async {
        let start = Instant::now();
        let output = executor
            .send(&prepared, &secret, &bigcommerce_api::Stats::default())
            .await
            .unwrap();
        let elapsed = start.elapsed();
        black_box(output);
        elapsed
    };
    let execute_get = || async {
        let start = Instant::now();
        let output = executor
            .execute(get_order, outputs, &NoCredentials, &bigcommerce_api::Stats::default())
            .await
            .unwrap();
        let elapsed = start.elapsed();
        black_box(output);
        elapsed
    };
    for _ in 0..200 {
        execute_get().await;
        send_get().await;
        plain_get(&bare).await;
        plain_get(&twin).await;
    }
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut order = Shuffle::new(0x5eed_f00d);
    for _ in 0..iterations {
        for which in order.next_order() {
            let elapsed = match which {
                0 => execute_get().await,
                1 => send_get().await,
                2 => plain_get(&bare).await,
                _ => plain_get(&twin).await,
            };
            times[which].push(elapsed);
        }
    }
    times
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Child mode: serve on loopback, print the port, and serve until standard input closes.
fn serve_in_child() {
    // The parent closes our standard input when it is done (or dies): then we exit.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        serve(listener).await;
    });
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve_in_child();
        return;
    }
    // The server runs in a process of its own, as a remote API would: it must not share
    // this process's runtime or allocator with the clients being measured.
    let mut server = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(server.stdout.take().unwrap()), &mut port).unwrap();
    let base = format!("http://127.0.0.1:{}", port.trim());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let executor = Executor::new(&TransportConfig::new(&base).unwrap()).unwrap();
    let outputs: StepOutputs = json!({
        "getOrders": {"data": [{"id": 218, "billing_address": {"first_name": "Jane"}}], "action": "get_orders", "storeHash": "abc123"}
    })
    .as_object()
    .cloned()
    .unwrap()
    .into();
    let token = "bench-token-not-secret";
    let step = |action: &str, params: Value| {
        Step::new(
            "bench",
            action,
            "abc123",
            CredentialSource::Token(SecretString::from(token)),
            params.as_object().unwrap(),
        )
        .unwrap()
    };
    let get_order = step("get_order", json!({"orderId": "{{getOrders.data.[0].id}}"}));
    let create_product = step(
        "create_product",
        json!({"name": "Gift for {{getOrders.data.[0].billing_address.first_name}} #{{getOrders.data.[0].id}}", "price": "19.99", "description": "Tom & Jerry"}),
    );
    let iterations = 3000;

    let mut prepare_get = Vec::with_capacity(iterations);
    let mut prepare_create = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        black_box(executor.prepare(&get_order, &outputs).unwrap());
        prepare_get.push(start.elapsed());
        let start = Instant::now();
        black_box(executor.prepare(&create_product, &outputs).unwrap());
        prepare_create.push(start.elapsed());
    }

    // Rounds: each with a fresh executor and fresh clients, hence fresh connections and
    // task placement, which shift a single run's ratios by a few percent either way.
    let rounds = 10;
    let per_round = iterations / 2;
    let mut all = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let mut round_ratios = Vec::new();
    for _ in 0..rounds {
        let times = runtime.block_on(round(&base, &outputs, &get_order, token, per_round));
        let median = |v: &Vec<Duration>| micros(stats(v.clone()).median);
        round_ratios.push((
            median(&times[0]) / median(&times[2]),
            median(&times[1]) / median(&times[2]),
            median(&times[3]) / median(&times[2]),
        ));
        for (pooled, samples) in all.iter_mut().zip(times) {
            pooled.extend(samples);
        }
    }
    let [execute, send, bare, twin] = all;

    let rows = [
        ("prepare get_order (1 whole-value template)", stats(prepare_get)),
        ("prepare create_product (mixed-text templates)", stats(prepare_create)),
        ("execute get_order over loopback", stats(execute)),
        ("send get_order, prepared beforehand", stats(send)),
        ("bare reqwest GET + JSON parse, same server", stats(bare)),
        ("the same through a second, identical client", stats(twin)),
    ];
    println!("{:<50} {:>10} {:>10}", "per step", "median µs", "p90 µs");
    for (name, s) in &rows {
        println!("{name:<50} {:>10.1} {:>10.1}", micros(s.median), micros(s.p90));
    }
    let middle = |pick: fn(&(f64, f64, f64)) -> f64| {
        let mut values: Vec<f64> = round_ratios.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        let shown: Vec<String> = values.iter().map(|v| format!("{v:.3}")).collect();
        (values[values.len() / 2], shown.join(" "))
    };
    let (execute_ratio, execute_all) = middle(|r| r.0);
    let (send_ratio, send_all) = middle(|r| r.1);
    let (twin_ratio, twin_all) = middle(|r| r.2);
    println!("executor overhead ratio (execute / bare reqwest, median of rounds): {execute_ratio:.3}  [{execute_all}]");
    println!("transport overhead ratio (send / bare reqwest, median of rounds): {send_ratio:.3}  [{send_all}]");
    println!("resolution (second bare client / first, median of rounds): {twin_ratio:.3}  [{twin_all}]");
    drop(server.stdin.take());
    let _ = server.wait();
    println!(
        "({iterations} iterations of prepare; {rounds} rounds of {per_round} of each exchange; {} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
