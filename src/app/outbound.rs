//! The one way the emulator calls out: a JSON POST to a customer's endpoint (a webhook's, a
//! chatbot fulfilment action's), with the configured headers and nothing invented, a timeout on
//! every request, no redirects followed, certificates checked against the system's roots, and
//! what happened described for the delivery log with a stable code.
//!
//! Endpoints were parsed by `domain::webhook::Endpoint` (https anywhere, http to loopback only);
//! proxies from the environment are not used: Talkative calls from its own network, and a test's
//! receiver on loopback must not go through a proxy either.

use std::time::{Duration, Instant};

use crate::domain::problem::Code;
use crate::domain::webhook::{Endpoint, Header, IDEMPOTENCY_HEADER};
use crate::encoding::timestamp::now_millis;
use crate::storage::webhooks::{AttemptRecord, EXCERPT_BYTES, clip};

/// The HTTP client and its timeout.
pub struct Outbound {
    client: reqwest::Client,
    timeout: Duration,
}

/// What one POST did.
pub struct Sent {
    pub record: AttemptRecord,
    /// The body, up to the size the caller asked to keep, when a 2xx came back.
    pub body: Option<Vec<u8>>,
    /// Whether the body was longer than that.
    pub body_cut: bool,
}

impl Sent {
    pub fn succeeded(&self) -> bool {
        self.record.error_code.is_none()
    }
}

impl Outbound {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        // reqwest is built without a crypto provider of its own: the TLS listener's (aws-lc)
        // serves both.
        crate::tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(format!("talkative-emulator/{}", crate::build_info::VERSION))
            .build()?;
        Ok(Self { client, timeout })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs `body` (JSON) to `endpoint` with `headers` and the idempotency key `id`; keeps up
    /// to `keep` bytes of a 2xx answer's body.
    pub async fn post(
        &self,
        endpoint: &Endpoint,
        headers: &[Header],
        id: &str,
        body: &str,
        keep: usize,
    ) -> Sent {
        let mut request = self
            .client
            .post(endpoint.url().clone())
            .header("Content-Type", "application/json")
            .header(IDEMPOTENCY_HEADER, id)
            .body(body.to_owned());
        let mut logged = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            (IDEMPOTENCY_HEADER.to_owned(), id.to_owned()),
        ];
        for header in headers {
            request = request.header(header.name(), header.reveal());
            logged.push((header.name().to_owned(), header.masked()));
        }
        let started_at = now_millis();
        let clock = Instant::now();
        let record = |status: Option<u16>,
                      failure: Option<(Code, String)>,
                      excerpt: String,
                      clock: Instant| {
            let (error_code, error_message) = match failure {
                Some((code, message)) => (Some(code.as_str()), Some(message)),
                None => (None, None),
            };
            AttemptRecord {
                started_at,
                latency_ms: i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX),
                status,
                error_code,
                error_message,
                response_excerpt: excerpt,
                request_headers: logged.clone(),
            }
        };
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                return Sent {
                    record: record(None, Some(self.failure(&error)), String::new(), clock),
                    body: None,
                    body_cut: false,
                };
            }
        };
        let status = response.status();
        let wanted = if status.is_success() {
            keep.max(EXCERPT_BYTES)
        } else {
            EXCERPT_BYTES
        };
        let mut received: Vec<u8> = Vec::new();
        let mut cut = false;
        let mut read_failure = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = wanted.saturating_sub(received.len());
                    received.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if chunk.len() > room {
                        // The rest is not read: a receiver cannot make the emulator hold more.
                        cut = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    read_failure = Some(self.failure(&error));
                    break;
                }
            }
        }
        let excerpt = clip(&String::from_utf8_lossy(&received), EXCERPT_BYTES).to_owned();
        let failure = read_failure.or_else(|| {
            (!status.is_success()).then(|| {
                (
                    Code::ReceiverStatus,
                    format!(
                        "The receiver answered {status}; only a 2xx status counts as delivered{}.",
                        if status.is_redirection() {
                            " (redirects are not followed: give the final URL)"
                        } else {
                            ""
                        }
                    ),
                )
            })
        });
        let ok = failure.is_none();
        Sent {
            record: record(Some(status.as_u16()), failure, excerpt, clock),
            body: ok.then_some(received),
            body_cut: cut,
        }
    }

    /// The code and words for a request that got no answer.
    fn failure(&self, error: &reqwest::Error) -> (Code, String) {
        if error.is_timeout() {
            return (
                Code::ReceiverTimeout,
                format!(
                    "No answer within {} ms (--webhook-timeout).",
                    self.timeout.as_millis()
                ),
            );
        }
        let chain = causes(error);
        if is_tls_failure(error) {
            return (
                Code::ReceiverCertificate,
                format!(
                    "The TLS handshake failed: {}. Talkative sends only to endpoints with a valid \
                     certificate for their name.",
                    chain.last().map_or("", String::as_str)
                ),
            );
        }
        (
            Code::ReceiverUnreachable,
            format!(
                "Could not reach the receiver: {}.",
                chain.last().map_or("", String::as_str)
            ),
        )
    }
}

/// An error and its sources, outermost first.
fn causes(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    chain
}

/// Whether a TLS error (rustls's) is among the error's causes. rustls's error reaches reqwest
/// inside an `io::Error`, whose `source()` skips it: looked for inside those too.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        cause = current.source();
    }
    false
}
