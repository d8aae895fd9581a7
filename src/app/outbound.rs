//! The one way the emulator calls out: an HTTP/1.1 request to a customer's endpoint (a
//! webhook's, a chatbot fulfilment action's), with the configured headers and nothing invented,
//! a timeout on the whole exchange, no redirects followed, certificates checked against the
//! system's roots, and what happened described for the delivery log with a stable code.
//!
//! Written on tokio and rustls (both in the tree already, under actix-web's TLS listener) rather
//! than with an HTTP client crate: one request per connection (`Connection: close`) is all the
//! emulator sends, and reqwest with its URL, IDNA and tower layers took the packaged binary from
//! 14.4 MB to 16.9 MB, past its 15 MB budget. Endpoints were parsed by `domain::webhook::Endpoint`
//! (https anywhere, http to loopback only); proxies from the environment are not used.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::domain::problem::Code;
use crate::domain::webhook::{Endpoint, Header, IDEMPOTENCY_HEADER};
use crate::encoding::timestamp::now_millis;
use crate::storage::webhooks::{AttemptRecord, EXCERPT_BYTES, clip};

/// The most of a response's head read: a receiver cannot make the emulator hold more.
const HEAD_BYTES: usize = 64 * 1024;

/// The client: TLS settings and the timeout.
pub struct Outbound {
    tls: tokio_rustls::TlsConnector,
    timeout: Duration,
}

/// What one request did.
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

/// A response as read: its status, and its body up to what was wanted.
struct Response {
    status: u16,
    body: Vec<u8>,
    cut: bool,
}

impl Outbound {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::warn!(%error, "reading the system's trusted certificates");
        }
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            tracing::warn!(
                "no trusted certificate found on this system: https webhooks will fail with \
                 receiver_certificate (set SSL_CERT_FILE to a CA bundle)"
            );
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            timeout,
        })
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
        let mut logged = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            (IDEMPOTENCY_HEADER.to_owned(), id.to_owned()),
        ];
        let mut extra = vec![(IDEMPOTENCY_HEADER, id)];
        for header in headers {
            extra.push((header.name(), header.reveal()));
            logged.push((header.name().to_owned(), header.masked()));
        }
        let started_at = now_millis();
        let clock = Instant::now();
        let exchanged = self
            .send(
                "POST",
                endpoint,
                &extra,
                Some(body),
                keep.max(EXCERPT_BYTES),
            )
            .await;
        let latency_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let record = |status: Option<u16>, failure: Option<(Code, String)>, excerpt: String| {
            let (error_code, error_message) = match failure {
                Some((code, message)) => (Some(code.as_str()), Some(message)),
                None => (None, None),
            };
            AttemptRecord {
                started_at,
                latency_ms,
                status,
                error_code,
                error_message,
                response_excerpt: excerpt,
                request_headers: logged.clone(),
            }
        };
        match exchanged {
            Err(failure) => Sent {
                record: record(None, Some(failure), String::new()),
                body: None,
                body_cut: false,
            },
            Ok(response) => {
                let excerpt =
                    clip(&String::from_utf8_lossy(&response.body), EXCERPT_BYTES).to_owned();
                let ok = (200..300).contains(&response.status);
                let failure = (!ok).then(|| {
                    (
                        Code::ReceiverStatus,
                        format!(
                            "The receiver answered {}; only a 2xx status counts as \
                             delivered{}.",
                            response.status,
                            if (300..400).contains(&response.status) {
                                " (redirects are not followed: give the final URL)"
                            } else {
                                ""
                            }
                        ),
                    )
                });
                let cut = response.cut || response.body.len() > keep.max(EXCERPT_BYTES);
                Sent {
                    record: record(Some(response.status), failure, excerpt),
                    body_cut: cut,
                    body: ok.then_some(response.body),
                }
            }
        }
    }

    /// One request, on a connection of its own, within the timeout: the response's status and
    /// up to `wanted` bytes of its body, or why there is none.
    pub async fn request(
        &self,
        method: &str,
        endpoint: &Endpoint,
        headers: &[(&str, &str)],
        body: Option<&str>,
        wanted: usize,
    ) -> Result<(u16, Vec<u8>), (Code, String)> {
        let response = self.send(method, endpoint, headers, body, wanted).await?;
        Ok((response.status, response.body))
    }

    async fn send(
        &self,
        method: &str,
        endpoint: &Endpoint,
        headers: &[(&str, &str)],
        body: Option<&str>,
        wanted: usize,
    ) -> Result<Response, (Code, String)> {
        let exchange = async {
            let mut head = format!(
                "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: talkative-emulator/{}\r\n\
                 Connection: close\r\n",
                endpoint.target(),
                endpoint.host_header(),
                crate::build_info::VERSION
            );
            if let Some(body) = body {
                head.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n",
                    body.len()
                ));
            }
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let mut request = head.into_bytes();
            request.extend_from_slice(body.unwrap_or_default().as_bytes());

            let address = (endpoint.host(), endpoint.port());
            let tcp = TcpStream::connect(address).await.map_err(|error| {
                (
                    Code::ReceiverUnreachable,
                    format!(
                        "Could not connect to {}:{}: {error}.",
                        endpoint.host(),
                        endpoint.port()
                    ),
                )
            })?;
            if !endpoint.is_https() {
                return exchange_on(tcp, &request, wanted)
                    .await
                    .map_err(unreachable);
            }
            let name = rustls::pki_types::ServerName::try_from(endpoint.host().to_owned())
                .map_err(|_| {
                    (
                        Code::ReceiverCertificate,
                        format!(
                            "{:?} is not a name a certificate can be for.",
                            endpoint.host()
                        ),
                    )
                })?;
            let tls = self.tls.connect(name, tcp).await.map_err(|error| {
                match tls_failure(&error) {
                    Some(reason) => (
                        Code::ReceiverCertificate,
                        format!(
                            "The TLS handshake with {} failed: {reason}. Talkative sends only to \
                             endpoints with a valid certificate for their name.",
                            endpoint.host()
                        ),
                    ),
                    None => unreachable(error),
                }
            })?;
            exchange_on(tls, &request, wanted)
                .await
                .map_err(unreachable)
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err((
                Code::ReceiverTimeout,
                format!(
                    "No answer within {} ms (--webhook-timeout).",
                    self.timeout.as_millis()
                ),
            )),
        }
    }
}

fn unreachable(error: std::io::Error) -> (Code, String) {
    (
        Code::ReceiverUnreachable,
        format!("The exchange with the receiver failed: {error}."),
    )
}

/// rustls's reason, when the I/O error is its.
fn tls_failure(error: &std::io::Error) -> Option<String> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .map(ToString::to_string)
}

/// Writes `request` and reads the response: its head (1xx heads skipped), then its body by
/// `Content-Length`, chunks, or to the end, at most `wanted` bytes of it.
async fn exchange_on(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    request: &[u8],
    wanted: usize,
) -> std::io::Result<Response> {
    stream.write_all(request).await?;
    stream.flush().await?;
    let mut buffer: Vec<u8> = Vec::new();
    let (status, head_end, length, chunked) = loop {
        let head_end = read_until_head_end(&mut stream, &mut buffer).await?;
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| invalid_data("the receiver's answer is not HTTP"))?;
        let mut length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
        if (100..200).contains(&status) && status != 101 {
            buffer.drain(..head_end + 4);
            continue;
        }
        break (status, head_end, length, chunked);
    };
    buffer.drain(..head_end + 4);
    let mut body = Vec::new();
    let mut cut = false;
    if chunked {
        read_chunked(&mut stream, buffer, &mut body, wanted, &mut cut).await?;
    } else {
        let limit = length.unwrap_or(usize::MAX);
        body = buffer;
        loop {
            if body.len() >= limit.min(wanted.saturating_add(1)) {
                break;
            }
            let mut chunk = [0u8; 8192];
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..read]);
        }
        body.truncate(limit);
        if body.len() > wanted {
            body.truncate(wanted);
            cut = true;
        }
    }
    Ok(Response { status, body, cut })
}

async fn read_until_head_end(
    stream: &mut (impl AsyncRead + Unpin),
    buffer: &mut Vec<u8>,
) -> std::io::Result<usize> {
    loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(at);
        }
        if buffer.len() > HEAD_BYTES {
            return Err(invalid_data("the receiver's answer has a head over 64 KiB"));
        }
        let mut chunk = [0u8; 8192];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the receiver closed the connection before answering",
            ));
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// A chunked body, decoded, until its last chunk or `wanted` bytes.
async fn read_chunked(
    stream: &mut (impl AsyncRead + Unpin),
    mut buffer: Vec<u8>,
    body: &mut Vec<u8>,
    wanted: usize,
    cut: &mut bool,
) -> std::io::Result<()> {
    loop {
        let line_end = loop {
            if let Some(at) = buffer.windows(2).position(|w| w == b"\r\n") {
                break at;
            }
            if buffer.len() > 1024 {
                return Err(invalid_data("a chunk's size line is too long"));
            }
            fill(stream, &mut buffer).await?;
        };
        let size_text = String::from_utf8_lossy(&buffer[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| invalid_data("a chunk's size is not hexadecimal"))?;
        buffer.drain(..line_end + 2);
        if size == 0 {
            return Ok(());
        }
        while buffer.len() < size + 2 {
            fill(stream, &mut buffer).await?;
            if body.len() + buffer.len() > wanted {
                break;
            }
        }
        let take = size.min(buffer.len());
        body.extend_from_slice(&buffer[..take]);
        if body.len() > wanted {
            body.truncate(wanted);
            *cut = true;
            return Ok(());
        }
        buffer.drain(..(size + 2).min(buffer.len()));
    }
}

async fn fill(stream: &mut (impl AsyncRead + Unpin), buffer: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 8192];
    let read = stream.read(&mut chunk).await?;
    if read == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the receiver closed the connection mid-answer",
        ));
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

fn invalid_data(message: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answered(raw: &'static [u8], wanted: usize) -> Response {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let _ = server.read(&mut request).await;
            server.write_all(raw).await.unwrap();
        });
        exchange_on(client, b"GET / HTTP/1.1\r\n\r\n", wanted)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn bodies_are_read_by_length_by_chunks_and_to_the_end_within_what_is_wanted() {
        let by_length = answered(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 100).await;
        assert_eq!(
            (by_length.status, &by_length.body[..]),
            (200, &b"hello"[..])
        );
        let chunked = answered(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n",
            100,
        )
        .await;
        assert_eq!((chunked.status, &chunked.body[..]), (201, &b"hello"[..]));
        let to_end = answered(b"HTTP/1.0 500 Oops\r\n\r\nbroken", 100).await;
        assert_eq!((to_end.status, &to_end.body[..]), (500, &b"broken"[..]));
        let continued = answered(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            100,
        )
        .await;
        assert_eq!(continued.status, 204);
        let long = answered(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
            4,
        )
        .await;
        assert_eq!((&long.body[..], long.cut), (&b"0123"[..], true));
    }
}
