//! The API reference as a contract the tests enforce: every answer a test gets from `/api/v1`,
//! `/health` or `/metrics` through [`CheckedClient`] (what `TestApp::client` is) must be one the
//! OpenAPI document lists for its route, method and status, with the documented content type,
//! and a JSON body valid against the documented schema. A request the server accepted (2xx) must
//! match the documented request body too, so the document cannot forget a member a handler
//! takes. A mismatch panics in the test that got the answer, naming the route and the schema
//! error.
//!
//! The document is the one the library builds (`routes::table::api_document`); a test checks
//! that the server serves exactly it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{IntoUrl, Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The document and the validators compiled from it so far.
struct Contract {
    document: &'static Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract {
        document: talkative_emulator::routes::table::api_document(),
        validators: Mutex::new(HashMap::new()),
    })
}

/// Whether the document speaks for this request: the route the server's table picks for it is
/// documented, or belongs to a family that answers as the API does (its undocumented paths and
/// methods too: they must answer the `Error` object).
fn in_scope(method: &Method, path: &str) -> bool {
    api_family(method, path).is_some()
}

/// The route's family, when it answers as the API does (JSON), or is documented.
fn api_family(
    method: &Method,
    path: &str,
) -> Option<talkative_emulator::routes::kit::family::Family> {
    let method = actix_web::http::Method::from_bytes(method.as_str().as_bytes()).ok()?;
    let endpoint = talkative_emulator::routes::table::route_for(&method, path)?;
    (endpoint.doc.is_some() || !endpoint.family.answers_with_pages()).then_some(endpoint.family)
}

/// The documented path template `path` matches (`/api/v1/signing-keys/{id}` for
/// `/api/v1/signing-keys/4f…`), literal segments preferred over parameters.
fn template_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = contract().document["paths"].as_object()?;
    paths
        .keys()
        .filter(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    part == segment
                        || part
                            .strip_prefix('{')
                            .and_then(|p| p.split_once('}'))
                            .is_some_and(|(_, suffix)| {
                                segment.len() > suffix.len() && segment.ends_with(suffix)
                            })
                })
        })
        .min_by_key(|template| template.matches('{').count())
        .map(String::as_str)
}

/// A JSON Schema for the document's `schema` object: itself, with the document's components
/// beside it so its `#/components/schemas/…` references resolve.
fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
    let key = schema.to_string();
    let mut validators = contract().validators.lock().unwrap();
    validators
        .entry(key)
        .or_insert_with(|| {
            let mut root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": contract().document["components"],
            });
            if let Some(own) = schema.as_object() {
                for (name, value) in own {
                    root[name] = value.clone();
                }
            }
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("the document's schema {schema} does not compile: {e}"));
            Arc::new(validator)
        })
        .clone()
}

fn validate(what: &str, schema: &Value, instance: &Value) {
    let errors: Vec<String> = validator(schema)
        .iter_errors(instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the OpenAPI document ({schema}):\n  {}\nbody: {instance}",
        errors.join("\n  ")
    );
}

/// Parses JSON as the server does: a member named `$serde_json::private::RawValue` (which
/// `serde_json::Value` refuses) is just a name (see `encoding::strict_json`).
fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    talkative_emulator::encoding::strict_json::parse(bytes)
}

fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// Panics unless the answer to `method path` (and, when the server accepted it, the JSON body
/// sent) is one the document describes.
pub fn check_exchange(
    method: &Method,
    path: &str,
    request_body: Option<&[u8]>,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    if !in_scope(method, path) || method == Method::HEAD {
        return;
    }
    let route = format!("{method} {path} → {status}");
    let operation = template_of(path).and_then(|template| {
        let operation = &contract().document["paths"][template][method.as_str().to_lowercase()];
        operation.is_object().then_some(operation)
    });
    let Some(operation) = operation else {
        // Routes the document does not list (an unknown path, a method a path does not take)
        // are refused with the API's error object.
        assert!(
            (400..500).contains(&status),
            "{route}: an undocumented route answered a non-error"
        );
        if let Some(family) = api_family(method, path).filter(|f| !f.answers_with_pages()) {
            let body: Value =
                parse(body).unwrap_or_else(|_| panic!("{route}: an API refusal that is not JSON"));
            let schema = format!("#/components/schemas/{}", family.error_schema());
            validate(&route, &json!({ "$ref": schema }), &body);
        }
        return;
    };
    let response = &operation["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{route}: the document lists no {status} for this operation (it lists {:?})",
        operation["responses"]
            .as_object()
            .map(|r| r.keys().collect::<Vec<_>>())
    );
    let Some(contents) = response["content"].as_object() else {
        assert!(
            body.is_empty(),
            "{route}: a body the document does not describe"
        );
        return;
    };
    let content_type = content_type.map(essence).unwrap_or("");
    let (_, content) = contents
        .iter()
        .find(|(documented, _)| essence(documented) == content_type)
        .unwrap_or_else(|| {
            panic!(
                "{route}: Content-Type {content_type:?}, the document says {:?}",
                contents.keys().collect::<Vec<_>>()
            )
        });
    if content_type == "application/json" || content_type == "application/vnd.api+json" {
        let instance: Value =
            parse(body).unwrap_or_else(|e| panic!("{route}: the body is not JSON: {e}"));
        validate(&route, &content["schema"], &instance);
    }
    if (200..300).contains(&status) {
        check_accepted_request(&route, operation, request_body);
    }
}

/// A request the server accepted must be one the document allows.
fn check_accepted_request(route: &str, operation: &Value, body: Option<&[u8]>) {
    let Some(body) = body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) else {
        return;
    };
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{route}: accepted a body the document does not describe"
    );
    let instance: Value =
        parse(body).unwrap_or_else(|e| panic!("{route}: accepted a body that is not JSON: {e}"));
    validate(&format!("{route} (request)"), schema, &instance);
}

/// Checks one Server-Sent Event's data against a component schema (`InteractionEvent`).
pub fn check_event(schema_name: &str, data: &Value) {
    validate(
        &format!("event data ({schema_name})"),
        &json!({ "$ref": format!("#/components/schemas/{schema_name}") }),
        data,
    );
}

/// `reqwest::Client`, with every answer checked by [`check_exchange`]. The methods tests use
/// have reqwest's names and shapes.
#[derive(Clone)]
pub struct CheckedClient {
    inner: reqwest::Client,
}

impl Default for CheckedClient {
    /// Idle connections are dropped after 2 s, before the server's keep-alive (actix's 5 s)
    /// closes them: a request sent on a connection the server is closing fails with
    /// `IncompleteMessage` (a test that waited on PHP, Node and Python between two requests hit
    /// it in CI while the machine was busy). Browsers retry such a request; reqwest does not.
    fn default() -> Self {
        Self {
            inner: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("a reqwest client with default TLS-less settings"),
        }
    }
}

impl From<reqwest::Client> for CheckedClient {
    fn from(inner: reqwest::Client) -> Self {
        Self { inner }
    }
}

impl CheckedClient {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn request(&self, method: Method, url: impl IntoUrl) -> CheckedRequest {
        CheckedRequest {
            inner: self.inner.request(method, url),
            client: self.inner.clone(),
        }
    }

    pub fn get(&self, url: impl IntoUrl) -> CheckedRequest {
        self.request(Method::GET, url)
    }

    pub fn head(&self, url: impl IntoUrl) -> CheckedRequest {
        self.request(Method::HEAD, url)
    }

    pub fn post(&self, url: impl IntoUrl) -> CheckedRequest {
        self.request(Method::POST, url)
    }

    pub fn patch(&self, url: impl IntoUrl) -> CheckedRequest {
        self.request(Method::PATCH, url)
    }

    pub fn delete(&self, url: impl IntoUrl) -> CheckedRequest {
        self.request(Method::DELETE, url)
    }
}

pub struct CheckedRequest {
    inner: reqwest::RequestBuilder,
    client: reqwest::Client,
}

impl CheckedRequest {
    fn map(self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        Self {
            inner: f(self.inner),
            client: self.client,
        }
    }

    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.map(|r| r.header(name, value))
    }

    pub fn headers(self, headers: HeaderMap) -> Self {
        self.map(|r| r.headers(headers))
    }

    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Self {
        self.map(|r| r.bearer_auth(token))
    }

    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|r| r.json(body))
    }

    pub fn body(self, body: impl Into<reqwest::Body>) -> Self {
        self.map(|r| r.body(body))
    }

    pub fn form<T: Serialize + ?Sized>(self, form: &T) -> Self {
        self.map(|r| r.form(form))
    }

    /// Sends the request. An event stream is handed over unread (its events are checked where
    /// they are parsed, with [`check_event`]); any other answer is read whole and checked.
    pub async fn send(self) -> reqwest::Result<Reply> {
        let request = self.inner.build()?;
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let sent = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .map(<[u8]>::to_vec);
        let response = self.client.execute(request).await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if content_type.as_deref().map(essence) == Some("text/event-stream") {
            check_exchange(
                &method,
                &path,
                sent.as_deref(),
                response.status().as_u16(),
                content_type.as_deref(),
                b"",
            );
            return Ok(Reply::streaming(response));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let url = response.url().clone();
        let body = response.bytes().await?;
        // Tests that ask for gzip get it as sent; the check reads what it says.
        let gzipped = headers
            .get(reqwest::header::CONTENT_ENCODING)
            .is_some_and(|v| v == "gzip");
        let plain = if gzipped {
            gunzip(&body)
        } else {
            body.to_vec()
        };
        check_exchange(
            &method,
            &path,
            sent.as_deref(),
            status.as_u16(),
            content_type.as_deref(),
            &plain,
        );
        Ok(Reply {
            status,
            headers,
            url,
            body: Body::Read(Some(body)),
        })
    }
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut plain)
        .unwrap_or_else(|e| panic!("Content-Encoding: gzip, but the body is not gzip: {e}"));
    plain
}

enum Body {
    Read(Option<bytes::Bytes>),
    Streaming(reqwest::Response),
}

/// An answer, with `reqwest::Response`'s reading methods.
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    body: Body,
}

impl Reply {
    fn streaming(response: reqwest::Response) -> Self {
        Self {
            status: response.status(),
            headers: response.headers().clone(),
            url: response.url().clone(),
            body: Body::Streaming(response),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub async fn bytes(self) -> reqwest::Result<bytes::Bytes> {
        match self.body {
            Body::Read(body) => Ok(body.unwrap_or_default()),
            Body::Streaming(response) => response.bytes().await,
        }
    }

    pub async fn text(self) -> reqwest::Result<String> {
        Ok(String::from_utf8_lossy(&self.bytes().await?).into_owned())
    }

    /// Parses the body; panics (as a test should) when it is not JSON of that shape.
    pub async fn json<T: DeserializeOwned>(self) -> reqwest::Result<T> {
        let bytes = self.bytes().await?;
        Ok(serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not the JSON expected: {e}: {bytes:?}")))
    }

    /// The next piece of the body: an event stream's as it arrives, another body's all at once.
    pub async fn chunk(&mut self) -> reqwest::Result<Option<bytes::Bytes>> {
        match &mut self.body {
            Body::Read(body) => Ok(body.take().filter(|b| !b.is_empty())),
            Body::Streaming(response) => response.chunk().await,
        }
    }
}
