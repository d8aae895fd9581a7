//! Views more than one front end answers with: an interaction that lasts as the management API
//! and the widget's endpoints show it, and what a chatbot fulfilment call did.

use uuid::Uuid;

use crate::app::engagements;
use crate::app::fulfilment::Fulfilled;
use crate::app::records::StoredEngagement;
use crate::domain::engagement::EngagementState;
use crate::domain::problem::Problem;
use crate::domain::widget_config::Channel;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::refusal::Refusal;

/// An interaction that lasts.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Engagement)]
pub struct EngagementView {
    /// The numeric id (what Talkative's Core API names interactions by).
    id: i64,
    #[schema(format = Uuid)]
    uuid: Uuid,
    state: EngagementState,
    channel: Channel,
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

/// The UUID in a URL; anything else names no interaction.
pub fn uuid_of(raw: &str) -> Result<Uuid, Refusal> {
    Ok(engagements::parse_uuid(raw)?)
}

/// A request naming a fulfilment action to run.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentRequest {
    /// The reference of a widget config action of kind `fulfilment`.
    pub action: String,
}

/// What a chatbot fulfilment call did: answered 200 whether or not the receiver's answer was
/// usable (a chat goes on either way); `fulfilled` and `problem` say which.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = FulfilmentResult)]
pub struct FulfilmentView {
    /// Whether the answer's items were added to the interaction.
    fulfilled: bool,
    /// The call in the delivery log (`GET /api/v1/webhook-deliveries/{id}`).
    delivery_id: i64,
    /// The receiver's HTTP status, when it answered.
    status: Option<i64>,
    /// Why the interaction got nothing: `receiver_*` or `fulfilment_*`.
    problem: Option<Problem>,
    /// The verdict on the answer's items, when they were added.
    #[schema(value_type = Option<crate::verdict::Verdict>)]
    verdict: Option<Box<serde_json::value::RawValue>>,
    /// The interaction after it.
    interaction: Option<EngagementView>,
}

impl TryFrom<Fulfilled> for FulfilmentView {
    type Error = Refusal;

    fn try_from(done: Fulfilled) -> Result<Self, Refusal> {
        let (verdict, interaction) = match done.appended {
            Some(appended) => {
                let verdict =
                    serde_json::value::RawValue::from_string(appended.outcome.json.to_string())
                        .map_err(|e| Refusal::Internal(anyhow::Error::new(e)))?;
                (Some(verdict), Some(appended.engagement.into()))
            }
            None => (None, None),
        };
        Ok(Self {
            fulfilled: done.problem.is_none(),
            delivery_id: done.delivery.id,
            status: done.delivery.last_status,
            problem: done.problem,
            verdict,
            interaction,
        })
    }
}

/// Runs the fulfilment action `action` of interaction `uuid` for a request (the widget's or the
/// management API's: links on the origin it reached, its site's share of the budget).
pub async fn fulfil(
    request: &actix_web::HttpRequest,
    state: &crate::routes::kit::state::WebState,
    uuid: Uuid,
    action: &str,
) -> Result<actix_web::HttpResponse, Refusal> {
    let origin = crate::routes::kit::served_origin::ServedOrigin::of(request).url();
    let site = crate::routes::kit::same_origin::site_of(request);
    let done = crate::app::fulfilment::run(&state.core, uuid, action, &origin, site).await?;
    Ok(actix_web::HttpResponse::Ok().json(FulfilmentView::try_from(done)?))
}
