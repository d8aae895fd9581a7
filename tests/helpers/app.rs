//! The real application on a random port with a fresh SQLite file (in process, or the binary as
//! an operator runs it), and the HTTP calls tests make to it.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use talkative_emulator::configuration::Settings;
use talkative_emulator::startup::Application;
use tempfile::TempDir;

use super::contract::{CheckedClient, Reply};

pub struct TestApp {
    pub address: String,
    /// Checks every answer against the OpenAPI document (`contract`).
    pub client: CheckedClient,
    pub db_dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    // Server logs only when asked for: TEST_LOG=1 cargo test
    if std::env::var_os("TEST_LOG").is_some() {
        talkative_emulator::startup::init_telemetry(Default::default());
    }
    let db_dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db_dir.path().join("test.db").display());
    let mut settings = Settings::ephemeral(url);
    adjust(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: CheckedClient::new(),
        db_dir,
    }
}

/// The real binary serving `db` on a free loopback port, as an operator runs it; killed (if
/// still running) when dropped.
pub struct BinaryServer {
    pub child: Child,
    pub base: String,
}

impl Drop for BinaryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on `db` with `extra` arguments and waits until it answers.
pub async fn start_binary(db: &Path, extra: &[&str]) -> BinaryServer {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_talkative-emulator"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = BinaryServer {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    assert!(
        answers_soon(&server.base).await,
        "the emulator did not start"
    );
    server
}

/// Whether a server at `base` answers (any status) within five seconds.
pub async fn answers_soon(base: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        into_parts(response).await
    }

    /// A page's HTML, whatever its status.
    pub async fn html(&self, path: &str) -> String {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        response.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        into_parts(response).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        into_parts(response).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .patch(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        into_parts(response).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .request(reqwest::Method::PUT, self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        into_parts(response).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let response = self.client.delete(self.url(path)).send().await.unwrap();
        into_parts(response).await
    }

    /// Uploads a public key and returns its JSON view; panics unless 201.
    pub async fn add_key(&self, name: &str, pem: &str) -> Value {
        let (status, body) = self
            .post("/api/v1/signing-keys", &json!({ "name": name, "pem": pem }))
            .await;
        assert_eq!(status, 201, "uploading key failed: {body}");
        body
    }

    /// Makes a Core API key; its token.
    pub async fn api_key(&self, name: &str) -> String {
        let (status, body) = self
            .post("/api/v1/api-keys", &json!({ "name": name }))
            .await;
        assert_eq!(status, 201, "making an API key failed: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn add_field(&self, label: &str) {
        let (status, body) = self
            .post("/api/v1/unsigned-fields", &json!({ "label": label }))
            .await;
        assert_eq!(status, 201, "adding field failed: {body}");
    }

    /// The ids of every interaction `query` lists (e.g. `limit=3&status=valid`), newest first,
    /// following each page's `next` cursor; and how many pages that took.
    pub async fn list_all(&self, query: &str) -> (Vec<Value>, usize) {
        let mut ids = Vec::new();
        let mut pages = 0;
        let mut path = format!("/api/v1/interactions?{query}");
        loop {
            let (status, page) = self.get(&path).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            let rows = page["interactions"].as_array().unwrap();
            ids.extend(rows.iter().map(|i| i["id"].clone()));
            match page["next"].as_str() {
                Some(next) => path = format!("/api/v1/interactions?{query}&cursor={next}"),
                None => return (ids, pages),
            }
        }
    }

    /// Verifies a token (and optional unsigned items); panics unless 200.
    pub async fn verify(&self, token: Option<&str>, unsigned: Value) -> Value {
        let mut body = json!({ "interactionData": unsigned });
        if let Some(token) = token {
            body["signedInteractionData"] = json!(token);
        }
        let (status, verdict) = self.post("/api/v1/verify", &body).await;
        assert_eq!(status, 200, "verify did not answer 200: {verdict}");
        verdict
    }
}

async fn into_parts(response: Reply) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("non-JSON body ({status}): {text}"))
    };
    (status, body)
}

/// The most a process's resident memory has been, from /proc (VmHWM).
pub fn peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/PID/status");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// A database file with its write-ahead log and shared-memory index, as they sit on disk.
pub fn database_bytes(db: &Path) -> u64 {
    let size = |suffix: &str| {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        std::fs::metadata(path).map_or(0, |m| m.len())
    };
    size("") + size("-wal") + size("-shm")
}
