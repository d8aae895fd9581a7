//! The Engagements pages: interactions that last, as Talkative's agent console holds them. The
//! list, and one interaction's page: what its agent sees (each key's latest value, and where
//! it came from), the arrivals of data that made it (each linking to the verification that
//! judged it), and the agent's controls: end it (the page gets `exitInteraction` and the
//! feedback step), complete it (`completeInteraction`, then `enterStandby`, and its webhooks),
//! run its chatbot's fulfilment nodes; and its calls to the customer's backend.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::moment::Moment;
use super::webhooks::DeliveryRow;
use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::records::{Arrival, DeliveryFilter, DroppedItem, StoredEngagement};
use crate::app::{AppError, engagements, webhooks};
use crate::domain::engagement::{AgentItem, ArrivalKind, EngagementState, Held, Limits};
use crate::domain::widget_config::{ActionKind, Channel};
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;

/// How many the list shows a page, newest first.
const LIST_LIMIT: u32 = 50;
/// Arrivals an interaction's page shows at a time.
const ARRIVALS_PER_PAGE: u32 = 50;

pub struct EngagementRow {
    pub id: i64,
    pub uuid: String,
    pub state: EngagementState,
    pub channel: Channel,
    pub action: String,
    pub config_uuid: String,
    pub start_url: String,
    pub started_at: Moment,
    pub updated_at: Moment,
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
            started_at: Moment::at(e.started_at),
            updated_at: Moment::at(e.updated_at),
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
    pub received_at: Moment,
    /// What this arrival gave the agent.
    pub items: Vec<AgentItem>,
    /// What it dropped, and why.
    pub dropped: Vec<DroppedItem>,
    /// Why it gave the agent nothing, when it did not.
    pub nothing_because: String,
}

/// Why an arrival gave the agent nothing (#32: "Gave the agent nothing" said why).
fn nothing_because(arrival: &Arrival, gave: usize) -> String {
    if gave > 0 {
        return String::new();
    }
    match (&arrival.signature_error, arrival.dropped.len()) {
        (Some(code), 0) => {
            format!("its token was refused ({code}) and it carried nothing unsigned")
        }
        (Some(code), _) => {
            format!("its token was refused ({code}) and every unsigned item was dropped")
        }
        (None, 0) => {
            "it carried no interaction data, or only values the agent already had".to_owned()
        }
        (None, 1) => "its one item was dropped".to_owned(),
        (None, n) => format!("all {n} of its items were dropped"),
    }
}

#[derive(Template)]
#[template(path = "engagements.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<EngagementRow>,
    /// "1–50 of 1,204": the first row's place, the last's, and how many there are.
    first: u64,
    last: u64,
    total: u64,
    /// `?before=` for the next (older) page, when there is one.
    older: Option<i64>,
    /// Whether this is a later page (then a link back to the newest).
    paged: bool,
}

/// Where a page of the list starts.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    before: Option<i64>,
}

/// Where a page of an interaction's arrivals starts.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailQuery {
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "engagement.html")]
struct DetailPage {
    layout: Layout,
    engagement: EngagementRow,
    ended_at: Option<Moment>,
    completed_at: Option<Moment>,
    agent_view: Vec<AgentItem>,
    arrivals: Vec<ArrivalRow>,
    /// The first arrival on this page (the list's `start`).
    first_arrival: i64,
    /// `?after=` for the next page of arrivals, when there is one; whether this is a later one.
    more_after: Option<i64>,
    paged: bool,
    holds: Held,
    limits: (u64, u64, u64),
    /// Its config's fulfilment actions (buttons while it is active).
    fulfilments: Vec<String>,
    /// How many webhooks a completion sends it to.
    webhooks: usize,
    /// Its webhook deliveries and fulfilment calls, newest first.
    calls: Vec<DeliveryRow>,
}

pub async fn list(
    request: HttpRequest,
    query: Query<ListQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (rows, more, total, newer) =
        engagements::list(&state.core, query.before, LIST_LIMIT).await?;
    let older = more.then(|| rows.last().map(|e| e.id)).flatten();
    let shown = rows.len() as u64;
    let rows: Vec<EngagementRow> = rows.into_iter().map(EngagementRow::from).collect();
    render_page(
        &request,
        &state,
        Page::Engagements,
        StatusCode::OK,
        |layout| ListPage {
            layout,
            rows,
            first: newer + 1,
            last: newer + shown,
            total,
            older,
            paged: query.before.is_some(),
        },
    )
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    query: Query<DetailQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let uuid = engagements::parse_uuid(&path).map_err(AppError::from)?;
    let detail = engagements::detail(&state.core, uuid, query.after, ARRIVALS_PER_PAGE).await?;
    let first_arrival = detail.arrivals.first().map_or(0, |a| a.arrival);
    let (config, _) =
        engagements::config_for_page(&state.core, detail.engagement.config_uuid).await?;
    let fulfilments = config
        .actions()
        .iter()
        .filter(|a| a.kind == ActionKind::Fulfilment)
        .map(|a| a.reference.clone())
        .collect();
    let queue = detail.engagement.queue_uuid;
    let webhooks = webhooks::list(&state.core)
        .await?
        .iter()
        .filter(|w| w.webhook.applies_to(queue))
        .count();
    let calls = webhooks::deliveries(
        &state.core,
        &DeliveryFilter {
            interaction: Some(uuid),
            ..DeliveryFilter::default()
        },
        50,
    )
    .await?
    .into_iter()
    .map(DeliveryRow::from)
    .collect();
    let arrivals = detail
        .arrivals
        .into_iter()
        .map(|arrival: Arrival| {
            let items: Vec<AgentItem> = (detail.items.iter())
                .filter(|item| item.arrival == arrival.arrival)
                .cloned()
                .collect();
            ArrivalRow {
                nothing_because: nothing_because(&arrival, items.len()),
                items,
                number: arrival.arrival,
                // The wire names, in the portal's words.
                kind: match arrival.kind {
                    ArrivalKind::Start => "start",
                    ArrivalKind::Append => "append (page)",
                    ArrivalKind::CoreApi => "Core API (backend)",
                    ArrivalKind::Fulfilment => "chatbot fulfilment (backend)",
                }
                .to_owned(),
                verification: arrival.verification.to_string(),
                received_at: Moment::at(arrival.received_at),
                dropped: arrival.dropped,
            }
        })
        .collect();
    render_page(
        &request,
        &state,
        Page::Engagements,
        StatusCode::OK,
        |layout| DetailPage {
            layout,
            ended_at: detail.engagement.ended_at.map(Moment::at),
            completed_at: detail.engagement.completed_at.map(Moment::at),
            holds: detail.engagement.held,
            limits: (Limits::ARRIVALS, Limits::KEYS, Limits::BYTES),
            engagement: EngagementRow::from(detail.engagement),
            agent_view: detail.agent_view.into_iter().map(|v| v.item).collect(),
            arrivals,
            first_arrival,
            more_after: detail.more_after,
            paged: query.after.is_some(),
            fulfilments,
            webhooks,
            calls,
        },
    )
}

#[derive(Deserialize)]
pub struct FulfilmentForm {
    #[serde(default)]
    action: String,
}

/// "Run …": the chatbot reaches a fulfilment node; back to the page with what it did.
pub async fn fulfilment(
    request: HttpRequest,
    path: Path<String>,
    form: Form<FulfilmentForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let origin = ServedOrigin::of(&request).url();
    let change = async {
        let uuid = engagements::parse_uuid(&path)?;
        let done = crate::app::fulfilment::run(
            &state.core,
            uuid,
            &form.action,
            &origin,
            crate::routes::kit::same_origin::site_of(&request),
        )
        .await?;
        Ok::<_, AppError>((uuid, done))
    };
    let done = |(uuid, done): (uuid::Uuid, crate::app::fulfilment::Fulfilled)| {
        let message = match (&done.appended, &done.problem) {
            (Some(appended), _) => format!(
                "{} answered: {} item(s) added to what the agent sees.",
                form.action,
                appended.outcome.verdict.accepted.len()
            ),
            (None, Some(problem)) => format!(
                "{} gave nothing: {}: {}",
                form.action, problem.code, problem.message
            ),
            (None, None) => format!("{} answered.", form.action),
        };
        Redirect::with_flash(format!("/engagements/{uuid}"), message)
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}

/// The agent ends it.
pub async fn end(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    agent_action(&request, &state, &path, AgentAction::End).await
}

/// The agent's side completes it (the feedback step done).
pub async fn complete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
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
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let uuid = engagements::parse_uuid(raw_uuid)?;
        match action {
            AgentAction::End => engagements::end(&state.core, uuid).await,
            AgentAction::Complete => {
                let origin = ServedOrigin::of(request).url();
                engagements::complete(&state.core, uuid, &origin).await
            }
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
