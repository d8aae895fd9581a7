//! Static assets, compiled into the binary so the server works offline and from any directory.
//! Each carries an ETag (a hash of its bytes), so a browser revalidating after `max-age` gets a
//! bodiless 304; the scope's Compress middleware gzips them for browsers that ask.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

use actix_web::web::Path;
use actix_web::{HttpRequest, HttpResponse, http::header};

const FILES: &[(&str, &str, &str)] = &[
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_str!("../../static/portal.css"),
    ),
    (
        "talkative-engage.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/talkative-engage.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../static/favicon.svg"),
    ),
    (
        "theme.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/theme.js"),
    ),
    (
        "portal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/portal.js"),
    ),
    (
        "playground.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/playground.js"),
    ),
    (
        "interactions.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/interactions.js"),
    ),
    (
        "demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/demo.js"),
    ),
];

pub async fn serve(request: HttpRequest, path: Path<String>) -> HttpResponse {
    file(&request, path.as_str())
}

/// `/favicon.ico`, which browsers and tools ask for whatever the page links: the same icon.
pub async fn favicon(request: HttpRequest) -> HttpResponse {
    file(&request, "favicon.svg")
}

fn file(request: &HttpRequest, name: &str) -> HttpResponse {
    let Some(index) = FILES.iter().position(|(file, _, _)| *file == name) else {
        return HttpResponse::NotFound().finish();
    };
    let (_, content_type, body) = FILES[index];
    let etag = &etags()[index];
    let unchanged = matches(request, etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        // The widget shim is loaded by customers' pages on other origins.
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
    if unchanged {
        return response.finish();
    }
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

/// Whether `If-None-Match` names this version (or `*`).
fn matches(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// One strong ETag per file, in FILES order: a hash of its bytes (the files are compiled in,
/// so it changes exactly when a build changes the file).
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| {
                let mut hasher = DefaultHasher::new();
                body.hash(&mut hasher);
                format!("\"{:016x}\"", hasher.finish())
            })
            .collect()
    })
}
