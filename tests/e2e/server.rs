//! A loopback HTTP/1.1 server that answers with raw bytes a test scripts, and records what
//! it was sent: redirects, lying totals, endless bodies.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to answer: the head (status line and headers) and how the body comes.
pub(crate) enum Reply {
    /// A complete answer.
    Full { head: String, body: Vec<u8> },
    /// A head, then the same chunk forever (chunked), as fast as the client reads.
    Endless { head: String, chunk: Vec<u8> },
}

impl Reply {
    /// A JSON answer with extra headers.
    pub(crate) fn json(status: &str, headers: &[(&str, String)], body: &str) -> Self {
        let mut head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        Self::Full {
            head,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) head: String,
}

impl Seen {
    pub(crate) fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or_default()
    }
}

/// What a scripted server answers to its n-th request.
type Script = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

pub(crate) struct Scripted {
    pub(crate) port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Scripted {
    /// Serves `reply(n, request)` for the n-th request (from 0) on a fresh port, on a
    /// runtime of its own (the tests themselves run the binary and wait for it).
    pub(crate) fn start(reply: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let reply: Arc<Script> = Arc::new(reply);
        let recorded = Arc::clone(&seen);
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (reply, recorded) = (Arc::clone(&reply), Arc::clone(&recorded));
                tokio::spawn(async move { serve(stream, reply, recorded).await });
            }
        });
        Self {
            port,
            seen,
            runtime: Some(runtime),
        }
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, reply: Arc<Script>, recorded: Arc<Mutex<Vec<Seen>>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = stream.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let Ok(n) = stream.read(&mut chunk).await else { return };
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let seen = Seen { head };
    let index = {
        let mut all = recorded.lock().unwrap();
        all.push(seen.clone());
        all.len() - 1
    };
    match reply(index, &seen) {
        Reply::Full { head, body } => {
            let _ = stream
                .write_all(format!("{head}connection: close\r\n\r\n").as_bytes())
                .await;
            let _ = stream.write_all(&body).await;
        }
        Reply::Endless { head, chunk } => {
            let _ = stream
                .write_all(format!("{head}transfer-encoding: chunked\r\n\r\n").as_bytes())
                .await;
            let framed = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
            while stream.write_all(&framed).await.is_ok() {}
        }
    }
    let _ = stream.shutdown().await;
}
