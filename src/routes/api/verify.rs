//! `POST /api/v1/verify`: what Talkative does with a widget's interaction data, explained.

use actix_web::http::header::ContentType;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::body::{optional_string, read_object};
use crate::error::ApiError;
use crate::jws::payload::items_from_json;
use crate::startup::AppState;
use crate::verification::verify_and_record;

pub async fn verify(
    request: HttpRequest,
    payload: Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = read_object(
        &request,
        payload,
        state.settings.max_body_bytes,
        &["signedInteractionData", "interactionData"],
    )
    .await?;
    let token = optional_string(&mut body.fields, "signedInteractionData")?;
    let (unsigned, item_warnings) = match body.fields.remove("interactionData") {
        None | Some(Value::Null) => (Vec::new(), Vec::new()),
        Some(Value::Array(elements)) => items_from_json(elements, "interactionData")
            .map_err(|(message, hint)| ApiError::invalid_request(message, hint))?,
        Some(_) => {
            return Err(ApiError::invalid_request(
                "Field \"interactionData\" must be an array.",
                "Send unsigned items as [{\"label\":\"...\",\"data\":\"...\",\"type\":\"string\"}].",
            ));
        }
    };
    // The body parsed as JSON, so it is UTF-8.
    let raw = String::from_utf8_lossy(&body.raw).into_owned();
    let outcome = verify_and_record(&state, token.as_deref(), unsigned, item_warnings, raw).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(outcome.json))
}
