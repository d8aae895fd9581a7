//! One interaction's page: its verdict and request, the way back to the list as it was
//! filtered, its neighbours, and the request as a `curl` that sends it again to the endpoint it
//! came in by, so that it gets the same verdict.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::rows::source_title;
use crate::app::engagements::ArrivalOf;
use crate::app::interaction_log;
use crate::app::records::StoredInteraction;
use crate::domain::ItemMember;
use crate::domain::engagement::ArrivalKind;
use crate::domain::source::Source;
use crate::encoding::strict_json;
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;
use crate::routes::portal::moment::Moment;
use crate::routes::portal::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::verdict::{SignatureStatus, Verdict};

#[derive(Template)]
#[template(path = "interaction.html")]
struct InteractionPage {
    layout: Layout,
    verdict: Verdict,
    received: Moment,
    header_pretty: Option<String>,
    request_pretty: String,
    /// The engagement this verification was an arrival of, when a widget sent it.
    part_of: Option<ArrivalOf>,
    /// Who sent it, in the portal's words.
    source: Option<&'static str>,
    /// The signed token it carried, to copy.
    token: Option<String>,
    /// The same request as a `curl` to the endpoint it came in by, to copy, and what it does.
    curl: String,
    curl_note: String,
    /// The interactions recorded just after and before it.
    newer: Option<String>,
    older: Option<String>,
    /// The list it was opened from (its filters and page), or the whole log.
    back: String,
    /// `back`, percent-encoded, for the neighbours' links.
    back_query: String,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    back: Option<String>,
}

/// The list page a detail page was opened from, when it is one: a path of the list only.
fn back_to_list(back: Option<&str>) -> String {
    match back {
        Some(path)
            if (path == "/interactions" || path.starts_with("/interactions?"))
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/interactions".to_owned(),
    }
}

/// How to send an arrival again from a shell and get the same verdict: to the endpoint it came
/// in by, in its interaction's context (#31: every replay used to go to the verify endpoint, which
/// refuses a widget start's `action` and a Core API write's `name`, and judges an append out of
/// its chat). The curl, and a sentence on what it does.
fn replay(
    origin: &str,
    stored: &StoredInteraction,
    part_of: Option<&ArrivalOf>,
) -> (String, String) {
    let demo = if stored.source == Some(Source::Demo) {
        " -H 'X-Talkative-Emulator-Source: demo'"
    } else {
        ""
    };
    match part_of {
        None => (
            curl_command(&format!("{origin}/api/v1/verify"), "", &stored.request),
            "Verifies the same request again, with the keys and fields stored now.".to_owned(),
        ),
        Some(of) => match of.kind {
            ArrivalKind::Start => (
                curl_command(
                    &format!("{origin}/api/ecs/v1/interactions"),
                    demo,
                    &stored.request,
                ),
                "Starts a new interaction with the same data, as the page did.".to_owned(),
            ),
            ArrivalKind::Append => (
                curl_command(
                    &format!(
                        "{origin}/api/ecs/v1/interactions/{}/interaction-data",
                        of.engagement
                    ),
                    demo,
                    &stored.request,
                ),
                format!(
                    "Adds the same data to interaction {} again, judged against what it holds \
                     (refused once it has ended).",
                    of.engagement
                ),
            ),
            ArrivalKind::Fulfilment => {
                // The arrival's request is `{"action", "answer"}`: the replay calls the action's
                // receiver again, as the chatbot reaching its node again would.
                let action = serde_json::from_str::<serde_json::Value>(&stored.request)
                    .ok()
                    .and_then(|v| v["action"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                (
                    curl_command(
                        &format!("{origin}/api/v1/engagements/{}/fulfilment", of.engagement),
                        "",
                        &serde_json::json!({ "action": action }).to_string(),
                    ),
                    format!(
                        "Runs the fulfilment action {action:?} of interaction {} again: its \
                         receiver is called, and its answer added (refused once it has ended).",
                        of.engagement
                    ),
                )
            }
            ArrivalKind::CoreApi => (
                curl_command(
                    &format!(
                        "{origin}/api/core/v1/interactions/{}/interaction-data",
                        of.engagement
                    ),
                    " -H \"Authorization: Bearer $TALKATIVE_API_KEY\"",
                    &stored.request,
                ),
                format!(
                    "Sends the same write through the Core API to interaction {} (refused once it \
                     has ended). Set TALKATIVE_API_KEY to a token from the API Keys page first.",
                    of.engagement
                ),
            ),
        },
    }
}

/// `body` POSTed as JSON to `url` with `headers` (already quoted), quoted for a POSIX shell.
fn curl_command(url: &str, headers: &str, body: &str) -> String {
    let quoted = body.replace('\'', "'\\''");
    format!("curl -s -X POST {url} -H 'Content-Type: application/json'{headers} -d '{quoted}'")
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    query: Query<DetailQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (stored, verdict) = load(&state, &path).await?;
    let part_of = crate::app::engagements::arrival_of(&state.core, verdict.id).await?;
    let (newer, older) = interaction_log::neighbours(&state.core, &stored).await?;
    let parsed = strict_json::parse(stored.request.as_bytes()).ok();
    let token = parsed
        .as_ref()
        .and_then(|v| v["signedInteractionData"].as_str())
        .map(str::to_owned);
    let request_pretty = parsed
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_else(|| stored.request.clone());
    let (curl, curl_note) = replay(&ServedOrigin::of(&request).url(), &stored, part_of.as_ref());
    let back = back_to_list(query.back.as_deref());
    let back_query = serde_urlencoded::to_string([("back", &back)]).unwrap_or_default();
    render_page(
        &request,
        &state,
        Page::Interactions,
        StatusCode::OK,
        |layout| InteractionPage {
            layout,
            header_pretty: header_pretty(&verdict),
            verdict,
            received: Moment::at(stored.received_at),
            request_pretty,
            part_of,
            source: stored.source.map(source_title),
            token,
            curl,
            curl_note,
            newer,
            older,
            back,
            back_query,
        },
    )
}

/// `POST /interactions/{id}/delete`: deletes one interaction, back to the list it came from.
pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    query: Query<DetailQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = Uuid::try_parse(&path).map_err(|_| Refusal::page_not_found())?;
    let back = back_to_list(query.back.as_deref());
    submit_form(
        &request,
        &state,
        interaction_log::delete(&state.core, id),
        |deleted| {
            let message = if deleted {
                "Interaction deleted."
            } else {
                "That interaction was already gone."
            };
            Redirect::with_flash(back, message.to_owned())
        },
        async |problem| Err(Refusal::Rejected(problem)),
    )
    .await
}

/// One recorded interaction and its verdict, by the id in the URL (flushing the recorder first,
/// so an interaction verified a moment ago is there).
pub async fn load(state: &WebState, raw_id: &str) -> Result<(StoredInteraction, Verdict), Refusal> {
    let id = Uuid::try_parse(raw_id).map_err(|_| Refusal::page_not_found())?;
    let stored = interaction_log::get(&state.core, id)
        .await?
        .ok_or(Refusal::page_not_found())?;
    let verdict = parse_verdict(&stored.verdict)?;
    Ok((stored, verdict))
}

/// A verdict as the interaction log stored it: the same type the API wrote.
fn parse_verdict(json: &str) -> Result<Verdict, Refusal> {
    serde_json::from_str(json)
        .map_err(|e| Refusal::Internal(anyhow::Error::new(e).context("reading a stored verdict")))
}

/// The decoded JOSE header, indented for display.
pub fn header_pretty(verdict: &Verdict) -> Option<String> {
    let header = verdict.signature.header.as_ref()?;
    serde_json::to_string_pretty(header).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_goes_only_to_the_list_and_curl_quotes_for_a_shell() {
        assert_eq!(
            back_to_list(Some("/interactions?filter=dropped&cursor=9")),
            "/interactions?filter=dropped&cursor=9"
        );
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/signing-keys",
            "/interactionsx",
        ] {
            assert_eq!(back_to_list(Some(hostile)), "/interactions", "{hostile}");
        }
        assert_eq!(back_to_list(None), "/interactions");
        assert_eq!(
            curl_command(
                "http://127.0.0.1:8080/api/v1/verify",
                "",
                r#"{"data":"it's"}"#
            ),
            "curl -s -X POST http://127.0.0.1:8080/api/v1/verify -H 'Content-Type: application/json' \
             -d '{\"data\":\"it'\\''s\"}'"
        );
    }
}
