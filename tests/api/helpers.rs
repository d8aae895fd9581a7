//! Spawns the real application on a random port with a fresh SQLite file, plus key and token
//! helpers that sign with aws-lc (independently of the engine under test).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use talkative_emulator::configuration::Settings;
use talkative_emulator::startup::Application;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    // Server logs only when asked for: TEST_LOG=1 cargo test
    if std::env::var_os("TEST_LOG").is_some() {
        talkative_emulator::startup::init_telemetry();
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
        client: reqwest::Client::new(),
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

async fn into_parts(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("non-JSON body ({status}): {text}"))
    };
    (status, body)
}

/// The code of a verdict's signature error, or of an API error body.
pub fn code(body: &Value) -> &str {
    body["signature"]["error"]["code"]
        .as_str()
        .or_else(|| body["error"]["code"].as_str())
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// (label, why) for each item of a verdict list: the reason code when rejected, else the source.
pub fn sources(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let why = i["reason"]["code"]
                .as_str()
                .unwrap_or(i["source"].as_str().unwrap());
            (i["label"].as_str().unwrap().to_owned(), why.to_owned())
        })
        .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub fn items(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(label, data)| json!({ "label": label, "data": data, "type": "string" }))
            .collect(),
    )
}

/// A P-256 key pair made by aws-lc, used to sign tokens in tests.
pub struct TestSigner {
    pair: EcdsaKeyPair,
}

impl TestSigner {
    pub fn generate() -> Self {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .expect("key generation");
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        Self { pair }
    }

    pub fn public_pem(&self) -> String {
        let der = self.pair.public_key().as_der().expect("SPKI DER");
        pem("PUBLIC KEY", der.as_ref())
    }

    pub fn private_pkcs8_pem(&self) -> String {
        let der = self.pair.to_pkcs8v1().expect("PKCS#8");
        pem("PRIVATE KEY", der.as_ref())
    }

    /// Raw 64-byte R||S signature over `message`.
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    /// ASN.1 DER signature over `message`, as `openssl dgst -sign` or PHP's openssl_sign make.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let pkcs8 = self.pair.to_pkcs8v1().unwrap();
        let der_pair = EcdsaKeyPair::from_pkcs8(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8.as_ref(),
        )
        .unwrap();
        der_pair
            .sign(&SystemRandom::new(), message)
            .unwrap()
            .as_ref()
            .to_vec()
    }

    /// The public key as a JWK, for tokens that try to smuggle a key in the header.
    pub fn public_jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
    }

    /// A compact JWS over exactly the given header and payload JSON texts.
    pub fn token(&self, header: &str, payload: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        let signature = self.sign_raw(input.as_bytes());
        format!("{input}.{}", b64(&signature))
    }

    /// The common case: `{"alg":"ES256"}` over the given items.
    pub fn sign_items(&self, items: &Value) -> String {
        self.token(r#"{"alg":"ES256"}"#, &items.to_string())
    }
}

/// Runs a command that must exist and succeed; the panic says how to install what is missing.
pub fn run(program: &str, args: &[&str], dir: &Path, install_hint: &str) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}. {install_hint}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}\n{install_hint}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

pub const OPENSSL_HINT: &str = "Install openssl (Debian package `openssl`).";

/// A key pair made with the two commands from Talkative's article, verbatim.
pub fn article_key_pair() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(
        "openssl",
        &[
            "ecparam",
            "-genkey",
            "-name",
            "prime256v1",
            "-noout",
            "-out",
            "ec_private.pem",
        ],
        dir.path(),
        OPENSSL_HINT,
    );
    run(
        "openssl",
        &[
            "ec",
            "-in",
            "ec_private.pem",
            "-pubout",
            "-out",
            "ec_public.pem",
        ],
        dir.path(),
        OPENSSL_HINT,
    );
    dir
}

pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// `openssl dgst -sha256 -sign` over `input` with the pair in `dir`: a DER signature.
pub fn openssl_sign(dir: &Path, input: &str) -> Vec<u8> {
    std::fs::write(dir.join("input.txt"), input).unwrap();
    run(
        "openssl",
        &["dgst", "-sha256", "-sign", "ec_private.pem", "input.txt"],
        dir,
        OPENSSL_HINT,
    )
}

/// A compact JWS over `payload`, signed by the openssl CLI, DER converted to R||S.
pub fn openssl_token(dir: &Path, payload: &str) -> String {
    let input = format!("{}.{}", b64(br#"{"alg":"ES256"}"#), b64(payload.as_bytes()));
    let der = openssl_sign(dir, &input);
    format!("{input}.{}", b64(&der_to_raw(&der)))
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` to 64-byte R||S, written here independently of the
/// engine so the interop tests do not trust the code they test.
pub fn der_to_raw(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30, "not a DER SEQUENCE");
    let mut rest = &der[2..];
    let mut out = Vec::with_capacity(64);
    for _ in 0..2 {
        assert_eq!(rest[0], 0x02, "not a DER INTEGER");
        let len = rest[1] as usize;
        let mut int = &rest[2..2 + len];
        while int.len() > 32 && int[0] == 0 {
            int = &int[1..];
        }
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        rest = &rest[2 + len..];
    }
    out
}

/// `name=value` of the cookie a response sets, and the whole header with its attributes.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap().to_owned(), v.to_owned()))
}

/// A browser-like visitor of the portal: keeps the CSRF cookie and form token of the page it
/// opened, and a session cookie once logged in. Follows no redirects, so tests see them.
pub struct FormSession {
    pub client: reqwest::Client,
    pub csrf_cookie: String,
    pub token: String,
    pub session: Option<String>,
}

impl FormSession {
    pub async fn open(app: &TestApp, path: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "opening {path}");
        let (csrf_cookie, _) = set_cookie(&response, "te_csrf").expect("a CSRF cookie");
        let html = response.text().await.unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).expect("page has a CSRF field") + marker.len();
        let token = html[start..start + html[start..].find('"').unwrap()].to_owned();
        Self {
            client,
            csrf_cookie,
            token,
            session: None,
        }
    }

    pub fn cookies(&self) -> String {
        match &self.session {
            Some(session) => format!("{}; {session}", self.csrf_cookie),
            None => self.csrf_cookie.clone(),
        }
    }

    /// POSTs exactly `form`, same-origin (tests of the token itself leave it out or forge it).
    pub async fn post_form(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(app.url(path))
            .header(reqwest::header::COOKIE, self.cookies())
            .header("Origin", &app.address)
            .header("Sec-Fetch-Site", "same-origin")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs `form` with this page's CSRF token, as the page's own form would.
    pub async fn submit(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields = vec![("csrf_token", self.token.as_str())];
        fields.extend_from_slice(form);
        self.post_form(app, path, &fields).await
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client
            .get(app.url(path))
            .header(reqwest::header::COOKIE, self.cookies())
            .send()
            .await
            .unwrap()
    }
}
