//! `POST /api/v1/verify`: what Talkative does with a widget's interaction data, explained.

use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE, ContentType,
};
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use bytestring::ByteString;
use serde::Deserialize;
use serde_json::Value;

use crate::app::verification::{Sender, Submission, verify_and_record};
use crate::domain::InteractionItem;
use crate::domain::item_json::UnsignedItems;
use crate::routes::kit::body::{self, read_json_body};
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::same_origin::site_of;
use crate::routes::kit::state::WebState;

// The well-formed request, parsed in one pass. serde's derive refuses duplicate and unknown
// members, so whatever it accepts the strict path below would accept too, without warnings.
/// What the widget would hand Talkative: the signed token and any unsigned items.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyRequest {
    /// The JWS compact string the widget was given (`:signed-interaction-data`): ES256, its
    /// payload a JSON array of items. Absent: an unsigned chat.
    signed_interaction_data: Option<String>,
    /// Unsigned items (a pre-chat form's), kept only if allowlisted once signing is on.
    interaction_data: Option<Vec<InteractionItem>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/verify",
    operation_id = "verify",
    tag = "Verify",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict: what the agent would see and why. A token that \
            fails is a verdict too (`signature.status` = `invalid`), not an HTTP error.", body = crate::verdict::Verdict),
        (status = 400, description = "`invalid_request`: the body is not the object above.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
        (status = 422, description = "`too_many_items` or `item_too_large` in `interactionData`; \
            `private_key_not_accepted`: a private key where the token goes (nothing is recorded).", body = ErrorBody),
        (status = 429, description = "`rate_limited` (not for loopback clients unless \
            `--rate-limit-loopback`).", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 500, description = "`internal_error`.", body = ErrorBody),
    ),
    security(())
)]
pub async fn verify(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let started = std::time::Instant::now();
    crate::routes::kit::sender::throttle(&request, &state)?;
    let request_head = request.clone();
    let raw = read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    let (token, unsigned) = match serde_json::from_slice::<VerifyRequest>(&raw) {
        Ok(parsed) => (
            parsed.signed_interaction_data,
            UnsignedItems::checked(
                parsed.interaction_data.unwrap_or_default(),
                Vec::new(),
                "interactionData",
            )?,
        ),
        Err(_) => parse_strictly(&raw)?,
    };
    // Either parse above validated the body as JSON, hence UTF-8. Copied into its own small
    // allocation: `raw` can be a slice of the connection's read buffer, and keeping it queued
    // for the recorder would pin that whole buffer (this once held 200 MiB under load).
    let request = std::str::from_utf8(&raw)
        .map(ByteString::from)
        .map_err(|_| {
            Refusal::invalid_request("The request body is not UTF-8.", "Send UTF-8 JSON.")
        })?;
    let outcome = verify_and_record(
        &state.core,
        Submission::alone(token.as_deref(), unsigned.items, unsigned.warnings),
        Sender {
            request,
            source: crate::routes::kit::sender::source(&request_head),
            site: site_of(&request_head),
        },
    )
    .await?;
    state.core.metrics.observe_verify(started.elapsed());
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(outcome.json.into_bytes()))
}

/// CORS preflight for cross-origin `fetch` with `Content-Type: application/json` and the shim's
/// source header.
#[utoipa::path(
    options,
    path = "/api/v1/verify",
    operation_id = "verifyPreflight",
    tag = "Verify",
    responses((status = 204, description = "CORS preflight: any origin may POST JSON here.")),
    security(())
)]
pub async fn preflight() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((ACCESS_CONTROL_ALLOW_METHODS, "POST"))
        .insert_header((
            ACCESS_CONTROL_ALLOW_HEADERS,
            "Content-Type, X-Talkative-Emulator-Source",
        ))
        .insert_header((ACCESS_CONTROL_MAX_AGE, "600"))
        .finish()
}

type Parsed = (Option<String>, UnsignedItems);

/// The slow path: anything the typed parse refused, explained member by member (or accepted
/// with warnings, for items with extra members).
fn parse_strictly(raw: &[u8]) -> Result<Parsed, Refusal> {
    let mut body = body::members::<VerifyRequest>(raw)?;
    let token = match body.remove("signedInteractionData") {
        None | Some(Value::Null) => None,
        Some(Value::String(token)) => Some(token),
        Some(_) => {
            return Err(Refusal::invalid_request(
                "Field \"signedInteractionData\" must be a string.",
                "Send the compact JWS as a JSON string, or leave the member out for an unsigned chat.",
            ));
        }
    };
    let unsigned = match body.remove("interactionData") {
        None | Some(Value::Null) => UnsignedItems::checked(Vec::new(), Vec::new(), "")?,
        Some(Value::Array(elements)) => UnsignedItems::from_json(elements, "interactionData")?,
        Some(_) => {
            return Err(Refusal::invalid_request(
                "Field \"interactionData\" must be an array.",
                "Send unsigned items as [{\"label\":\"...\",\"data\":\"...\",\"type\":\"string\"}].",
            ));
        }
    };
    Ok((token, unsigned))
}
