//! Static assets, compiled into the binary so the server works offline and from any directory.

use actix_web::web::Path;
use actix_web::{HttpResponse, http::header};

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

pub async fn serve(path: Path<String>) -> HttpResponse {
    file(path.as_str())
}

/// `/favicon.ico`, which browsers and tools ask for whatever the page links: the same icon.
pub async fn favicon() -> HttpResponse {
    file("favicon.svg")
}

fn file(name: &str) -> HttpResponse {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            // The widget shim is loaded by customers' pages on other origins.
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
