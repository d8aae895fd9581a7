//! Reading request bodies: size-limited, strictly parsed JSON objects, with errors in the API's
//! shape. Each body is one type ([`read`], [`parse`]): serde parses it, its `ToSchema` documents
//! it, and the members it accepts are read off that same schema, so what the API takes and what
//! the reference says it takes cannot differ.

use std::future::poll_fn;
use std::pin::Pin;

use actix_web::body::{BodyStream, MessageBody};
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::{HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::domain::problem::{Code, Problem};
use crate::encoding::strict_json;
use crate::routes::kit::refusal::Refusal;

/// The body as `T`: size-limited, strictly parsed, refused with a precise error.
pub async fn read<T: DeserializeOwned + PartialSchema>(
    request: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<T, Refusal> {
    let raw = read_json_body(request, payload, limit).await?;
    parse(&raw)
}

/// The body of a JSON request: size-limited (413) and with a JSON (or no) content type.
pub async fn read_json_body(
    request: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::Rejected(Problem::new(
            Code::PayloadTooLarge,
            format!("The request body is larger than {limit} bytes."),
            "Send less data; interaction data is meant to be small.",
        ))
    };
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let raw = match collect_limited(payload, limit, declared).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(too_large()),
        Err(error) => {
            return Err(Refusal::invalid_request(
                format!("The request body could not be read: {error}."),
                "Send a complete JSON body.",
            ));
        }
    };
    let content_type = request.content_type();
    if !content_type.is_empty() && !crate::routes::kit::media_type::is_json(content_type) {
        return Err(Refusal::invalid_request(
            format!("The Content-Type is {content_type:?}; this endpoint takes JSON."),
            "Send `Content-Type: application/json` (with curl: -H 'Content-Type: application/json').",
        ));
    }
    Ok(raw)
}

/// The whole body, or `None` once it passes `limit` bytes.
///
/// A body that arrives in one chunk (a small JSON request nearly always does) is returned as that
/// chunk, uncopied. `Payload::to_bytes_limited` cannot know the size of a chunked stream, so it
/// allocates 32 KiB for every body and copies into it: on the verify endpoint that was a 32 KiB
/// malloc per request, which made glibc consolidate its free lists each time.
async fn collect_limited(
    payload: Payload,
    limit: usize,
    declared: Option<usize>,
) -> Result<Option<Bytes>, PayloadError> {
    let mut stream = BodyStream::new(payload);
    let Some(first) = next_chunk(&mut stream).await? else {
        return Ok(Some(Bytes::new()));
    };
    if first.len() > limit {
        return Ok(None);
    }
    let Some(second) = next_chunk(&mut stream).await? else {
        return Ok(Some(first));
    };
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    for chunk in [first, second] {
        body.extend_from_slice(&chunk);
    }
    loop {
        if body.len() > limit {
            return Ok(None);
        }
        match next_chunk(&mut stream).await? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => return Ok(Some(body.freeze())),
        }
    }
}

async fn next_chunk(stream: &mut BodyStream<Payload>) -> Result<Option<Bytes>, PayloadError> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx))
        .await
        .transpose()
}

/// Strictly parses `raw` as `T`: a JSON object whose member names do not repeat, with only
/// the members `T` documents, each of the documented type.
pub fn parse<T: DeserializeOwned + PartialSchema>(raw: &[u8]) -> Result<T, Refusal> {
    let members = members::<T>(raw)?;
    serde_path_to_error::deserialize(Value::Object(members)).map_err(|error| {
        let member = error.path().to_string();
        let inner = error.into_inner().to_string();
        let message = if let Some(name) = missing_member(&inner) {
            format!("Field {name:?} is required.")
        } else {
            let expected = inner
                .split_once("expected ")
                .map_or(inner.as_str(), |(_, what)| what);
            format!("Field {member:?} must be {}.", plain_type(expected))
        };
        Refusal::invalid_request(
            message,
            format!(
                "This endpoint takes: {}; see /docs/api.",
                accepted::<T>().join(", ")
            ),
        )
    })
}

/// The members of a JSON object body, checked against those `T` documents: for handlers that
/// read them one by one (to accept some shapes with a warning rather than refuse them).
pub fn members<T: PartialSchema>(raw: &[u8]) -> Result<Map<String, Value>, Refusal> {
    let value = strict_json::parse(raw).map_err(|e| {
        Refusal::invalid_request(
            format!("The request body is not valid JSON: {e}."),
            "Send a JSON object; member names must not repeat.",
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(Refusal::invalid_request(
            "The request body must be a JSON object.",
            "Wrap the fields in {...}; see /docs/api for this endpoint's fields.",
        ));
    };
    let accepted = accepted::<T>();
    if let Some(unknown) = fields.keys().find(|k| !accepted.contains(k)) {
        return Err(Refusal::invalid_request(
            format!("Unknown field {unknown:?}."),
            if accepted.is_empty() {
                "This endpoint takes no fields: send {} or nothing.".to_owned()
            } else {
                format!("This endpoint takes: {}.", accepted.join(", "))
            },
        ));
    }
    Ok(fields)
}

/// The member names `T`'s schema lists, in its order.
fn accepted<T: PartialSchema>() -> Vec<String> {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The member serde says is missing (`missing field `pem``).
fn missing_member(error: &str) -> Option<&str> {
    error.strip_prefix("missing field `")?.split('`').next()
}

/// serde's words for a JSON type, as a JSON user says them.
fn plain_type(expected: &str) -> &str {
    match expected {
        "a sequence" => "an array",
        "a map" | "struct" => "an object",
        "a boolean" => "true or false",
        other => other,
    }
}
/// An action without options (a reset, an end, a feedback step): send no body, or `{}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

/// Reads a body that may only be empty or `{}`: an action without options.
pub async fn no_options(
    request: &HttpRequest,
    payload: Payload,
    state: &crate::routes::kit::state::WebState,
) -> Result<(), Refusal> {
    let raw = read_json_body(request, payload, state.core.settings.max_body_bytes).await?;
    if !raw.iter().all(u8::is_ascii_whitespace) {
        parse::<NoOptions>(&raw)?;
    }
    Ok(())
}
