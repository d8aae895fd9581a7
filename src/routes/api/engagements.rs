//! `/api/v1/engagements`: interactions that last, as the agent's side sees them (what Talkative
//! calls interactions; `/api/v1/interactions` is the verification log, one entry per arrival of
//! data). A test ends and completes one here, as an agent would, and the page's widget fires
//! `exitInteraction` and `completeInteraction`.

use actix_web::web::{Data, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::engagements;
use crate::domain::engagement::{AgentItem, EngagementState};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::state::WebState;
use crate::storage::engagements::{Arrival, StoredEngagement};
use crate::storage::format_millis;

/// An interaction that lasts.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Engagement)]
pub struct EngagementView {
    /// The numeric id (what Talkative's Core API names interactions by).
    id: i64,
    #[schema(format = Uuid)]
    uuid: Uuid,
    state: EngagementState,
    /// `chat` or `video`.
    channel: String,
    /// The API action that started it (`startChat` / `startVideo` for those calls).
    action: String,
    #[schema(format = Uuid)]
    config_uuid: Uuid,
    #[schema(format = Uuid)]
    queue_uuid: Option<Uuid>,
    /// The page it started on (the loader's `path`).
    start_url: Option<String>,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    ended_at: Option<String>,
    #[schema(format = DateTime)]
    completed_at: Option<String>,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<StoredEngagement> for EngagementView {
    fn from(e: StoredEngagement) -> Self {
        Self {
            id: e.id,
            uuid: e.uuid,
            state: e.state,
            channel: e.channel,
            action: e.action,
            config_uuid: e.config_uuid,
            queue_uuid: e.queue_uuid,
            start_url: e.start_url,
            started_at: format_millis(e.started_at),
            ended_at: e.ended_at.map(format_millis),
            completed_at: e.completed_at.map(format_millis),
            updated_at: format_millis(e.updated_at),
        }
    }
}

/// One arrival of data, and the verification (in `/api/v1/interactions`) that judged it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalView {
    arrival: i64,
    /// `start` (what the interaction started with) or `append`.
    kind: String,
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

/// An interaction with what its agent sees.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EngagementDetail)]
pub struct DetailView {
    #[serde(flatten)]
    engagement: EngagementView,
    /// What the agent sees: each key's (name, else label) latest value, in the order keys
    /// first arrived; unsigned data never replaces signed data.
    agent_view: Vec<AgentItem>,
    /// Every item the agent was given, in order of arrival.
    items: Vec<AgentItem>,
    arrivals: Vec<ArrivalView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EngagementList)]
pub struct ListView {
    engagements: Vec<EngagementView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// How many, newest first: 50 unless given, at most 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
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
) -> Result<HttpResponse, ApiError> {
    let limit = match params.limit {
        None => 50,
        Some(limit @ 1..=500) => limit,
        Some(limit) => {
            return Err(ApiError::invalid_request(
                format!("limit={limit} is out of range."),
                "Pass 1 to 500, or leave it out for 50.",
            ));
        }
    };
    let engagements = engagements::list(&state.core, limit).await?;
    Ok(HttpResponse::Ok().json(ListView {
        engagements: engagements.into_iter().map(EngagementView::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/engagements/{uuid}",
    operation_id = "getEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    responses(
        (status = 200, description = "The interaction, what its agent sees, its arrivals.", body = DetailView),
        (status = 404, description = "`interaction_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let detail = engagements::detail(&state.core, uuid_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(DetailView {
        engagement: detail.engagement.into(),
        agent_view: detail.agent_view,
        items: detail.items,
        arrivals: detail.arrivals.into_iter().map(ArrivalView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/engagements/{uuid}/end",
    operation_id = "endEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body(content = Option<super::NoOptions>, description = "Empty, or `{}`."),
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
) -> Result<HttpResponse, ApiError> {
    super::no_options(&request, payload, &state).await?;
    let engagement = engagements::end(&state.core, uuid_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(EngagementView::from(engagement)))
}

#[utoipa::path(
    post,
    path = "/api/v1/engagements/{uuid}/complete",
    operation_id = "completeEngagement",
    tag = "Engagements",
    params(("uuid" = String, Path, description = "The interaction's UUID.")),
    request_body(content = Option<super::NoOptions>, description = "Empty, or `{}`."),
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
) -> Result<HttpResponse, ApiError> {
    super::no_options(&request, payload, &state).await?;
    let engagement = engagements::complete(&state.core, uuid_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(EngagementView::from(engagement)))
}

/// The UUID in a URL; anything else names no interaction.
pub fn uuid_of(raw: &str) -> Result<Uuid, ApiError> {
    Ok(engagements::parse_uuid(raw)?)
}
