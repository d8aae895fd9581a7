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
            if inner.starts_with("UUID parsing failed") {
                // uuid's own words ("UUID parsing failed: invalid character: found `n` at 0")
                // read as "must be UUID parsing failed": say what a UUID looks like instead.
                format!(
                    "Field {member:?} must be a UUID: 8-4-4-4-12 hex digits, such as \
                     7d3c6a54-1f0e-4a8e-9a57-5a1b2c3d4e5f."
                )
            } else {
                format!("Field {member:?} must be {}.", plain_type(expected))
            }
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
    let value = strict_json::parse(raw).map_err(|e| not_json(raw, &e))?;
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

/// A body that is not JSON, said as a person fixes it (#32: every such refusal used to hint
/// "member names must not repeat" and name a bare column): a repeated member is said as
/// such; otherwise the text around the place the parser stopped is quoted, with what to look
/// for there.
fn not_json(raw: &[u8], error: &serde_json::Error) -> Refusal {
    let text = String::from_utf8_lossy(raw);
    let detail = error.to_string();
    if let Some(name) = detail
        .strip_prefix("duplicate member name ")
        .and_then(|rest| rest.split(" at line ").next())
    {
        return Refusal::invalid_request(
            format!("The JSON names the member {name} twice."),
            "Keep one of the two: a member may appear once in an object.",
        );
    }
    // serde_json's column is the offending character's (1-based); at the end, the last one's.
    let (at, what) = match error.classify() {
        serde_json::error::Category::Eof => (
            error.column(),
            "it ends too early: a bracket, brace or quote is left open",
        ),
        _ => (
            error.column().saturating_sub(1),
            "look for a missing or extra comma, a missing value, or a quote or bracket left open",
        ),
    };
    let near = excerpt_at(&text, error.line(), at);
    Refusal::invalid_request(
        format!(
            "The JSON stops making sense at line {}, column {}: {near}.",
            error.line(),
            error.column()
        ),
        format!("At the place marked ⟨here⟩, {what}."),
    )
}

/// Up to 24 characters either side of the place after `column` characters of `line`
/// (1-based), marked ⟨here⟩, quoted on one line.
fn excerpt_at(text: &str, line: usize, column: usize) -> String {
    let Some(row) = text.lines().nth(line.saturating_sub(1)) else {
        return "at the end".to_owned();
    };
    let chars: Vec<char> = row.chars().collect();
    let at = column.min(chars.len());
    let before: String = chars[at.saturating_sub(24)..at].iter().collect();
    let after: String = chars[at..(at + 24).min(chars.len())].iter().collect();
    format!(
        "\"{}{}⟨here⟩{}{}\"",
        if at > 24 { "…" } else { "" },
        before.trim_start(),
        after.trim_end(),
        if at + 24 < chars.len() { "…" } else { "" }
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal_of(raw: &str) -> Problem {
        let error = strict_json::parse(raw.as_bytes()).unwrap_err();
        match not_json(raw.as_bytes(), &error) {
            Refusal::Rejected(problem) => problem,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_that_does_not_parse_is_quoted_where_it_breaks() {
        let broken = refusal_of("{\n  \"name\": \"Shop\",\n  \"queues\": [ { \"uuid\": 1 }, ]\n}");
        assert!(
            broken
                .message
                .starts_with("The JSON stops making sense at line 3, column")
                && broken.message.contains("⟨here⟩]"),
            "{}",
            broken.message
        );
        assert!(broken.hint.contains("comma"), "{}", broken.hint);
        assert!(!broken.hint.contains("repeat"), "{}", broken.hint);
        let cut = refusal_of("{\"name\": \"x\", \"queues\": [");
        assert!(cut.hint.contains("ends too early"), "{}", cut.hint);
        let twice = refusal_of("{\"name\": \"x\", \"name\": \"y\"}");
        assert_eq!(twice.message, "The JSON names the member \"name\" twice.");
        let long = format!("{{\"a\": \"{}\" \"b\": 1}}", "x".repeat(100));
        let far = refusal_of(&long);
        assert!(far.message.contains("\"…xxxx"), "{}", far.message);
        assert!(far.message.chars().count() < 140, "{}", far.message);
    }
}
