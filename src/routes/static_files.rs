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
        "demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/demo.js"),
    ),
];

pub async fn serve(path: Path<String>) -> HttpResponse {
    match FILES.iter().find(|(name, _, _)| *name == path.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            // The widget shim is loaded by customers' pages on other origins.
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
