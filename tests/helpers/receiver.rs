//! A customer's backend as webhooks and fulfilment calls reach it: an HTTP/1.1 server on a free
//! loopback port that records every request and answers each as the test scripts it (a status,
//! a body, a delay), keeping connections alive as a real server does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// How the receiver answers a request.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// Waits this long before answering (longer than the emulator's timeout: a hang).
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: "{}".to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn json(body: impl Into<String>) -> Self {
        Self {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn hang() -> Self {
        Self {
            status: 200,
            body: "{}".to_owned(),
            delay: Duration::from_secs(3_600),
        }
    }
}

type Script = dyn Fn(usize, &Received) -> Answer + Send + Sync;

pub struct Receiver {
    pub url: String,
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Answers the n-th request (0-based) with `statuses[n]`, and 200 after the list.
    pub async fn statuses(statuses: &[u16]) -> Self {
        let statuses = statuses.to_vec();
        Self::scripted(move |n, _| Answer::status(statuses.get(n).copied().unwrap_or(200))).await
    }

    pub async fn scripted(
        script: impl Fn(usize, &Received) -> Answer + Send + Sync + 'static,
    ) -> Self {
        Self::on(
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            Arc::new(script),
        )
        .await
    }

    /// Listens on `port` (a receiver started again where an earlier one was).
    pub async fn on_port(
        port: u16,
        script: impl Fn(usize, &Received) -> Answer + Send + Sync + 'static,
    ) -> Self {
        Self::on(
            TcpListener::bind(("127.0.0.1", port)).await.unwrap(),
            Arc::new(script),
        )
        .await
    }

    async fn on(listener: TcpListener, script: Arc<Script>) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let arrived = Arc::new(Notify::new());
        let (log, notify) = (Arc::clone(&received), Arc::clone(&arrived));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, notify, script) =
                    (Arc::clone(&log), Arc::clone(&notify), Arc::clone(&script));
                tokio::spawn(serve(stream, log, notify, script));
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            received,
            arrived,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to `timeout`) until `count` requests have arrived; what arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.received();
            }
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    notify: Arc<Notify>,
    script: Arc<Script>,
) {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        // The head.
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default().to_owned();
        let path = request_line.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buffer.len() < body_start + length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buffer[body_start..body_start + length]).into_owned();
        buffer.drain(..body_start + length);
        let request = Received {
            method,
            path,
            headers,
            body,
        };
        let index = {
            let mut log = log.lock().unwrap();
            log.push(request.clone());
            log.len() - 1
        };
        notify.notify_waiters();
        let answer = script(index, &request);
        tokio::time::sleep(answer.delay).await;
        let reply = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            answer.status,
            answer.body.len(),
            answer.body
        );
        if stream.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}
