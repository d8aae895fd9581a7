//! Static assets, compiled into the binary so the server works offline and from any directory.
//! Each is served as it is or gzipped (compressed once, on first use), as the client's
//! `Accept-Encoding` asks, and each of those two carries its own strong ETag (RFC 9110 8.8.3: a
//! strong validator names one representation, and the gzipped bytes are another), so a browser
//! revalidating after `max-age` gets a bodiless 304. No middleware compresses them again: their
//! family (Public) is not compressed (`mount.rs`).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::{AcceptEncoding, ContentEncoding, Encoding, Header};
use actix_web::web::Path;
use actix_web::{HttpRequest, HttpResponse, http::header};

const FILES: &[(&str, &str, &str)] = &[
    (
        "portal.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/portal.css"),
    ),
    (
        "talkative-engage.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/talkative-engage.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../../static/favicon.svg"),
    ),
    (
        "theme.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/theme.js"),
    ),
    (
        "portal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/portal.js"),
    ),
    (
        "playground.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/playground.js"),
    ),
    (
        "encoder.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/encoder.js"),
    ),
    (
        "widget_configs.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/widget_configs.js"),
    ),
    (
        "interactions.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/interactions.js"),
    ),
    (
        "talkative-widget.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/talkative-widget.css"),
    ),
    (
        "talkative-widget.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/talkative-widget.js"),
    ),
    (
        "demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/demo.js"),
    ),
];

pub async fn serve(request: HttpRequest, path: Path<String>) -> HttpResponse {
    file(&request, path.as_str())
}

/// The widget a page loads, `GET /api/ecs/v1/loader/{configUuid}.js`: one ES module for every
/// config (it reads the config UUID and the page's `path` from its own URL, `import.meta.url`).
#[utoipa::path(
    get,
    path = "/api/ecs/v1/loader/{uuid}.js",
    operation_id = "widgetLoader",
    tag = "Widget",
    params(
        ("uuid" = String, Path, description = "The widget config's UUID."),
        ("path" = Option<String>, Query, description = "The page (origin and path) it loads on: \
            where its interactions start."),
        ("selectedVersion" = Option<String>, Query, description = "Talkative's widget version \
            selector; accepted and ignored (the emulator has one widget)."),
    ),
    responses(
        (status = 200, description = "The widget, an ES module.",
            content_type = "text/javascript; charset=utf-8", body = String),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`."),
    ),
    security(())
)]
pub async fn loader(request: HttpRequest) -> HttpResponse {
    file(&request, "talkative-widget.js")
}

/// `/favicon.ico`, which browsers and tools ask for whatever the page links: the same icon.
pub async fn favicon(request: HttpRequest) -> HttpResponse {
    file(&request, "favicon.svg")
}

fn file(request: &HttpRequest, name: &str) -> HttpResponse {
    let Some(index) = FILES.iter().position(|(file, _, _)| *file == name) else {
        return HttpResponse::NotFound().finish();
    };
    let (_, content_type, _) = FILES[index];
    let version = &versions()[index];
    let gzipped = wants_gzip(request);
    let (body, etag): (&'static [u8], &str) = if gzipped {
        (&version.gzip, &version.gzip_etag)
    } else {
        (version.identity.as_bytes(), &version.identity_etag)
    };
    let unchanged = matches(request, etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"))
        // The widget shim is loaded by customers' pages on other origins.
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
    if unchanged {
        return response.finish();
    }
    if gzipped {
        response.insert_header((header::CONTENT_ENCODING, ContentEncoding::Gzip));
    }
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

/// Whether the client takes gzip rather than the file as it is (`Accept-Encoding`, with its
/// quality values; none at all means any, and then the file goes as it is).
fn wants_gzip(request: &HttpRequest) -> bool {
    let Ok(accepted) = AcceptEncoding::parse(request) else {
        return false;
    };
    if accepted.is_empty() {
        return false;
    }
    accepted.negotiate([Encoding::identity(), Encoding::gzip()].iter()) == Some(Encoding::gzip())
}

/// Whether `If-None-Match` names this representation (weak comparison, RFC 9110 13.1.2), or is
/// `*`: a GET for a resource that has a current representation is then answered 304, as the
/// RFC says ("the condition is false if the origin server has a current representation").
fn matches(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// A file's two representations and their validators.
struct Version {
    identity: &'static str,
    identity_etag: String,
    gzip: Vec<u8>,
    gzip_etag: String,
}

/// Per file, in FILES order: the bytes as they are and gzipped, each with a strong ETag made of
/// a hash of the file (the files are compiled in, so it changes exactly when a build changes
/// the file) and the encoding.
fn versions() -> &'static [Version] {
    static VERSIONS: OnceLock<Vec<Version>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| {
                let mut hasher = DefaultHasher::new();
                body.hash(&mut hasher);
                let hash = hasher.finish();
                Version {
                    identity: body,
                    identity_etag: format!("\"{hash:016x}\""),
                    gzip: gzip(body.as_bytes()),
                    gzip_etag: format!("\"{hash:016x}-gzip\""),
                }
            })
            .collect()
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
