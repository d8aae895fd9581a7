//! `/api/ecs/v1`: what the widget a page loads calls, as Talkative's widget calls its own
//! service. Open like the verify endpoint (customers' pages on any origin, by any name that
//! points at the emulator): it reads a widget config's public side (actions, presences, fields),
//! starts interactions, adds data to them and reports their state. An interaction's UUID is what
//! lets a page add to it, so only the page that started one can.

use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
};
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::app::engagements::{self, Arriving, Start};
use crate::app::records::StoredEngagement;
use crate::app::verification::{Outcome, Sender};
use crate::domain::InteractionItem;
use crate::domain::item_json::UnsignedItems;
use crate::domain::problem::Warning;
use crate::domain::source::Source;
use crate::domain::widget_config::{ActionKind, Channel, PreChatField, Presence};
use crate::routes::kit::body::{self, read_json_body};
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::same_origin::site_of;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;
use crate::routes::kit::views::{
    EngagementView, FulfilmentRequest, FulfilmentView, fulfil, uuid_of,
};

/// A widget config's public side: what the widget needs to run it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WidgetPageConfig)]
pub struct PageConfig<'a> {
    /// The UUID the page asked for.
    #[schema(format = Uuid)]
    requested: Uuid,
    /// Whether the emulator knows it; when not, this is the built-in default config.
    known: bool,
    #[schema(format = Uuid)]
    uuid: Uuid,
    name: &'a str,
    actions: Vec<PageAction<'a>>,
    /// What `talkativeApi.queues.getPresences()` answers.
    presences: Vec<PagePresence>,
    fields: &'a [PreChatField],
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageAction<'a> {
    reference: &'a str,
    kind: ActionKind,
    /// `chat` or `video`; `null` for a chatbot fulfilment action, which starts nothing.
    channel: Option<Channel>,
    #[schema(format = Uuid)]
    queue_uuid: Uuid,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PagePresence {
    #[schema(format = Uuid)]
    queue_uuid: Uuid,
    status: Presence,
}

#[utoipa::path(
    get,
    path = "/api/ecs/v1/configs/{uuid}",
    operation_id = "widgetPageConfig",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The config UUID the page's loader URL names.")),
    responses(
        (status = 200, description = "The config (the built-in default, `known: false`, for a \
            UUID the emulator does not know).", body = PageConfig),
        (status = 404, description = "`unknown_widget_config` (`--strict-widget-configs`), or \
            `widget_config_not_found` for what is not a UUID.", body = ErrorBody),
    ),
    security(())
)]
pub async fn config(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let requested = config_uuid(&path)?;
    let (config, known) = engagements::config_for_page(&state.core, requested).await?;
    Ok(HttpResponse::Ok().json(PageConfig {
        requested,
        known,
        uuid: config.uuid(),
        name: config.name(),
        actions: config
            .actions()
            .iter()
            .map(|a| PageAction {
                reference: &a.reference,
                kind: a.kind,
                channel: a.kind.channel(),
                queue_uuid: a.queue,
            })
            .collect(),
        presences: config
            .queues()
            .iter()
            .map(|q| PagePresence {
                queue_uuid: q.uuid,
                status: q.status,
            })
            .collect(),
        fields: config.fields(),
    }))
}

/// A start: the config and action, the page, and the data it starts with.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartRequest {
    #[schema(format = Uuid)]
    config_uuid: Uuid,
    /// The API action's reference (`triggerAction`); without one, the config's first action
    /// of `kind` (`startChat`, `startVideo`).
    action: Option<String>,
    /// With no `action`: what to start. `start_chat` unless given.
    kind: Option<ActionKind>,
    /// The page it starts on (the loader URL's `path`).
    path: Option<String>,
    /// The signed token (`setSignedInteractionData`, `startChat({signedInteractionData})`).
    signed_interaction_data: Option<String>,
    /// Items appended before the start; each `{name?, label, data, type}` (other members are
    /// ignored, with a warning).
    #[schema(value_type = Option<Vec<InteractionItem>>)]
    interaction_data: Option<Vec<Value>>,
}

/// Data for an interaction under way.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppendRequest {
    signed_interaction_data: Option<String>,
    #[schema(value_type = Option<Vec<InteractionItem>>)]
    interaction_data: Option<Vec<Value>>,
}

/// An interaction and the verdict on the data that just arrived.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WidgetArrival)]
pub struct ArrivalView {
    interaction: EngagementView,
    #[schema(value_type = crate::verdict::Verdict)]
    verdict: Box<RawValue>,
}

#[utoipa::path(
    post,
    path = "/api/ecs/v1/interactions",
    operation_id = "widgetStart",
    tag = "Widget",
    request_body = StartRequest,
    responses(
        (status = 201, description = "Started; the verdict on its start data.", body = ArrivalView),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 404, description = "`unknown_widget_config`.", body = ErrorBody),
        (status = 409, description = "`queue_offline`: nothing started (the page gets \
            `presenceFail`).", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 422, description = "`unknown_action`, `too_many_items`, `item_too_large`, \
            `path_too_long`, `private_key_not_accepted`.", body = ErrorBody),
        (status = 429, description = "`rate_limited` (as the verify endpoint).", body = ErrorBody),
        (status = 500, description = "`internal_error`.", body = ErrorBody),
        (status = 503, description = "`log_unavailable`: the disk refused the write; nothing \
            started.", body = ErrorBody),
    ),
    security(())
)]
pub async fn start(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    crate::routes::kit::sender::throttle(&request, &state)?;
    let raw = read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    let start: StartRequest = body::parse(&raw)?;
    let (unsigned, warnings) = items(start.interaction_data)?;
    let (engagement, outcome) = engagements::start(
        &state.core,
        Start {
            config: start.config_uuid,
            action: start.action.as_deref(),
            kind: start.kind.unwrap_or(ActionKind::StartChat),
            start_url: start.path.as_deref(),
            data: Arriving {
                token: start.signed_interaction_data.as_deref(),
                unsigned,
                warnings,
                sender: Sender {
                    request: as_text(&raw)?,
                    source: widget_source(&request),
                    site: site_of(&request),
                },
            },
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(arrival(engagement, outcome)?))
}

#[utoipa::path(
    post,
    path = "/api/ecs/v1/interactions/{uuid}/interaction-data",
    operation_id = "widgetAppend",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID, as its start answered.")),
    request_body = AppendRequest,
    responses(
        (status = 200, description = "Added; the verdict on this data.", body = ArrivalView),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`: it has ended; `interaction_full`: \
            it holds as much as one interaction may.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 422, description = "`too_many_items`, `item_too_large`, \
            `private_key_not_accepted`.", body = ErrorBody),
        (status = 429, description = "`rate_limited`.", body = ErrorBody),
        (status = 500, description = "`internal_error`.", body = ErrorBody),
        (status = 503, description = "`log_unavailable`: the disk refused the write; nothing of \
            this data was kept.", body = ErrorBody),
    ),
    security(())
)]
pub async fn append(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    crate::routes::kit::sender::throttle(&request, &state)?;
    let uuid = uuid_of(&path)?;
    let raw = read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    let data: AppendRequest = body::parse(&raw)?;
    let (unsigned, warnings) = items(data.interaction_data)?;
    let appended = engagements::append(
        &state.core,
        uuid,
        Arriving {
            token: data.signed_interaction_data.as_deref(),
            unsigned,
            warnings,
            sender: Sender {
                request: as_text(&raw)?,
                source: widget_source(&request),
                site: site_of(&request),
            },
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(arrival(appended.engagement, appended.outcome)?))
}

#[utoipa::path(
    get,
    path = "/api/ecs/v1/interactions/{uuid}",
    operation_id = "widgetInteraction",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    responses(
        (status = 200, description = "Its state: the widget resumes it after a reload, and learns \
            that the agent ended or completed it.", body = EngagementView),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 500, description = "`internal_error`.", body = ErrorBody),
    ),
    security(())
)]
pub async fn interaction(
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let engagement = engagements::get(&state.core, uuid_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(EngagementView::from(engagement)))
}

#[utoipa::path(
    post,
    path = "/api/ecs/v1/interactions/{uuid}/feedback",
    operation_id = "widgetFeedback",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body(content = Option<crate::routes::kit::body::NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "The customer finished the feedback step: the interaction is \
            completed (ended first if the agent had not ended it).", body = EngagementView),
        (status = 400, description = "`invalid_request`: a body other than `{}`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`: it has completed already.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 500, description = "`internal_error`.", body = ErrorBody),
    ),
    security(())
)]
pub async fn feedback(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    crate::routes::kit::body::no_options(&request, payload, &state).await?;
    let origin = ServedOrigin::of(&request).url();
    let engagement = engagements::complete(&state.core, uuid_of(&path)?, &origin).await?;
    Ok(HttpResponse::Ok().json(EngagementView::from(engagement)))
}

/// CORS preflight for the feedback step.
#[utoipa::path(
    options,
    path = "/api/ecs/v1/interactions/{uuid}/feedback",
    operation_id = "widgetFeedbackPreflight",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    responses((status = 204, description = "CORS preflight: any origin may POST JSON here.")),
    security(())
)]
pub async fn feedback_preflight() -> HttpResponse {
    preflight()
}

/// CORS preflight for a start: pages on any origin post JSON here.
#[utoipa::path(
    options,
    path = "/api/ecs/v1/interactions",
    operation_id = "widgetStartPreflight",
    tag = "Widget",
    responses((status = 204, description = "CORS preflight: any origin may POST JSON here.")),
    security(())
)]
pub async fn start_preflight() -> HttpResponse {
    preflight()
}

/// CORS preflight for an append.
#[utoipa::path(
    options,
    path = "/api/ecs/v1/interactions/{uuid}/interaction-data",
    operation_id = "widgetAppendPreflight",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    responses((status = 204, description = "CORS preflight: any origin may POST JSON here.")),
    security(())
)]
pub async fn append_preflight() -> HttpResponse {
    preflight()
}

fn preflight() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
        .insert_header((
            ACCESS_CONTROL_ALLOW_HEADERS,
            "Content-Type, X-Talkative-Emulator-Source",
        ))
        .insert_header((ACCESS_CONTROL_MAX_AGE, "600"))
        .finish()
}

/// The widget's arrivals are the widget's in the log, or the demo page's when its source header
/// says so (the older `/static/talkative-engage.js` on `/demo`).
fn widget_source(request: &HttpRequest) -> Source {
    match crate::routes::kit::sender::source(request) {
        Source::Demo => Source::Demo,
        _ => Source::Widget,
    }
}

/// Items as a page sent them, read as the verify endpoint reads unsigned items.
fn items(elements: Option<Vec<Value>>) -> Result<(Vec<InteractionItem>, Vec<Warning>), Refusal> {
    let read = UnsignedItems::from_json(elements.unwrap_or_default(), "interactionData")?;
    Ok((read.items, read.warnings))
}

/// The body as text for the verification log (`body::parse` took it as JSON, so UTF-8).
fn as_text(raw: &[u8]) -> Result<ByteString, Refusal> {
    std::str::from_utf8(raw)
        .map(ByteString::from)
        .map_err(|_| Refusal::invalid_request("The request body is not UTF-8.", "Send UTF-8 JSON."))
}

fn arrival(engagement: StoredEngagement, outcome: Outcome) -> Result<ArrivalView, Refusal> {
    let verdict = RawValue::from_string(outcome.json.to_string()).map_err(|e| {
        Refusal::Internal(anyhow::Error::new(e).context("a verdict that is not JSON"))
    })?;
    Ok(ArrivalView {
        interaction: engagement.into(),
        verdict,
    })
}

fn config_uuid(raw: &str) -> Result<Uuid, Refusal> {
    Uuid::try_parse(raw).map_err(|_| {
        Refusal::Rejected(crate::domain::problem::Problem::new(
            crate::domain::problem::Code::WidgetConfigNotFound,
            format!("{raw:?} is not a widget config UUID."),
            "The loader URL names the config by the UUID Talkative's Widget configs page shows.",
        ))
    })
}

#[utoipa::path(
    post,
    path = "/api/ecs/v1/interactions/{uuid}/fulfilment",
    operation_id = "widgetFulfilment",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body = FulfilmentRequest,
    responses(
        (status = 200, description = "The chatbot reached the fulfilment action (the page's \
            `triggerAction` of an action of kind `fulfilment`): its call was made, and \
            `fulfilled` says whether the answer's items were added.", body = FulfilmentView),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 422, description = "`unknown_action`.", body = ErrorBody),
        (status = 429, description = "`rate_limited`.", body = ErrorBody),
    ),
    security(())
)]
pub async fn fulfilment(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    crate::routes::kit::sender::throttle(&request, &state)?;
    let uuid = uuid_of(&path)?;
    let raw = read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    let asked: FulfilmentRequest = body::parse(&raw)?;
    fulfil(&request, &state, uuid, &asked.action).await
}

/// CORS preflight for a fulfilment call.
#[utoipa::path(
    options,
    path = "/api/ecs/v1/interactions/{uuid}/fulfilment",
    operation_id = "widgetFulfilmentPreflight",
    tag = "Widget",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    responses((status = 204, description = "CORS preflight: any origin may POST JSON here.")),
    security(())
)]
pub async fn fulfilment_preflight() -> HttpResponse {
    preflight()
}
