//! Headers for every response: a CSP that forbids inline script (the portal has none), no
//! framing, no MIME sniffing, no referrer leaks, and no caching of admin pages or API answers.

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderMap, HeaderName, HeaderValue, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use actix_web::middleware::DefaultHeaders;

const HEADERS: [(HeaderName, &str); 5] = [
    (
        CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (X_FRAME_OPTIONS, "DENY"),
    // same-origin, not no-referrer: with no-referrer, Chromium sends `Origin: null` on form
    // POSTs, which the CSRF origin check must refuse.
    (REFERRER_POLICY, "same-origin"),
    (CACHE_CONTROL, "no-store"),
];

/// The middleware that adds them (a handler's own value, e.g. for static files, wins).
pub fn every_response() -> DefaultHeaders {
    HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, (name, value)| {
            headers.add((name, value))
        })
}

/// For a response made outside the App (a panic's 500).
pub fn add_to(headers: &mut HeaderMap) {
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
