//! The browser trust boundary. The emulator runs on developers' laptops next to their browser,
//! so every page they visit is a potential attacker: it can send the emulator requests (HTML
//! forms, `no-cors` fetches, EventSources, all without a CORS preflight) and, by rebinding its
//! own DNS name to 127.0.0.1, make its requests same-origin and read the answers. A test tool
//! whose trust store a page can rewrite proves nothing. The checks, run by `guard.rs` for the
//! families that take them (`family.rs`), before anything else (authentication included):
//!
//! 1. [`host_refusal`]: the `Host` must be a loopback name (`localhost`, `*.localhost`), an IP
//!    literal, or an `--allowed-host`. A rebound page's requests carry the attacker's name, and
//!    an IP literal cannot be rebound.
//! 2. [`cross_site_refusal`]: a request a page on another origin sent (`same_origin.rs`) is
//!    refused; the portal lets through only a top-level navigation ([`is_top_level_navigation`],
//!    a link followed), which cannot read the answer into the other page.
//! 3. [`media_type_refusal`]: management API writes must be `Content-Type: application/json`,
//!    which neither a form nor a `no-cors` fetch can send. Scripts (curl, test runners) send
//!    neither fetch metadata nor Origin.
//!
//! This is what Vite and webpack-dev-server do since the same class of bug was found in them.
//! The verify endpoint is open by design (customer pages on any origin call it) and changes
//! nothing but the interaction log.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::{CONTENT_TYPE, HOST, HeaderMap};

use crate::configuration::AllowedHost;
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::family::Family;
use crate::routes::kit::media_type::is_json;
use crate::routes::kit::same_origin::foreign_sender;

/// Why the host this request names is not served, or `None` when it is.
pub fn host_refusal(
    headers: &HeaderMap,
    uri: &actix_web::http::Uri,
    allowed: &[AllowedHost],
) -> Option<Problem> {
    let mut host_headers = headers.get_all(HOST);
    let host_header = host_headers.next();
    if host_headers.next().is_some() {
        return Some(no_host("The request has more than one Host header."));
    }
    // HTTP/1.1 absolute-form (`GET http://name/ HTTP/1.1`) names the host in the URI too; both
    // must be allowed.
    let named: Vec<&str> = host_header
        .map(|value| value.to_str().unwrap_or("\u{fffd}"))
        .into_iter()
        .chain(uri.authority().map(|a| a.as_str()))
        .collect();
    if named.is_empty() {
        return Some(no_host("The request has no Host header."));
    }
    let refused = named
        .into_iter()
        .find(|host| !is_allowed_host(host_name(host).as_deref(), allowed))?;
    let name = host_name(refused).unwrap_or_else(|| refused.to_owned());
    Some(Problem::new(
        Code::HostNotAllowed,
        format!("This emulator does not answer to the host {refused:?}."),
        format!(
            "Open it as http://127.0.0.1:<port>/ or http://localhost:<port>/. To reach it by this \
             name (behind a proxy or in a container), start it with --allowed-host {name}. Other \
             names are refused so that no web page can reach the emulator through DNS rebinding."
        ),
    ))
}

fn no_host(message: &str) -> Problem {
    Problem::new(
        Code::HostNotAllowed,
        message,
        "Send exactly one Host header naming 127.0.0.1, localhost or an --allowed-host (every \
         HTTP/1.1 client does).",
    )
}

/// The name in a `Host` value (RFC 9110 `uri-host [":" port]`): without the port, brackets and
/// trailing dot, in lower case. `None` when it is not a host at all: brackets only around an
/// IPv6 literal and nothing after them but a port (`[::1]evil.example` is refused, not read as
/// `::1`), a port of digits only, a name of letters, digits, `-`, `_` and `.`.
fn host_name(host: &str) -> Option<String> {
    let (name, port) = match host.strip_prefix('[') {
        Some(bracketed) => {
            let (literal, after) = bracketed.split_once(']')?;
            literal.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':')?),
            };
            (literal, port)
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if let Some(port) = port
        && (port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if !host.starts_with('[') {
        let name_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if !name.bytes().all(name_byte) {
            return None;
        }
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// Loopback names resolve locally in every browser and IP literals are never looked up, so
/// neither can be rebound; any other name must be one the operator allowed.
fn is_allowed_host(name: Option<&str>, allowed: &[AllowedHost]) -> bool {
    let Some(name) = name else {
        return false;
    };
    name.parse::<IpAddr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || allowed.iter().any(|host| host.matches(name))
}

/// Why this request looks sent by a page on another origin, or `None`; the message says what
/// `family` takes instead.
pub fn cross_site_refusal(request: &HttpRequest, family: Family) -> Option<Problem> {
    let from = foreign_sender(request)?;
    let (message, hint) = if family.answers_with_pages() {
        (
            format!(
                "This request was sent by {from}; the portal answers only its own pages, and \
                 links that open one."
            ),
            "Open the portal in its own tab (http://127.0.0.1:<port>/). Pages on other sites may \
             link to it but not fetch, post to or follow its live log.",
        )
    } else {
        (
            format!(
                "This request was sent by {from}; the management API only takes requests from \
                 scripts and from the portal's own origin."
            ),
            "Call the management API from your test runner or a shell (curl, fetch in Node), not \
             from a web page. Pages may only call POST /api/v1/verify (the widget shim does).",
        )
    };
    Some(Problem::new(Code::CrossSiteRequest, message, hint))
}

/// Whether this is a person opening a page (following a link, typing the address): a GET or
/// HEAD that fetch metadata marks as a top-level navigation. Another site may link to a portal
/// page; it cannot read the answer, and a page changes nothing.
pub fn is_top_level_navigation(request: &HttpRequest) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    matches!(*request.method(), Method::GET | Method::HEAD)
        && header("sec-fetch-mode") == Some("navigate")
        && header("sec-fetch-dest") == Some("document")
}

/// Writes must be JSON: `POST`, `PUT` and `PATCH` with `Content-Type: application/json`; a
/// `DELETE` may have no body, but if it declares one it must be JSON too. (A `DELETE` is not a
/// method any page can send without a preflight, which this server never grants.)
pub fn media_type_refusal(method: &Method, headers: &HeaderMap) -> Option<Problem> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let needs_body = *method != Method::DELETE;
    match content_type {
        Some(value) if is_json(value) => None,
        None if !needs_body => None,
        declared => Some(Problem::new(
            Code::UnsupportedMediaType,
            match declared {
                Some(value) => {
                    format!("The Content-Type is {value:?}; the management API takes only JSON.")
                }
                None => "The request has no Content-Type; the management API takes only JSON."
                    .to_owned(),
            },
            "Send the body as JSON with `Content-Type: application/json` (curl: -H \
             'Content-Type: application/json'). POST /api/v1/reset takes an empty body or {}.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn host_names_are_read_without_port_brackets_or_trailing_dot() {
        for (host, name) in [
            ("127.0.0.1:8080", Some("127.0.0.1")),
            ("LocalHost", Some("localhost")),
            ("localhost.:8080", Some("localhost")),
            ("[::1]:8080", Some("::1")),
            ("[::1]", Some("::1")),
            ("example.com:", Some("example.com")),
            (":8080", None),
            ("[::1", None),
            // Nothing but a port may follow the brackets, and they hold an IPv6 literal only.
            ("[::1]evil.example", None),
            ("[::1]:8080evil", None),
            ("[127.0.0.1]", None),
            ("[evil.example]", None),
            // A name is letters, digits, `-`, `_` and dots; a port is digits.
            ("evil.example@127.0.0.1", None),
            ("127.0.0.1 evil.example", None),
            ("localhost:80:80", None),
            ("localhost:123456", None),
            ("::1", None),
        ] {
            assert_eq!(host_name(host).as_deref(), name, "{host}");
        }
    }

    #[test]
    fn only_loopback_names_ip_literals_and_allowed_names_pass() {
        let allowed: Vec<AllowedHost> = vec!["proxy.example".parse().unwrap()];
        for name in [
            "127.0.0.1",
            "::1",
            "192.168.1.20",
            "localhost",
            "app.localhost",
            "proxy.example",
        ] {
            assert!(is_allowed_host(Some(name), &allowed), "{name}");
        }
        for name in [
            "evil.example",
            "localhost.evil.example",
            "sub.proxy.example",
            "notlocalhost",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_allowed_host(Some(name), &allowed), "{name}");
        }
        assert!(!is_allowed_host(None, &allowed));
    }

    #[test]
    fn writes_must_declare_json_and_deletes_may_declare_nothing() {
        let mut json = HeaderMap::new();
        json.insert(
            CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        let mut form = HeaderMap::new();
        form.insert(
            CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let none = HeaderMap::new();
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert_eq!(media_type_refusal(&method, &json), None, "{method}");
            let refused = media_type_refusal(&method, &form).unwrap();
            assert_eq!(refused.code.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        assert!(media_type_refusal(&Method::POST, &none).is_some());
        assert!(media_type_refusal(&Method::DELETE, &none).is_none());
        assert!(media_type_refusal(&Method::GET, &form).is_none());
    }
}
