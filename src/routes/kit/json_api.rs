//! JSON:API on the wire, as Talkative's Core API answers: documents of resources (`type`, string
//! `id`, `attributes`, `links`, `relationships`), and refusals as error documents (`{"errors":
//! [{status, code, title, detail, source?, meta: {hint}}]}`, rendered by `refusal.rs`) carrying
//! the emulator's stable codes. Talkative tells clients to send `Accept: application/json` and answers JSON; a client
//! that asks for `application/vnd.api+json` (JSON:API's own media type) gets that instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::domain::problem::{Code, Problem};

pub use crate::routes::kit::media_type::JSON_API;

/// The media type to answer `request` with.
pub fn media_type(request: &HttpRequest) -> &'static str {
    let asks_for_json_api = request
        .headers()
        .get_all(ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let essence = range.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case(JSON_API)
        });
    if asks_for_json_api {
        JSON_API
    } else {
        "application/json"
    }
}

/// A JSON:API answer with the media type the client asked for.
pub fn respond(
    request: &HttpRequest,
    status: StatusCode,
    document: &impl Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, media_type(request)))
        .body(serde_json::to_vec(document).unwrap_or_else(|_| b"{}".to_vec()))
}

/// Where in the request a refusal points (JSON:API's error `source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum ErrorSource {
    /// A JSON Pointer into the request body (`/name`).
    #[serde(rename = "pointer")]
    Pointer(String),
    /// A query parameter (`include`).
    #[serde(rename = "parameter")]
    Parameter(String),
}

/// JSON:API's error document.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = JsonApiErrors)]
pub struct ErrorDocument {
    errors: Vec<ErrorObject>,
}

/// One error: `status` as a string, our `code`, the status's reason as `title` (the same for
/// every occurrence, as JSON:API asks), the occurrence's message as `detail`, and the hint.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = JsonApiError)]
pub struct ErrorObject {
    status: String,
    code: Code,
    title: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    source: Option<Value>,
    meta: ErrorMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorMeta {
    /// What to do about it.
    hint: String,
}

impl ErrorDocument {
    /// The document for one refusal: its status, what it says, and where it points.
    pub fn new(status: StatusCode, problem: Problem, source: Option<&ErrorSource>) -> Self {
        ErrorDocument {
            errors: vec![ErrorObject {
                status: status.as_str().to_owned(),
                code: problem.code,
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                detail: problem.message,
                source: source.and_then(|s| serde_json::to_value(s).ok()),
                meta: ErrorMeta { hint: problem.hint },
            }],
        }
    }
}
