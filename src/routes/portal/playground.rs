//! The playground: paste a token (and optional unsigned items), get a step-by-step diagnosis
//! and the per-field verdict. Each run is recorded like any verification and gets its own URL.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::interactions;
use super::{Layout, PortalError, render_page, submit_form};
use crate::app::verification::verify_and_record;
use crate::domain::interaction::check_limits;
use crate::domain::problem::{Code, Problem};
use crate::encoding::base64url;
use crate::encoding::strict_json;
use crate::jws::Stage;
use crate::jws::payload::items_from_json;
use crate::routes::state::WebState;
use crate::verdict::{SignatureStatus, Verdict};

/// What each check of the engine means.
fn step_title(stage: Stage) -> &'static str {
    match stage {
        Stage::Size => "Size within 64 KiB",
        Stage::Segments => "Three dot-separated segments",
        Stage::Base64url => "Strict base64url in every segment",
        Stage::Header => "Header is a JSON object (no crit, no b64, kid a string)",
        Stage::Algorithm => "alg is exactly ES256",
        Stage::KeyId => "kid (if any) names a stored, active key",
        Stage::Signature => "64-byte R||S signature verifies with a stored key",
        Stage::Payload => "Payload is an array of {label, data, type} strings",
    }
}

pub struct Step {
    pub title: &'static str,
    /// passed | failed | skipped
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "playground.html")]
struct PlaygroundPage {
    layout: Layout,
    token: String,
    unsigned: String,
    error: Option<Problem>,
    result: Option<RunResult>,
}

struct RunResult {
    verdict: Verdict,
    steps: Vec<Step>,
    header: Option<String>,
    payload: Option<String>,
}

pub async fn show(
    request: HttpRequest,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    render_page(&request, &state, "playground", StatusCode::OK, |layout| {
        PlaygroundPage {
            layout,
            token: String::new(),
            unsigned: String::new(),
            error: None,
            result: None,
        }
    })
}

#[derive(Deserialize)]
pub struct RunForm {
    csrf_token: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    unsigned: String,
}

pub async fn run(
    request: HttpRequest,
    form: Form<RunForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let form = form.into_inner();
    let run = async {
        let (unsigned_json, unsigned, warnings) = parse_unsigned(&form.unsigned)?;
        // Exactly what the API would verify: a page hands the widget the string as it is, so
        // whitespace around it fails there too (the engine's hint says so).
        let token = (!form.token.is_empty()).then_some(form.token.as_str());
        let recorded = serde_json::to_string(&RecordedRun {
            signed_interaction_data: token,
            interaction_data: &unsigned_json,
        })
        .map_err(|e| anyhow::Error::new(e).context("recording a run"))?;
        let outcome =
            verify_and_record(&state.core, token, unsigned, warnings, recorded.into()).await?;
        Ok(outcome.verdict.id)
    };
    submit_form(
        &request,
        &state,
        &form.csrf_token,
        run,
        |id| {
            HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/playground/{id}")))
                .finish()
        },
        async |problem| {
            render_page(
                &request,
                &state,
                "playground",
                StatusCode::UNPROCESSABLE_ENTITY,
                |layout| PlaygroundPage {
                    layout,
                    token: form.token.clone(),
                    unsigned: form.unsigned.clone(),
                    error: Some(problem),
                    result: None,
                },
            )
        },
    )
    .await
}

/// A playground run as the interaction log keeps it: the request the widget would have sent.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordedRun<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_interaction_data: Option<&'a str>,
    interaction_data: &'a Value,
}

type ParsedUnsigned = (
    Value,
    Vec<crate::domain::InteractionItem>,
    Vec<crate::domain::problem::Warning>,
);

fn parse_unsigned(text: &str) -> Result<ParsedUnsigned, Problem> {
    const HINT: &str = "Enter a JSON array such as [{\"label\":\"page\",\"data\":\"/pricing\",\"type\":\"string\"}], or leave it empty.";
    if text.trim().is_empty() {
        return Ok((Value::Array(Vec::new()), Vec::new(), Vec::new()));
    }
    let value = strict_json::parse(text.as_bytes()).map_err(|e| {
        Problem::new(
            Code::InvalidRequest,
            format!("The unsigned data is not valid JSON: {e}."),
            HINT,
        )
    })?;
    let Value::Array(elements) = value.clone() else {
        return Err(Problem::new(
            Code::InvalidRequest,
            "The unsigned data must be a JSON array.",
            HINT,
        ));
    };
    let (items, warnings) = items_from_json(elements, "the unsigned data")
        .map_err(|(message, hint)| Problem::new(Code::InvalidRequest, message, hint))?;
    check_limits(&items, "the unsigned data")?;
    Ok((value, items, warnings))
}

pub async fn result(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let (stored, verdict) = interactions::load(&state, &path).await?;
    let request_json = strict_json::parse(stored.request.as_bytes()).unwrap_or(Value::Null);
    let token = request_json["signedInteractionData"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let unsigned = match &request_json["interactionData"] {
        Value::Array(a) if !a.is_empty() => serde_json::to_string_pretty(a).unwrap_or_default(),
        _ => String::new(),
    };
    let steps = steps(&verdict);
    let header = interactions::header_pretty(&verdict);
    let payload = decode_payload(&token);
    render_page(&request, &state, "playground", StatusCode::OK, |layout| {
        PlaygroundPage {
            layout,
            token,
            unsigned,
            error: None,
            result: Some(RunResult {
                verdict,
                steps,
                header,
                payload,
            }),
        }
    })
}

fn steps(verdict: &Verdict) -> Vec<Step> {
    let failed_at = verdict.signature.failed_at;
    Stage::ALL
        .into_iter()
        .map(|stage| {
            let state = match (verdict.signature.status, failed_at) {
                (SignatureStatus::Absent, _) => "skipped",
                (_, Some(failed)) if stage == failed => "failed",
                (_, Some(failed)) if stage > failed => "skipped",
                _ => "passed",
            };
            Step {
                title: step_title(stage),
                state,
            }
        })
        .collect()
}

/// The payload segment decoded for display (pretty JSON when it is JSON), whatever the verdict.
fn decode_payload(token: &str) -> Option<String> {
    let segment = token.split('.').nth(1)?;
    let bytes = base64url::decode(segment).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(
        strict_json::parse(text.as_bytes())
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(text),
    )
}
