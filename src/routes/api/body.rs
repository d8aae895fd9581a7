//! Reading request bodies: size-limited, strictly parsed JSON objects, with errors in the API's shape.

use std::future::poll_fn;
use std::pin::Pin;

use actix_web::body::{BodyStream, MessageBody};
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::{HttpMessage, HttpRequest};
use serde_json::{Map, Value};

use crate::domain::problem::{Code, Problem};
use crate::encoding::strict_json;
use crate::routes::error::ApiError;

pub async fn read_object(
    request: &HttpRequest,
    payload: Payload,
    limit: usize,
    allowed: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let raw = read_json_body(request, payload, limit).await?;
    parse_object(&raw, allowed)
}

/// The body of a JSON request: size-limited (413) and with a JSON (or no) content type.
pub async fn read_json_body(
    request: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::Rejected(Problem::new(
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
            return Err(ApiError::invalid_request(
                format!("The request body could not be read: {error}."),
                "Send a complete JSON body.",
            ));
        }
    };
    let content_type = request.content_type();
    if !content_type.is_empty() && content_type != "application/json" {
        return Err(ApiError::invalid_request(
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

/// Strictly parses a JSON object with only the `allowed` members, saying exactly what is wrong.
pub fn parse_object(raw: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let value = strict_json::parse(raw).map_err(|e| {
        ApiError::invalid_request(
            format!("The request body is not valid JSON: {e}."),
            "Send a JSON object; member names must not repeat.",
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(ApiError::invalid_request(
            "The request body must be a JSON object.",
            "Wrap the fields in {...}; see docs/api.md for this endpoint's fields.",
        ));
    };
    if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::invalid_request(
            format!("Unknown field {unknown:?}."),
            format!("This endpoint takes: {}.", allowed.join(", ")),
        ));
    }
    Ok(fields)
}

/// An optional string member; `null` counts as absent.
pub fn optional_string(
    fields: &mut Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_request(
            format!("Field {name:?} must be a string."),
            "See docs/api.md for this endpoint's fields.",
        )),
    }
}

pub fn required_string(fields: &mut Map<String, Value>, name: &str) -> Result<String, ApiError> {
    optional_string(fields, name)?.ok_or_else(|| {
        ApiError::invalid_request(
            format!("Field {name:?} is required."),
            "See docs/api.md for this endpoint's fields.",
        )
    })
}
