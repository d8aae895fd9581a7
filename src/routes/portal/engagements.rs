//! The Engagements pages: interactions that last, as Talkative's agent console holds them. The
//! list, and one interaction's page: what its agent sees (each key's latest value, and where
//! it came from), the arrivals of data that made it (each linking to the verification that
//! judged it), and the agent's controls: end it (the page gets `exitInteraction` and the
//! feedback step), complete it (`completeInteraction`, then `enterStandby`).

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::{Layout, PortalError, Redirect, render_page, submit_form};
use crate::app::{AppError, engagements};
use crate::domain::engagement::{AgentItem, EngagementState};
use crate::routes::state::WebState;
use crate::storage::engagements::{Arrival, StoredEngagement};
use crate::storage::format_millis;

/// How many the list shows, newest first.
const LIST_LIMIT: u32 = 200;

pub struct EngagementRow {
    pub id: i64,
    pub uuid: String,
    pub state: EngagementState,
    pub channel: String,
    pub action: String,
    pub config_uuid: String,
    pub start_url: String,
    pub started_at: String,
    pub updated_at: String,
}

impl From<StoredEngagement> for EngagementRow {
    fn from(e: StoredEngagement) -> Self {
        Self {
            id: e.id,
            uuid: e.uuid.to_string(),
            state: e.state,
            channel: e.channel,
            action: e.action,
            config_uuid: e.config_uuid.to_string(),
            start_url: e.start_url.unwrap_or_default(),
            started_at: format_millis(e.started_at),
            updated_at: format_millis(e.updated_at),
        }
    }
}

impl EngagementRow {
    /// The badge its state wears.
    pub fn badge(&self) -> &'static str {
        match self.state {
            EngagementState::Active => "badge-ok",
            EngagementState::Ended => "badge-warn",
            EngagementState::Completed => "badge-muted",
        }
    }
}

pub struct ArrivalRow {
    pub number: i64,
    pub kind: String,
    pub verification: String,
    pub received_at: String,
    /// What this arrival gave the agent.
    pub items: Vec<AgentItem>,
}

#[derive(Template)]
#[template(path = "engagements.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<EngagementRow>,
    limit: u32,
}

#[derive(Template)]
#[template(path = "engagement.html")]
struct DetailPage {
    layout: Layout,
    engagement: EngagementRow,
    ended_at: String,
    completed_at: String,
    agent_view: Vec<AgentItem>,
    arrivals: Vec<ArrivalRow>,
}

pub async fn list(
    request: HttpRequest,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let rows = engagements::list(&state.core, LIST_LIMIT)
        .await?
        .into_iter()
        .map(EngagementRow::from)
        .collect();
    render_page(&request, &state, "engagements", StatusCode::OK, |layout| {
        ListPage {
            layout,
            rows,
            limit: LIST_LIMIT,
        }
    })
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let uuid = engagements::parse_uuid(&path).map_err(AppError::from)?;
    let detail = engagements::detail(&state.core, uuid).await?;
    let arrivals = detail
        .arrivals
        .into_iter()
        .map(|arrival: Arrival| ArrivalRow {
            items: (detail.items.iter())
                .filter(|item| item.arrival == arrival.arrival)
                .cloned()
                .collect(),
            number: arrival.arrival,
            // The wire names, in the portal's words.
            kind: match arrival.kind.as_str() {
                "start" => "start".to_owned(),
                "append" => "append (page)".to_owned(),
                "core_api" => "Core API (backend)".to_owned(),
                other => other.to_owned(),
            },
            verification: arrival.verification.to_string(),
            received_at: format_millis(arrival.received_at),
        })
        .collect();
    let stamp = |at: Option<i64>| at.map(format_millis).unwrap_or_default();
    render_page(&request, &state, "engagements", StatusCode::OK, |layout| {
        DetailPage {
            layout,
            ended_at: stamp(detail.engagement.ended_at),
            completed_at: stamp(detail.engagement.completed_at),
            engagement: EngagementRow::from(detail.engagement),
            agent_view: detail.agent_view,
            arrivals,
        }
    })
}

/// The agent ends it.
pub async fn end(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    agent_action(&request, &state, &path, AgentAction::End).await
}

/// The agent's side completes it (the feedback step done).
pub async fn complete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    agent_action(&request, &state, &path, AgentAction::Complete).await
}

#[derive(Clone, Copy)]
enum AgentAction {
    End,
    Complete,
}

/// A button on an interaction's page: the change, then back to the page with what the page's
/// widget does next; a refusal (it has ended already) is an error page.
async fn agent_action(
    request: &HttpRequest,
    state: &WebState,
    raw_uuid: &str,
    action: AgentAction,
) -> Result<HttpResponse, PortalError> {
    let change = async {
        let uuid = engagements::parse_uuid(raw_uuid)?;
        match action {
            AgentAction::End => engagements::end(&state.core, uuid).await,
            AgentAction::Complete => engagements::complete(&state.core, uuid).await,
        }
    };
    let done = |engagement: StoredEngagement| {
        let message = match action {
            AgentAction::End => {
                "Ended: the page's widget fires exitInteraction and shows its feedback step."
            }
            AgentAction::Complete => {
                "Completed: the page's widget fires completeInteraction, then enterStandby."
            }
        };
        Redirect::with_flash(format!("/engagements/{}", engagement.uuid), message)
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(request, state, change, done, refused).await
}
