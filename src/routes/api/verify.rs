//! `POST /api/v1/verify`: what Talkative does with a widget's interaction data, explained.
//! The hot path: no database reads (keys come from the in-memory snapshot), one JSON
//! serialization, and the record handed to the batching recorder.

use actix_web::http::header::ContentType;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use uuid::Uuid;

use super::body::{optional_string, read_object};
use crate::domain::policy::{Policy, SignedInput, decide};
use crate::domain::verdict::{SignatureStatus, Verdict};
use crate::error::ApiError;
use crate::jws;
use crate::jws::payload::items_from_json;
use crate::startup::AppState;
use crate::storage::interactions::NewInteraction;
use crate::storage::{format_millis, now_millis};

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

    let snapshot = state.cache.current();
    let signed = match token.as_deref() {
        None => SignedInput::Absent,
        Some("") => SignedInput::Empty,
        Some(token) => match jws::verify(token, &snapshot.keys) {
            Ok(verified) => SignedInput::Verified(verified),
            Err(failure) => SignedInput::Failed(failure),
        },
    };
    let policy = Policy {
        enforcement: snapshot.enforcement(),
        allowlist: &snapshot.allowlist,
    };
    let received_at = now_millis();
    let mut verdict = decide(
        Uuid::new_v4(),
        format_millis(received_at),
        signed,
        unsigned,
        &policy,
    );
    drop(snapshot);
    verdict.warnings.extend(item_warnings);

    let json = serde_json::to_string(&verdict)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("serializing a verdict")))?;
    state
        .recorder
        .record(record(&verdict, received_at, &body.raw, json.clone()))
        .await;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json))
}

fn record(verdict: &Verdict, received_at: i64, raw: &[u8], json: String) -> NewInteraction {
    NewInteraction {
        id: verdict.id,
        received_at,
        status: match verdict.signature.status {
            SignatureStatus::Valid => "valid",
            SignatureStatus::Invalid => "invalid",
            SignatureStatus::Absent => "absent",
        },
        rejected: i64::try_from(verdict.rejected.len()).unwrap_or(i64::MAX),
        // The body parsed as JSON, so it is UTF-8.
        request: String::from_utf8_lossy(raw).into_owned(),
        verdict: json,
        key_used: verdict.signature.key_id,
    }
}
