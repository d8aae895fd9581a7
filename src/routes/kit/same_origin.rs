//! Whether a page on another origin sent a request: the one check behind the portal's CSRF
//! protection (`portal/csrf.rs`) and the management API's (`trust_boundary.rs`).
//!
//! Fetch metadata first: `Sec-Fetch-Site` other than `same-origin` or `none` (a person typing the
//! address) means another page, and `same-site` counts: another port on 127.0.0.1 is the same
//! *site*, so SameSite cookies ride along. Then `Origin`, when sent, must be this server as the
//! request reached it (`served_origin.rs`: forwarded headers count only from a
//! `--trusted-proxy`; default ports elided as browsers elide them). Scripts send neither header.

use actix_web::HttpRequest;
use actix_web::http::header::ORIGIN;

use crate::domain::site::Site;
use crate::routes::kit::served_origin::ServedOrigin;

/// Who sent `request` when a page on another origin did ("a page on https://evil.example",
/// "a cross-site page"), or `None`.
pub fn foreign_sender(request: &HttpRequest) -> Option<String> {
    let headers = request.headers();
    let origin = headers
        .get(ORIGIN)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    if let Some(site) = site
        && site != "same-origin"
        && site != "none"
    {
        return Some(origin.map_or_else(|| format!("a {site} page"), |o| format!("a page on {o}")));
    }
    let origin = origin?;
    (!is_own_origin(request, origin)).then(|| format!("a page on {origin}"))
}

/// Whose share of the log's budget what `request` sends counts against (`domain/site.rs`):
/// requests without an `Origin` (scripts, backends) are one site, the emulator's own pages
/// another, and a page elsewhere counts by its `Origin`.
pub fn site_of(request: &HttpRequest) -> Site {
    match request
        .headers()
        .get(ORIGIN)
        .map(|v| v.to_str().unwrap_or(""))
    {
        None => Site::direct(),
        Some(origin) if is_own_origin(request, origin) => Site::portal(),
        Some(origin) => Site::of_origin(origin),
    }
}

pub fn is_own_origin(request: &HttpRequest, origin: &str) -> bool {
    origin.eq_ignore_ascii_case(&ServedOrigin::of(request).url())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::foreign_sender;

    #[test]
    fn only_this_origin_or_no_page_at_all_passes() {
        let request = |headers: &[(&str, &str)]| {
            let mut request = TestRequest::default().insert_header(("host", "127.0.0.1:8080"));
            for header in headers {
                request = request.insert_header(*header);
            }
            request.to_http_request()
        };
        for passes in [
            vec![],
            vec![("sec-fetch-site", "same-origin")],
            vec![("sec-fetch-site", "none")],
            vec![("origin", "http://127.0.0.1:8080")],
            vec![
                ("origin", "HTTP://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
            ],
        ] {
            assert_eq!(foreign_sender(&request(&passes)), None, "{passes:?}");
        }
        for (refused, sender) in [
            (vec![("sec-fetch-site", "cross-site")], "a cross-site page"),
            (vec![("sec-fetch-site", "same-site")], "a same-site page"),
            (vec![("sec-fetch-site", "made-up")], "a made-up page"),
            (
                vec![("origin", "http://127.0.0.1:3000")],
                "a page on http://127.0.0.1:3000",
            ),
            (vec![("origin", "null")], "a page on null"),
            (
                vec![
                    ("origin", "https://evil.example"),
                    ("sec-fetch-site", "none"),
                ],
                "a page on https://evil.example",
            ),
        ] {
            assert_eq!(
                foreign_sender(&request(&refused)).as_deref(),
                Some(sender),
                "{refused:?}"
            );
        }
    }
}
