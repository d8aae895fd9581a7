//! JSON:API on the wire, as Talkative's Core API answers: documents of resources (`type`, string
//! `id`, `attributes`, `links`, `relationships`), and refusals as error documents (`{"errors":
//! [{status, code, title, detail, source?, meta: {hint}}]}`) carrying the emulator's stable
//! codes. Talkative tells clients to send `Accept: application/json` and answers JSON; a client
//! that asks for `application/vnd.api+json` (JSON:API's own media type) gets that instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;

use crate::domain::problem::{Code, Problem};
use crate::routes::error::{ApiError, retry_seconds};

pub use crate::routes::media_type::JSON_API;

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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub enum ErrorSource {
    /// A JSON Pointer into the request body (`/name`).
    #[serde(rename = "pointer")]
    Pointer(String),
    /// A query parameter (`include`).
    #[serde(rename = "parameter")]
    Parameter(String),
}

/// A Core API refusal: the API's error, said as JSON:API says errors.
#[derive(Debug)]
pub struct CoreApiError {
    pub error: ApiError,
    pub source: Option<ErrorSource>,
}

impl CoreApiError {
    pub fn at(problem: Problem, source: ErrorSource) -> Self {
        Self {
            error: ApiError::Rejected(problem),
            source: Some(source),
        }
    }
}

impl<E: Into<ApiError>> From<E> for CoreApiError {
    fn from(error: E) -> Self {
        Self {
            error: error.into(),
            source: None,
        }
    }
}

impl std::fmt::Display for CoreApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
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

impl ResponseError for CoreApiError {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let problem = match &self.error {
            ApiError::Rejected(problem) => problem.clone(),
            ApiError::Throttled(wait) => Problem::new(
                Code::RateLimited,
                format!(
                    "Too many Core API requests with this API key; retry in {} s.",
                    retry_seconds(*wait)
                ),
                "Slow down, or raise --core-api-rate-limit (0 turns it off).",
            ),
            ApiError::Internal(error) => {
                tracing::error!(error = ?error, "Core API request failed");
                Problem::new(
                    Code::InternalError,
                    "The emulator hit an unexpected error.",
                    "Retry; if it persists, check the server log.",
                )
            }
        };
        let document = ErrorDocument {
            errors: vec![ErrorObject {
                status: status.as_str().to_owned(),
                code: problem.code,
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                detail: problem.message,
                source: self
                    .source
                    .as_ref()
                    .and_then(|s| serde_json::to_value(s).ok()),
                meta: ErrorMeta { hint: problem.hint },
            }],
        };
        let mut response = HttpResponse::build(status);
        match &self.error {
            ApiError::Throttled(wait) => {
                response.insert_header((RETRY_AFTER, retry_seconds(*wait).to_string()));
            }
            ApiError::Rejected(p) if p.code == Code::Unauthorized => {
                response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"talkative-core-api\""));
            }
            _ => {}
        }
        // Refusals are always `application/json`: the guard makes some before the request is
        // read, and every JSON:API client reads that too.
        response
            .insert_header((CONTENT_TYPE, "application/json"))
            .body(serde_json::to_vec(&document).unwrap_or_default())
    }
}
