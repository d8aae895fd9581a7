//! The playground: paste a token (and optional unsigned items), get a step-by-step diagnosis
//! and the per-field verdict. Each run is recorded like any verification and gets its own URL.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use uuid::Uuid;

use super::interactions;
use super::json_view::{self, Piece};
use super::{Layout, Redirect, Refusal, render, render_page, submit_form};
use crate::app::AppError;
use crate::app::sample::{SAMPLE_KEY_NAME, SAMPLE_UNSIGNED_ITEMS, make_sample};
use crate::app::verification::{self, Sender, Submission, verify_and_record};
use crate::domain::ItemMember;
use crate::domain::SigningKey;
use crate::domain::item_json::UnsignedItems;
use crate::domain::problem::{Code, Problem};
use crate::domain::site::Site;
use crate::domain::source::Source;
use crate::encoding::base64url;
use crate::encoding::strict_json;
use crate::jws::{KeyEntry, KeyRing, Stage};
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;
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
    pub state: StepState,
}

/// How one of the engine's checks went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum StepState {
    Passed,
    Failed,
    /// Not reached: an earlier check failed, or there was no token.
    Skipped,
}

impl StepState {
    /// The class the page styles it by (`passed`, `failed`, `skipped`).
    pub fn class(self) -> &'static str {
        self.into()
    }

    /// Its mark in the list of checks.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Passed => "\u{2714}",
            Self::Failed => "\u{2718}",
            Self::Skipped => "\u{2013}",
        }
    }
}

#[derive(Template)]
#[template(path = "playground.html")]
struct PlaygroundPage {
    layout: Layout,
    token: String,
    unsigned: String,
    /// The pasted public key, as sent (a public key: nothing secret; a private one is never
    /// sent back).
    key: String,
    /// Which box the refusal in `error` is about: `token`, `unsigned` or `key`.
    error_on: &'static str,
    key_problem: Option<Problem>,
    /// Why the form was refused (shown beside the form).
    error: Option<Problem>,
    result: Option<RunResult>,
    /// The unsigned box's own error, from the live check (moved under that box by the page's
    /// script); the token's result stays beside it.
    unsigned_problem: Option<Problem>,
    /// Always `None` here: a refused token is `error` (the result panel's own field).
    token_problem: Option<Problem>,
}

/// The result panel alone: what the live preview swaps in while a person types.
#[derive(Template)]
#[template(path = "playground_result.html")]
struct ResultPanel {
    result: Option<RunResult>,
    /// A private key pasted as the token: said under the token box, and nothing decoded.
    token_problem: Option<Problem>,
    unsigned_problem: Option<Problem>,
    /// The pasted key's own error (moved under its box by the page's script).
    key_problem: Option<Problem>,
}

/// The diagnosis of one token, as the result panel shows it.
pub struct RunResult {
    verdict: Verdict,
    steps: Vec<Step>,
    /// The token cut at its dots, each segment classed by position (colour-coded).
    segments: Vec<Piece>,
    header: Option<Vec<Piece>>,
    payload: Option<Vec<Piece>>,
    verdict_json: String,
    /// Recorded in the interaction log (a Verify), or a live preview (not recorded).
    recorded: bool,
}

impl RunResult {
    fn new(verdict: Verdict, token: &str, recorded: bool) -> Self {
        Self {
            steps: steps(&verdict),
            segments: segments(token),
            header: decode_segment(token, 0),
            payload: decode_segment(token, 1),
            verdict_json: serde_json::to_string_pretty(&verdict).unwrap_or_default(),
            verdict,
            recorded,
        }
    }

    /// Whether one of the engine's checks failed (the checks then show unfolded).
    fn failed_check(&self) -> bool {
        self.steps
            .iter()
            .any(|step| step.state == StepState::Failed)
    }

    /// The checks in a few words, for their folded summary: "8 passed", "3 passed, 1 failed, 4
    /// not reached".
    fn checks_summary(&self) -> String {
        let count = |state: StepState| self.steps.iter().filter(|s| s.state == state).count();
        // The policy step is always there, and always passed.
        let mut parts = vec![format!("{} passed", count(StepState::Passed) + 1)];
        if count(StepState::Failed) > 0 {
            parts.push(format!("{} failed", count(StepState::Failed)));
        }
        if count(StepState::Skipped) > 0 {
            parts.push(format!("{} not reached", count(StepState::Skipped)));
        }
        parts.join(", ")
    }

    /// One line for the live status: what a screen reader announces after each check.
    fn summary(&self) -> String {
        let signature = match (
            &self.verdict.signature.status,
            &self.verdict.signature.error,
        ) {
            (SignatureStatus::Valid, _) => "signature valid".to_owned(),
            (SignatureStatus::Invalid, Some(problem)) => {
                format!("signature invalid: {}", problem.code)
            }
            (SignatureStatus::Invalid, None) => "signature invalid".to_owned(),
            (SignatureStatus::Absent, _) => "no signed data".to_owned(),
        };
        let dropped = &self.verdict.rejected;
        // The first line names what was dropped (#32): the answer a person came for.
        let named = match dropped.len() {
            0 => String::new(),
            1..=3 => format!(": {}", labels(dropped.iter())),
            more => format!(": {} and {} more", labels(dropped.iter().take(3)), more - 3),
        };
        format!(
            "{signature}; {} accepted, {} dropped{named}",
            self.verdict.accepted.len(),
            dropped.len()
        )
    }

    /// Each dropped item, first on the panel: why, and the action that fixes it.
    fn dropped_first(&self) -> Vec<DroppedLine> {
        self.verdict
            .rejected
            .iter()
            .map(|item| {
                // The Unsigned fields page matches an item's name, its label when it has none.
                let key = item.name.clone().unwrap_or_else(|| item.label.clone());
                let allow = (item.reason.code == Code::NotAllowlisted).then(|| {
                    let query =
                        serde_urlencoded::to_string([("label", key.as_str())]).unwrap_or_default();
                    (format!("/unsigned-fields?{query}"), key)
                });
                DroppedLine {
                    label: item.label.clone(),
                    code: item.reason.code.as_str(),
                    message: item.reason.message.clone(),
                    allow,
                }
            })
            .collect()
    }
}

/// One dropped item as the playground leads with it.
pub struct DroppedLine {
    pub label: String,
    pub code: &'static str,
    pub message: String,
    /// Where to allow it unsigned (the Unsigned fields page, filled in), and the key allowed,
    /// when that is what would keep it.
    pub allow: Option<(String, String)>,
}

/// `coupon, page`: the labels, as the first line names them.
fn labels<'a>(items: impl Iterator<Item = &'a crate::verdict::RejectedItem>) -> String {
    items
        .map(|item| item.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    render_page(
        &request,
        &state,
        Page::Playground,
        StatusCode::OK,
        |layout| PlaygroundPage {
            layout,
            token: String::new(),
            unsigned: String::new(),
            key: String::new(),
            error_on: "",
            error: None,
            result: None,
            unsigned_problem: None,
            token_problem: None,
            key_problem: None,
        },
    )
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    unsigned: String,
    /// A public key (PEM or JWK) to check the token against instead of the stored keys, not
    /// stored: a person exploring does not expect a stored key to turn signing on.
    #[serde(default)]
    key: String,
}

/// The pasted public key as the only key of a check, or `None` when none was pasted.
fn trial_ring(text: &str) -> Result<Option<KeyRing>, Problem> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let key = SigningKey::parse_pem_or_jwk(text)?;
    Ok(Some(KeyRing::new(vec![KeyEntry::new(
        Uuid::nil(),
        PASTED_KEY_NAME,
        &key,
        true,
    )])))
}

/// What a verdict calls the pasted key.
const PASTED_KEY_NAME: &str = "pasted key (not stored)";

pub async fn run(
    request: HttpRequest,
    form: Form<RunForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let form = form.into_inner();
    submit_form(
        &request,
        &state,
        record_run(&state, &form.token, &form.unsigned, &form.key),
        |id| Redirect::to(format!("/playground/{id}")),
        async |problem| {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            refused(&request, &state, status, &form, problem)
        },
    )
    .await
}

/// The playground page again, with the form as it was sent and why it was refused.
fn refused(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    form: &RunForm,
    problem: Problem,
) -> Result<HttpResponse, Refusal> {
    // The box whose error this is, in the order `record_run` reads them: a private key in the
    // token box first, then the unsigned data, then the pasted key.
    let token_private = verification::refuse_private_key(Some(&form.token)).is_err();
    let key_refused = trial_ring(&form.key).err();
    let error_on = if token_private {
        "token"
    } else if parse_unsigned(&form.unsigned).is_err() || key_refused.is_none() {
        "unsigned"
    } else {
        "key"
    };
    // A private key pasted in either box is never sent back, whatever the refusal was about.
    let key_private = key_refused.is_some_and(|p| p.code == Code::PrivateKeyNotAccepted);
    render_page(request, state, Page::Playground, status, |layout| {
        PlaygroundPage {
            layout,
            token: if token_private {
                String::new()
            } else {
                form.token.clone()
            },
            unsigned: form.unsigned.clone(),
            key: if key_private {
                String::new()
            } else {
                form.key.clone()
            },
            error_on,
            error: Some(problem),
            result: None,
            unsigned_problem: None,
            token_problem: None,
            key_problem: None,
        }
    })
}

/// Verifies and records a run, as the API would verify it; the interaction's id.
async fn record_run(
    state: &WebState,
    token: &str,
    unsigned_text: &str,
    key_text: &str,
) -> Result<Uuid, AppError> {
    // Before anything else: a private key is named at once, and never reaches the log.
    verification::refuse_private_key(Some(token))?;
    let (unsigned_json, unsigned, warnings) = parse_unsigned(unsigned_text)?;
    let trial = trial_ring(key_text)?;
    // Exactly what the API would verify: a page hands the widget the string as it is, so
    // whitespace around it fails there too (the engine's hint says so).
    let token = (!token.is_empty()).then_some(token);
    let recorded = serde_json::to_string(&RecordedRun {
        signed_interaction_data: token,
        interaction_data: &unsigned_json,
    })
    .map_err(|e| anyhow::Error::new(e).context("recording a run"))?;
    let outcome = verify_and_record(
        &state.core,
        Submission {
            trial_keys: trial.as_ref(),
            ..Submission::alone(token, unsigned, warnings)
        },
        Sender {
            request: recorded.into(),
            source: Source::Playground,
            site: Site::portal(),
        },
    )
    .await?;
    Ok(outcome.verdict.id)
}

/// `POST /playground/preview`: the result panel for what the form holds now, verified exactly
/// as Verify would but not recorded. The page's script calls it as a person types; it changes
/// nothing, and its family's guard still wants the form's CSRF token so that no other site can
/// use it as an oracle for the stored keys.
pub async fn preview(form: Form<RunForm>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    // Each box is judged on its own: unsigned data that does not parse (yet: a person is
    // typing) is said under its box, and the token is still checked alone, so its decode and
    // diagnosis stay on screen.
    let (unsigned, warnings, unsigned_problem) = match parse_unsigned(&form.unsigned) {
        Ok((_, unsigned, warnings)) => (unsigned, warnings, None),
        Err(problem) => (Vec::new(), Vec::new(), Some(problem)),
    };
    // A pasted key that does not parse is said under its box; the token is then checked with
    // the stored keys, as it would be without one.
    let (trial, key_problem) = match trial_ring(&form.key) {
        Ok(trial) => (trial, None),
        Err(problem) => (None, Some(problem)),
    };
    let token_problem = verification::refuse_private_key(Some(&form.token)).err();
    let result = if (form.token.is_empty() && unsigned.is_empty()) || token_problem.is_some() {
        None
    } else {
        let token = (!form.token.is_empty()).then_some(form.token.as_str());
        let submission = Submission {
            trial_keys: trial.as_ref(),
            ..Submission::alone(token, unsigned, warnings)
        };
        let verdict = verification::preview(&state.core, submission);
        Some(RunResult::new(verdict, &form.token, false))
    };
    let panel = ResultPanel {
        result,
        token_problem,
        unsigned_problem,
        key_problem,
    };
    render(&panel, StatusCode::OK, Vec::new())
}

/// `POST /playground/sample`: a throwaway key pair, its public half stored, and the playground
/// showing a token signed by it (see `app::sample`).
pub async fn sample(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let run = async {
        let sample = make_sample(&state.core).await?;
        let id = record_run(&state, &sample.token, SAMPLE_UNSIGNED_ITEMS, "").await?;
        Ok((id, sample.turned_signing_on))
    };
    submit_form(
        &request,
        &state,
        run,
        |(id, turned_signing_on)| {
            let mut message = format!(
                "Made a throwaway key pair: its public half is stored as the signing key \
                 \u{201c}{SAMPLE_KEY_NAME}\u{201d}, and its private half signed this token once \
                 and was not kept. Delete or deactivate the key on Signing Keys when done."
            );
            if turned_signing_on {
                message.push_str(
                    " Storing it turned signing on: unsigned data is now dropped unless its label \
                     is on the Unsigned fields page.",
                );
            }
            Redirect::with_flash(format!("/playground/{id}"), message)
        },
        // The API's status for the same refusal (409 too_many_active_keys).
        async |problem| {
            let empty = RunForm {
                token: String::new(),
                unsigned: String::new(),
                key: String::new(),
            };
            refused(&request, &state, problem.code.status(), &empty, problem)
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
    let read = UnsignedItems::from_json(elements, "the unsigned data")?;
    Ok((value, read.items, read.warnings))
}

pub async fn result(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
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
    let result = RunResult::new(verdict, &token, true);
    render_page(
        &request,
        &state,
        Page::Playground,
        StatusCode::OK,
        |layout| PlaygroundPage {
            layout,
            token,
            unsigned,
            key: String::new(),
            error_on: "",
            error: None,
            result: Some(result),
            unsigned_problem: None,
            token_problem: None,
            key_problem: None,
        },
    )
}

fn steps(verdict: &Verdict) -> Vec<Step> {
    let failed_at = verdict.signature.failed_at;
    Stage::ALL
        .into_iter()
        .map(|stage| {
            let state = match (verdict.signature.status, failed_at) {
                (SignatureStatus::Absent, _) => StepState::Skipped,
                (_, Some(failed)) if stage == failed => StepState::Failed,
                (_, Some(failed)) if stage > failed => StepState::Skipped,
                _ => StepState::Passed,
            };
            Step {
                title: step_title(stage),
                state,
            }
        })
        .collect()
}

/// Segment `index` of the token decoded for display (highlighted JSON when it is JSON), whatever
/// the verdict: a token refused early still shows what it carried.
fn decode_segment(token: &str, index: usize) -> Option<Vec<Piece>> {
    let segment = token.split('.').nth(index)?;
    let bytes = base64url::decode(segment).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(json_view::decoded_text(&text))
}

/// Which part of the token a segment's class names (`header`, `payload`, `signature`,
/// `extra`), for the page to outline what it decodes to; `None` for the dots.
pub fn token_part(class: &str) -> Option<&str> {
    class.strip_prefix("seg-").filter(|part| *part != "dot")
}

/// The token cut at its dots, each segment classed by its position: header, payload,
/// signature, and anything after a third segment.
fn segments(token: &str) -> Vec<Piece> {
    const CLASSES: [&str; 3] = ["seg-header", "seg-payload", "seg-signature"];
    let mut pieces = Vec::new();
    for (index, segment) in token.split('.').enumerate() {
        if index > 0 {
            pieces.push(Piece {
                class: "seg-dot",
                text: ".".to_owned(),
            });
        }
        pieces.push(Piece {
            class: CLASSES.get(index).copied().unwrap_or("seg-extra"),
            text: segment.to_owned(),
        });
    }
    pieces
}
