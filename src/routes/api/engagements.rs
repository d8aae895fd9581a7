//! `/api/v1/engagements`: interactions that last, as the agent's side sees them (what Talkative
//! calls interactions; `/api/v1/interactions` is the verification log, one entry per arrival of
//! data). A test ends and completes one here, as an agent would, and the page's widget fires
//! `exitInteraction` and `completeInteraction`.

use actix_web::web::{Data, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::engagements;
use crate::app::records::Arrival;
use crate::domain::engagement::{AgentItem, ArrivalKind, Held, Limits};
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;
use crate::routes::kit::views::{
    EngagementView, FulfilmentRequest, FulfilmentView, fulfil, uuid_of,
};

/// One arrival of data, and the verification (in `/api/v1/interactions`) that judged it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalView {
    arrival: i64,
    /// `start` (what the interaction started with), `append` (the page) or `core_api`.
    kind: ArrivalKind,
    /// The verification's id: `GET /api/v1/interactions/{id}`, while the log keeps it.
    #[schema(format = Uuid)]
    verification: Uuid,
    #[schema(format = DateTime)]
    received_at: String,
}

impl From<Arrival> for ArrivalView {
    fn from(a: Arrival) -> Self {
        Self {
            arrival: a.arrival,
            kind: a.kind,
            verification: a.verification,
            received_at: format_millis(a.received_at),
        }
    }
}

/// An interaction with what its agent sees, and a page of its arrivals.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EngagementDetail)]
pub struct DetailView {
    #[serde(flatten)]
    engagement: EngagementView,
    /// What the agent sees: each key's (name, else label) latest value, in the order keys
    /// first arrived; unsigned data never replaces signed data. At most 200 keys.
    agent_view: Vec<AgentItem>,
    /// The items the arrivals on this page gave the agent, in order of arrival.
    items: Vec<AgentItem>,
    /// Arrivals after `after`, `limit` of them (100 unless asked), in order.
    arrivals: Vec<ArrivalView>,
    /// Where the next page of arrivals starts (`?after=` this), or `null` on the last.
    next_after: Option<i64>,
    /// What it holds against what one interaction may hold (`interaction_full` past it).
    holds: Holds,
}

/// What an interaction holds, and what it may.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Holds {
    arrivals: u64,
    max_arrivals: u64,
    keys: u64,
    max_keys: u64,
    /// As the emulator's budget counts them: its arrivals' requests and verdicts in the log,
    /// its items, and the bookkeeping of both.
    bytes: u64,
    max_bytes: u64,
}

impl From<Held> for Holds {
    fn from(held: Held) -> Self {
        Self {
            arrivals: held.arrivals,
            max_arrivals: Limits::ARRIVALS,
            keys: held.keys,
            max_keys: Limits::KEYS,
            bytes: held.bytes,
            max_bytes: Limits::BYTES,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EngagementList)]
pub struct ListView {
    engagements: Vec<EngagementView>,
    /// Where the next (older) page starts (`?before=` this), or `null` on the last.
    next_before: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many, newest first: 50 unless given, at most 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Only those older than this id (a page's `nextBefore`).
    before: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DetailParams {
    /// Arrivals a page: 100 unless given, at most 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Only arrivals after this one (a page's `nextAfter`).
    after: Option<i64>,
}

/// A page size given as `limit`, within 1..=500.
fn page_limit(limit: Option<u32>, default: u32) -> Result<u32, Refusal> {
    match limit {
        None => Ok(default),
        Some(limit @ 1..=500) => Ok(limit),
        Some(limit) => Err(Refusal::invalid_request(
            format!("limit={limit} is out of range."),
            format!("Pass 1 to 500, or leave it out for {default}."),
        )),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/engagements",
    operation_id = "listEngagements",
    tag = "Engagements",
    params(ListParams),
    responses(
        (status = 200, description = "Interactions that last, newest first.", body = ListView),
        (status = 400, description = "`invalid_request`: `limit` out of range.", body = ErrorBody),
    )
)]
pub async fn list(
    params: Query<ListParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let limit = page_limit(params.limit, 50)?;
    let (engagements, more, _, _) = engagements::list(&state.core, params.before, limit).await?;
    let next_before = more.then(|| engagements.last().map(|e| e.id)).flatten();
    Ok(HttpResponse::Ok().json(ListView {
        engagements: engagements.into_iter().map(EngagementView::from).collect(),
        next_before,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/engagements/{uuid}",
    operation_id = "getEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID."), DetailParams),
    responses(
        (status = 200, description = "The interaction, what its agent sees, a page of its arrivals.", body = DetailView),
        (status = 400, description = "`invalid_request`: `limit` out of range.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(
    path: Path<String>,
    params: Query<DetailParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let limit = page_limit(params.limit, engagements::ARRIVALS_PER_PAGE)?;
    let detail = engagements::detail(&state.core, uuid_of(&path)?, params.after, limit).await?;
    let holds = Holds::from(detail.engagement.held);
    Ok(HttpResponse::Ok().json(DetailView {
        engagement: detail.engagement.into(),
        agent_view: detail.agent_view.into_iter().map(|v| v.item).collect(),
        items: detail.items,
        arrivals: detail.arrivals.into_iter().map(ArrivalView::from).collect(),
        next_after: detail.more_after,
        holds,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/engagements/{uuid}/end",
    operation_id = "endEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body(content = Option<crate::routes::kit::body::NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "Ended, as an agent ends a chat: the page's widget fires \
            `exitInteraction` and shows the feedback step.", body = EngagementView),
        (status = 400, description = "`invalid_request`: a body other than `{}`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`: it has ended already.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
    )
)]
pub async fn end(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    crate::routes::kit::body::no_options(&request, payload, &state).await?;
    let engagement = engagements::end(&state.core, uuid_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(EngagementView::from(engagement)))
}

#[utoipa::path(
    post,
    path = "/api/v1/engagements/{uuid}/complete",
    operation_id = "completeEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body(content = Option<crate::routes::kit::body::NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "Completed (ended first if it was active): the page's widget \
            fires `completeInteraction`, then `enterStandby`.", body = EngagementView),
        (status = 400, description = "`invalid_request`: a body other than `{}`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`: it has completed already.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
    )
)]
pub async fn complete(
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

#[utoipa::path(
    post,
    path = "/api/v1/engagements/{uuid}/fulfilment",
    operation_id = "runFulfilment",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body = FulfilmentRequest,
    responses(
        (status = 200, description = "The fulfilment action's call was made: `fulfilled` says \
            whether its answer's items were added, `problem` why not.", body = FulfilmentView),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
        (status = 409, description = "`interaction_finalised`: it has ended.", body = ErrorBody),
        (status = 422, description = "`unknown_action`: no fulfilment action of that reference; \
            `invalid_widget_config`: its url or headers.", body = ErrorBody),
    )
)]
pub async fn fulfilment(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let asked: FulfilmentRequest =
        crate::routes::kit::body::read(&request, payload, state.core.settings.max_body_bytes)
            .await?;
    fulfil(&request, &state, uuid_of(&path)?, &asked.action).await
}
