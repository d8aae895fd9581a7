//! A Generic CRM webhook, as Talkative's settings page makes one: a label, an endpoint, a send
//! condition, the queues it applies to, and headers sent exactly as configured. Parsed here, so
//! a [`Webhook`] cannot hold an endpoint the emulator must not call or a header that would break
//! the request. Header values are secrets: their `Debug` hides them and views show a mask.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::key_name::plain_text;
use crate::domain::problem::{Code, Problem};

/// A webhook's label: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookLabel(String);

impl WebhookLabel {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let label = raw.trim();
        let problem = |message: String| {
            invalid(
                message,
                "Name the integration after its receiver, such as \"CRM staging\".",
            )
        };
        if label.is_empty() {
            return Err(problem("The webhook's label is blank.".to_owned()));
        }
        plain_text(label, Self::MAX_CHARS).map_err(|m| problem(m.replace("name", "label")))?;
        Ok(Self(label.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a webhook (or a chatbot fulfilment action) is sent: `https` anywhere (certificates
/// checked), or `http` to this machine only (a test's receiver on loopback). Talkative requires a
/// valid TLS certificate; plain http is the emulator's one allowance, for local receivers.
/// Parsed here (scheme, host, port, path and query), so the client that calls it reads parts,
/// never a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    https: bool,
    /// Lower-cased; an IPv6 address without its brackets.
    host: String,
    port: u16,
    /// The path and query, `/` at least.
    target: String,
    /// The URL as it is shown and stored.
    normalized: String,
}

/// Which plain-http endpoints a parse lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainHttp {
    /// Only to this machine (webhooks, fulfilment: Talkative sends only to valid certificates).
    LoopbackOnly,
    /// Anywhere (the command line reaching an emulator in a CI service container).
    Anywhere,
}

impl Endpoint {
    pub const MAX_CHARS: usize = 2_048;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        Self::parse_with(raw, PlainHttp::LoopbackOnly)
    }

    pub fn parse_with(raw: &str, plain_http: PlainHttp) -> Result<Self, Problem> {
        let raw = raw.trim();
        let hint = "Give an absolute https:// URL (its certificate is checked), or an http:// URL on \
                    this machine for a local receiver (http://127.0.0.1:PORT/path).";
        if raw.is_empty() {
            return Err(invalid("The endpoint URL is blank.", hint));
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(invalid(
                format!(
                    "The endpoint URL is longer than {} characters.",
                    Self::MAX_CHARS
                ),
                hint,
            ));
        }
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(invalid(
                format!(
                    "The endpoint {raw:?} is no URL: it does not start with https:// or http://."
                ),
                hint,
            ));
        };
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            other => {
                return Err(invalid(
                    format!("The endpoint's scheme is {other:?}: only https and http are sent to."),
                    hint,
                ));
            }
        };
        if rest.contains('#') {
            return Err(invalid(
                "The endpoint URL has a #fragment, which is never sent.",
                "Leave the #… part out.",
            ));
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        if authority.contains('@') {
            return Err(invalid(
                "The endpoint URL carries a user name or password.",
                "Put credentials in a header (Authorization) instead: headers are kept secret, \
                 a URL is shown.",
            ));
        }
        if let Some(c) = target.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(invalid(
                format!("The endpoint's path holds {c:?}, which a URL must percent-encode."),
                "Percent-encode it (a space is %20).",
            ));
        }
        let (host, port) = split_host_port(authority, https)
            .map_err(|message| invalid(format!("The endpoint {raw:?}: {message}"), hint))?;
        if !https && plain_http == PlainHttp::LoopbackOnly && !is_loopback(&host) {
            return Err(invalid(
                format!(
                    "The endpoint {raw:?} is plain http to another machine: Talkative sends \
                     only to endpoints with a valid TLS certificate."
                ),
                "Use https:// (a tunnel such as ngrok gives a local receiver one), or http:// \
                 to 127.0.0.1 or localhost for a receiver on this machine.",
            ));
        }
        let target = match target {
            "" => "/".to_owned(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_owned(),
        };
        let shown_host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let default_port = if https { 443 } else { 80 };
        let normalized = if port == default_port {
            format!(
                "{}://{shown_host}{target}",
                if https { "https" } else { "http" }
            )
        } else {
            format!(
                "{}://{shown_host}:{port}{target}",
                if https { "https" } else { "http" }
            )
        };
        Ok(Self {
            https,
            host,
            port,
            target,
            normalized,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host to connect to and to name in TLS: a name, or an IP address (IPv6 unbracketed).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target: the path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The `Host` header's value.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// `host[:port]` (an IPv6 address in brackets), the host lower-cased, the port defaulted.
fn split_host_port(authority: &str, https: bool) -> Result<(String, u16), String> {
    let default_port = if https { 443 } else { 80 };
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner
            .split_once(']')
            .ok_or("an IPv6 address's bracket is not closed")?;
        address
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("{address:?} is no IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or("something follows the IPv6 address")?,
            ),
        };
        (address.to_ascii_lowercase(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_ascii_lowercase(), Some(port)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() {
        return Err("it names no host".to_owned());
    }
    if !host.contains(':') {
        if !host.is_ascii() {
            return Err(format!(
                "the host {host:?} is an international name: give its punycode form (xn--…)"
            ));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err(format!("{host:?} is not a host name"));
        }
    }
    let port = match port {
        None => default_port,
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{port:?} is not a port (1 to 65535)"))?,
    };
    Ok((host, port))
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// When a webhook is sent. Talkative's article lists "Completed and Wrapped" (the agent marked
/// the interaction complete, or auto-complete did) among others it does not spell out; the
/// emulator has that one (docs/talkative-compat.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SendCondition {
    #[default]
    CompletedAndWrapped,
}

impl SendCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompletedAndWrapped => "completed_and_wrapped",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw {
            "completed_and_wrapped" => Ok(Self::CompletedAndWrapped),
            other => Err(invalid(
                format!("The send condition {other:?} is not one the emulator has."),
                "Use \"completed_and_wrapped\" (Talkative's \"Completed and Wrapped\": sent when \
                 the interaction is completed). Talkative's other conditions are not emulated.",
            )),
        }
    }

    /// What the portal calls it, as Talkative's settings page does.
    pub fn title(self) -> &'static str {
        match self {
            Self::CompletedAndWrapped => "Completed and Wrapped",
        }
    }
}

/// A header sent with every request to the endpoint, exactly as configured.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    name: String,
    value: String,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, mask(&self.value))
    }
}

impl Header {
    /// Headers at most one target may have.
    pub const MAX_COUNT: usize = 20;
    pub const MAX_NAME_CHARS: usize = 100;
    pub const MAX_VALUE_CHARS: usize = 4_096;
    /// Set by the emulator on every request, so not configurable: the body's, the transport's,
    /// and the idempotency key receivers drop repeats by.
    pub const RESERVED: [&str; 9] = [
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "te",
        "upgrade",
        "user-agent",
        IDEMPOTENCY_HEADER_LOWER,
    ];

    pub fn parse(name: &str, value: &str) -> Result<Self, Problem> {
        let name = name.trim();
        let hint = "A header is a name (letters, digits and !#$%&'*+-.^_`|~) and a value of \
                    visible ASCII, such as Authorization: Bearer …";
        if name.is_empty() {
            return Err(invalid("A header has a blank name.", hint));
        }
        if name.chars().count() > Self::MAX_NAME_CHARS
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(invalid(format!("{name:?} is not a header name."), hint));
        }
        if Self::RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(invalid(
                format!("The header {name} is set by the emulator on every request."),
                format!(
                    "Leave it out: Content-Type is application/json, and {IDEMPOTENCY_HEADER} \
                     carries the delivery's id."
                ),
            ));
        }
        // The value is never quoted back: it is a secret.
        if value.chars().count() > Self::MAX_VALUE_CHARS {
            return Err(invalid(
                format!(
                    "The value of {name} is longer than {} characters.",
                    Self::MAX_VALUE_CHARS
                ),
                hint,
            ));
        }
        if !value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            return Err(invalid(
                format!(
                    "The value of {name} holds a character a header cannot carry (a line break, \
                     a control character or non-ASCII)."
                ),
                hint,
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            value: value.trim().to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The secret itself: only for sending it.
    pub fn reveal(&self) -> &str {
        &self.value
    }

    /// What a view shows of the value.
    pub fn masked(&self) -> String {
        mask(&self.value)
    }

    /// A list of headers: at most [`Header::MAX_COUNT`], no name twice (case-insensitive).
    pub fn parse_all<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<Self>, Problem> {
        let mut headers: Vec<Self> = Vec::new();
        for (name, value) in pairs {
            let header = Self::parse(name, value)?;
            if headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(&header.name))
            {
                return Err(invalid(
                    format!("The header {} is given twice.", header.name),
                    "Give each header once.",
                ));
            }
            headers.push(header);
            if headers.len() > Self::MAX_COUNT {
                return Err(invalid(
                    format!("More than {} headers.", Self::MAX_COUNT),
                    "Send fewer headers.",
                ));
            }
        }
        Ok(headers)
    }
}

/// The idempotency key's header: the delivery's UUID, the same on every attempt and redelivery.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
const IDEMPOTENCY_HEADER_LOWER: &str = "idempotency-key";

/// A secret as views show it: its last four characters when it is long enough that they give
/// nothing away (as API keys' hints do), else only that it is set.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 16 {
        format!(
            "••••{}",
            chars[chars.len() - 4..].iter().collect::<String>()
        )
    } else {
        "••••".to_owned()
    }
}

/// A webhook as configured, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub label: WebhookLabel,
    pub endpoint: Endpoint,
    pub condition: SendCondition,
    /// The queues it applies to; empty: every queue.
    pub queues: Vec<Uuid>,
    pub headers: Vec<Header>,
}

impl Webhook {
    /// Most queues one webhook names.
    pub const MAX_QUEUES: usize = 100;

    pub fn parse(
        label: &str,
        url: &str,
        condition: &str,
        queues: &[String],
        headers: &[(String, String)],
    ) -> Result<Self, Problem> {
        if queues.len() > Self::MAX_QUEUES {
            return Err(invalid(
                format!("More than {} queues.", Self::MAX_QUEUES),
                "Leave `queues` empty to send for every queue.",
            ));
        }
        let mut parsed = Vec::with_capacity(queues.len());
        for queue in queues {
            let uuid = Uuid::try_parse(queue.trim()).map_err(|_| {
                invalid(
                    format!("The queue {queue:?} is no UUID."),
                    "Name queues by the UUIDs of the Widget configs page, or leave `queues` \
                     empty to send for every queue.",
                )
            })?;
            if !parsed.contains(&uuid) {
                parsed.push(uuid);
            }
        }
        Ok(Self {
            label: WebhookLabel::parse(label)?,
            endpoint: Endpoint::parse(url)?,
            condition: SendCondition::parse(condition)?,
            queues: parsed,
            headers: Header::parse_all(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))?,
        })
    }

    /// Whether an interaction on `queue` is sent.
    pub fn applies_to(&self, queue: Option<Uuid>) -> bool {
        self.queues.is_empty() || queue.is_some_and(|q| self.queues.contains(&q))
    }
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem::new(Code::InvalidWebhook, message, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_or_http_on_this_machine() {
        for ok in [
            "https://crm.example/hooks/talkative",
            "http://127.0.0.1:9000/hook",
            "http://localhost:3000/",
            "http://[::1]:8080/x",
            "http://app.localhost/x",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://crm.example/hook", "plain http to another machine"),
            ("http://10.0.0.5/hook", "plain http to another machine"),
            ("ftp://crm.example/", "scheme"),
            ("crm.example/hook", "no URL"),
            ("https://user:pw@crm.example/", "user name or password"),
            ("https://crm.example/#x", "fragment"),
            ("", "blank"),
        ] {
            let problem = Endpoint::parse(bad).unwrap_err();
            assert_eq!(problem.code, Code::InvalidWebhook);
            assert!(problem.message.contains(says), "{bad}: {problem}");
        }
    }

    #[test]
    fn headers_are_checked_and_their_values_never_shown() {
        let headers =
            Header::parse_all([("Authorization", "Bearer abcdefghijklmnop1234")]).unwrap();
        assert_eq!(headers[0].masked(), "••••1234");
        assert!(!format!("{headers:?}").contains("abcdefgh"));
        assert_eq!(Header::parse("X-Key", "short").unwrap().masked(), "••••");
        for (name, value, says) in [
            ("Content-Type", "text/plain", "set by the emulator"),
            ("idempotency-key", "x", "set by the emulator"),
            ("Bad Name", "x", "not a header name"),
            ("X-A", "line\nbreak", "cannot carry"),
            ("", "x", "blank name"),
        ] {
            let problem = Header::parse(name, value).unwrap_err();
            assert!(problem.message.contains(says), "{name}: {problem}");
            assert!(value.len() < 3 || !problem.message.contains(value));
        }
        let twice = Header::parse_all([("X-A", "1"), ("x-a", "2")]).unwrap_err();
        assert!(twice.message.contains("twice"));
    }

    #[test]
    fn a_webhook_applies_to_its_queues_or_to_every_queue() {
        let queue = Uuid::new_v4();
        let every = Webhook::parse(
            "CRM",
            "https://crm.example/",
            "completed_and_wrapped",
            &[],
            &[],
        )
        .unwrap();
        assert!(every.applies_to(Some(queue)) && every.applies_to(None));
        let one = Webhook::parse(
            "CRM",
            "https://crm.example/",
            "completed_and_wrapped",
            &[queue.to_string()],
            &[],
        )
        .unwrap();
        assert!(one.applies_to(Some(queue)));
        assert!(!one.applies_to(Some(Uuid::new_v4())) && !one.applies_to(None));
        let bad = Webhook::parse("CRM", "https://crm.example/", "ended", &[], &[]).unwrap_err();
        assert!(bad.hint.contains("completed_and_wrapped"));
    }
}
