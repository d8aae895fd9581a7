//! `GET /api/v1/interactions/stream` (and the portal's `/interactions/stream`, the same handler
//! behind the portal's session): the interaction log as Server-Sent Events, one `interaction`
//! event per recorded verification, for the live Interactions page and for scripts; and one
//! `delivery` event for each attempt of a webhook delivery or fulfilment call.
//!
//! Resumable: each event's `id` is its position in the log, so a reconnecting EventSource
//! (which sends `Last-Event-ID`) or `?after=` continues where it stopped; without either the
//! stream starts with what is recorded next. A comment every 3 s keeps proxies from closing an
//! idle stream. A follower whose client hangs up gives its place among the bounded followers
//! back at once: the server does not keep half-closed connections (`startup.rs`), so it drops
//! the response, and the place with it; a failed keep-alive write does the same for a client
//! that vanished without closing. After each batch the stream pauses 250 ms, so a load test does
//! not make every follower read the log thousands of times a second: events arrive in batches
//! instead.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::CONTENT_ENCODING;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::interaction_log::{self, FollowerPlace, Removal};
use crate::app::records::{BrowseRow, DeliveryState, Event, Filter};
use crate::app::webhooks;
use crate::domain::problem::Code;
use crate::domain::source::Source;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;
use crate::verdict::SignatureStatus;

const KEEP_ALIVE: Duration = Duration::from_secs(3);
const BETWEEN_BATCHES: Duration = Duration::from_millis(250);
const BATCH_ROWS: u32 = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Start after this event id (an interaction's position in the log).
    after: Option<i64>,
}

/// One event's data: what the list shows of an interaction. The whole interaction is at
/// `GET /api/v1/interactions/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionEvent<'a> {
    /// Position in the log; also the event's `id`.
    seq: i64,
    #[schema(format = Uuid)]
    id: &'a str,
    #[schema(format = DateTime)]
    received_at: String,
    status: SignatureStatus,
    /// `api`, `widget`, `demo`, `playground` or `core_api`; `null` when recorded before sources were kept.
    source: Option<&'static str>,
    /// When the widget sent it: the engagement it was an arrival of.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    engagement: Option<uuid::Uuid>,
    accepted: i64,
    rejected: i64,
    /// Each code the verdict carries, once: the signature's error first.
    codes: &'a [Code],
    /// The first items, as the list previews them (see `ItemPreview`).
    items: Vec<ItemPreview<'a>>,
}

/// One of the first 20 items an interaction carried (`storage::interactions::PREVIEW_ITEMS`),
/// its data cut at 120 characters (`PREVIEW_DATA_CHARS`); the whole interaction is at
/// `GET /api/v1/interactions/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemPreview<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    label: &'a str,
    data: &'a str,
}

#[utoipa::path(
    get,
    path = "/api/v1/interactions/stream",
    operation_id = "streamInteractions",
    tag = "Interaction log",
    params(
        StreamParams,
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event (what a \
            reconnecting EventSource sends)."),
    ),
    responses(
        (status = 200, description = "Server-Sent Events: one `interaction` event per recorded \
            verification, its `data` an `InteractionEvent` as one line of JSON, its `id` the \
            position in the log; a `removed` event (`RemovedEvent`) when the log is cleared or \
            reset or an interaction deleted; a `delivery` event (`DeliveryEvent`) for each \
            attempt of a webhook delivery or fulfilment call; a `: keep-alive` comment every 3 s.",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "`invalid_request`: `after` is not a number.", body = ErrorBody),
        (status = 503, description = "`too_many_followers` (streams and waits share a bound).", body = ErrorBody),
    )
)]
pub async fn stream(
    request: HttpRequest,
    params: Query<StreamParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let place = state
        .core
        .followers
        .admit(request.peer_addr().map(|peer| peer.ip()))?;
    let resume = params.after.or_else(|| last_event_id(&request));
    let after = match resume {
        Some(seq) => seq,
        None => interaction_log::latest(&state.core).await?,
    };
    let removals = state.core.removals.subscribe();
    let removals_seen = *removals.borrow();
    let deliveries = state.core.outbox.follow();
    let deliveries_seen = webhooks::latest_attempt(&state.core).await?;
    let follow = Follow {
        deliveries,
        deliveries_seen,
        state: state.into_inner(),
        after,
        started: false,
        removals,
        removals_seen,
        _place: place,
    };
    let events = futures_util::stream::unfold(follow, |mut follow| async move {
        let chunk = follow.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), follow))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        // Reverse proxies (nginx) would otherwise hold events back, and a gzip stream would
        // hold them in its buffer: this response is never compressed.
        .insert_header(("X-Accel-Buffering", "no"))
        .insert_header((CONTENT_ENCODING, "identity"))
        .streaming(events))
}

/// A follower: where it is in the log, and its place among the bounded followers.
struct Follow {
    state: Arc<WebState>,
    after: i64,
    started: bool,
    /// Told when something is taken out of the log; `removals_seen` is the last one sent.
    removals: tokio::sync::watch::Receiver<u64>,
    removals_seen: u64,
    /// Told when a delivery is made or attempted; `deliveries_seen` the last attempt sent.
    deliveries: tokio::sync::watch::Receiver<u64>,
    deliveries_seen: i64,
    _place: FollowerPlace,
}

impl Follow {
    /// The next bytes to send; `None` ends the stream (the log cannot be read).
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if !self.started {
            self.started = true;
            // How long a browser waits before reconnecting after a drop.
            return Some(Bytes::from_static(b"retry: 2000\n\n"));
        }
        if let Some(removed) = self.removed() {
            return Some(removed);
        }
        let everything = Filter::default();
        let newer = interaction_log::wait_for_newer(
            &self.state.core,
            &everything,
            self.after,
            BATCH_ROWS,
            KEEP_ALIVE,
        );
        let waited = tokio::select! {
            waited = newer => waited,
            // Something was taken out: say so at once (next turn), not after the keep-alive.
            _ = self.removals.changed() => {
                return Some(self.removed().unwrap_or_else(|| Bytes::from_static(b": keep-alive\n\n")));
            }
            // A delivery was made or attempted.
            _ = self.deliveries.changed() => {
                return Some(self.delivered().await.unwrap_or_else(|| Bytes::from_static(b": keep-alive\n\n")));
            }
        };
        match waited {
            Ok(rows) if rows.is_empty() => Some(Bytes::from_static(b": keep-alive\n\n")),
            Ok(rows) => {
                self.after = rows.last().map_or(self.after, |row| row.seq);
                let text = rows.iter().map(event).collect::<String>();
                tokio::time::sleep(BETWEEN_BATCHES).await;
                Some(Bytes::from(text))
            }
            Err(error) => {
                // The client reconnects (retry) and resumes from its last event id.
                tracing::warn!(error = ?error, "interaction stream stopped: the log cannot be read");
                None
            }
        }
    }
}

impl Follow {
    /// A `removed` event for what was taken out of the log since the last one sent, if anything.
    fn removed(&mut self) -> Option<Bytes> {
        let (latest, removed) = self.state.core.removals.since(self.removals_seen);
        self.removals_seen = latest;
        if removed.is_empty() {
            return None;
        }
        let cleared = removed.contains(&Removal::Cleared);
        let ids: Vec<uuid::Uuid> = removed
            .iter()
            .filter_map(|r| match r {
                Removal::Deleted(id) => Some(*id),
                Removal::Cleared => None,
            })
            .collect();
        let data = RemovedEvent { cleared, ids };
        let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
        Some(Bytes::from(format!("event: removed\ndata: {json}\n\n")))
    }
}

impl Follow {
    /// A `delivery` event for each attempt logged since the last one sent.
    async fn delivered(&mut self) -> Option<Bytes> {
        let (logged, next) = match webhooks::attempts_after(
            &self.state.core,
            self.deliveries_seen,
            BATCH_ROWS,
        )
        .await
        {
            Ok(read) => read,
            Err(error) => {
                tracing::warn!(error = ?error, "the stream could not read the delivery log");
                return None;
            }
        };
        self.deliveries_seen = next;
        if logged.is_empty() {
            return None;
        }
        let text = logged
            .into_iter()
            .map(|(d, a)| {
                let outcome = match &a.error_code {
                    None => "delivered",
                    Some(_) if a.attempt < d.attempts || d.state == DeliveryState::Pending => {
                        "retrying"
                    }
                    Some(_) => "failed",
                };
                let data = DeliveryEvent {
                    id: d.id,
                    idempotency_key: d.uuid,
                    target: d.target,
                    event: d.event,
                    interaction: d.interaction,
                    attempt: a.attempt,
                    outcome,
                    status: a.status,
                    error_code: a.error_code,
                    latency_ms: a.latency_ms,
                    started_at: format_millis(a.started_at),
                };
                let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
                format!("event: delivery\ndata: {json}\n\n")
            })
            .collect::<String>();
        Some(Bytes::from(text))
    }
}

/// A `delivery` event's data: one attempt of a webhook delivery or fulfilment call. The whole
/// delivery, with every attempt kept, is at `GET /api/v1/webhook-deliveries/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryEvent {
    /// The delivery's id.
    id: i64,
    idempotency_key: uuid::Uuid,
    /// The webhook's label, or the fulfilment action's reference.
    target: String,
    event: Event,
    interaction: Option<uuid::Uuid>,
    /// 1, 2, … across redeliveries.
    attempt: i64,
    /// `delivered` (a 2xx), `retrying` (another attempt follows) or `failed` (none does).
    outcome: &'static str,
    status: Option<i64>,
    error_code: Option<String>,
    latency_ms: i64,
    #[schema(format = DateTime)]
    started_at: String,
}

/// A `removed` event's data: the log was cleared (or reset), or these interactions deleted.
/// A live list fetches itself again; ids already streamed are gone from the log.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedEvent {
    /// The whole log was cleared or reset (every interaction streamed so far is gone).
    cleared: bool,
    /// Interactions deleted one by one.
    #[schema(value_type = Vec<String>, format = Uuid)]
    ids: Vec<uuid::Uuid>,
}

/// One SSE event for a row: `id` is its position, `data` one line of JSON.
fn event(row: &BrowseRow) -> String {
    let items = row
        .items
        .iter()
        .map(|item| ItemPreview {
            name: item.name.as_deref(),
            label: &item.label,
            data: &item.data,
        })
        .collect();
    let data = InteractionEvent {
        seq: row.seq,
        id: &row.id,
        received_at: format_millis(row.received_at),
        status: row.status,
        source: row.source.map(Source::as_str),
        engagement: row.engagement,
        accepted: row.accepted,
        rejected: row.rejected,
        codes: &row.codes,
        items,
    };
    // Serializing plain strings and numbers cannot fail; compact JSON has no line breaks.
    let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
    format!("id: {}\nevent: interaction\ndata: {json}\n\n", row.seq)
}

fn last_event_id(request: &HttpRequest) -> Option<i64> {
    request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}
