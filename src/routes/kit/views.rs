//! Views more than one front end answers with: an interaction that lasts as the management API
//! and the widget's endpoints show it.

use uuid::Uuid;

use crate::app::engagements;
use crate::app::records::StoredEngagement;
use crate::domain::engagement::EngagementState;
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
