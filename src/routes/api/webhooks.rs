//! `/api/v1/webhooks` and `/api/v1/webhook-deliveries`: Generic CRM webhooks as Talkative's
//! settings page manages them (a validation POST on save, "Send test"), and the delivery log
//! with its attempts, redelivery and waits. Header values are in the request that sets them and
//! nowhere else: answers show each masked.

use std::time::Duration;

use actix_web::web::{Data, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::interactions::parse_wait;
use crate::app::records::{
    DeliveryFilter, DeliveryState, Event, StoredAttempt, StoredDelivery, StoredWebhook,
};
use crate::app::webhooks::{self, NewWebhook};
use crate::domain::webhook::SendCondition;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::body;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// A header as answers show it: its name, and its value masked.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WebhookHeaderView)]
pub struct HeaderView {
    name: String,
    /// `••••` and the last four characters of a value of 16 or more; never the value.
    value: String,
}

/// A webhook.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Webhook)]
pub struct WebhookView {
    id: i64,
    label: String,
    url: String,
    send_condition: SendCondition,
    /// Queue UUIDs; empty: every queue.
    queues: Vec<Uuid>,
    headers: Vec<HeaderView>,
    /// Installed by the config file's `[[webhooks]]`.
    from_config: bool,
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<StoredWebhook> for WebhookView {
    fn from(stored: StoredWebhook) -> Self {
        let w = stored.webhook;
        Self {
            id: stored.id,
            label: w.label.as_str().to_owned(),
            url: w.endpoint.as_str().to_owned(),
            send_condition: w.condition,
            queues: w.queues,
            headers: w
                .headers
                .iter()
                .map(|h| HeaderView {
                    name: h.name().to_owned(),
                    value: h.masked(),
                })
                .collect(),
            from_config: stored.from_config,
            created_at: format_millis(stored.created_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WebhookList)]
pub struct WebhookList {
    webhooks: Vec<WebhookView>,
}

/// A header to send.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewWebhookHeader)]
pub struct NewHeader {
    name: String,
    /// A secret: kept, sent, never shown again in full.
    value: String,
}

/// A webhook to add.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWebhookBody {
    /// What it is, e.g. "CRM staging".
    label: String,
    /// `https://…` (its certificate checked), or `http://` to 127.0.0.1 or localhost.
    url: String,
    /// `completed_and_wrapped` (the default; the one Talkative condition emulated).
    send_condition: Option<String>,
    /// Queue UUIDs of the widget configs; empty or left out: every queue.
    #[serde(default)]
    queues: Vec<String>,
    /// Sent with every request, exactly as given.
    #[serde(default)]
    headers: Vec<NewHeader>,
    /// POST `{"test": "data"}` first and refuse to save unless it is answered 2xx (the default,
    /// as Talkative validates an endpoint); `false` saves without it.
    validate: Option<bool>,
}

/// A webhook added, and its validation POST.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CreatedWebhook)]
pub struct CreatedWebhook {
    webhook: WebhookView,
    validation: Option<DeliveryView>,
}

/// One attempt of a delivery.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DeliveryAttempt)]
pub struct AttemptView {
    /// 1, 2, … across redeliveries.
    attempt: i64,
    #[schema(format = DateTime)]
    started_at: String,
    latency_ms: i64,
    /// The receiver's HTTP status, when it answered.
    status: Option<i64>,
    /// Why it failed: `receiver_timeout`, `receiver_unreachable`, `receiver_certificate`,
    /// `receiver_status`, or for a fulfilment call a `fulfilment_*` code.
    error_code: Option<String>,
    error_message: Option<String>,
    /// The first 1 KiB of the receiver's answer.
    response_excerpt: String,
    /// The headers sent, secrets masked.
    request_headers: Vec<HeaderView>,
}

impl From<StoredAttempt> for AttemptView {
    fn from(a: StoredAttempt) -> Self {
        Self {
            attempt: a.attempt,
            started_at: format_millis(a.started_at),
            latency_ms: a.latency_ms,
            status: a.status,
            error_code: a.error_code,
            error_message: a.error_message,
            response_excerpt: a.response_excerpt,
            request_headers: a
                .request_headers
                .into_iter()
                .map(|(name, value)| HeaderView { name, value })
                .collect(),
        }
    }
}

/// A delivery: one request the emulator sends, and every attempt at it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookDelivery)]
pub struct DeliveryView {
    id: i64,
    /// Sent as `Idempotency-Key`: the same on every attempt and every redelivery.
    idempotency_key: Uuid,
    /// The webhook's id (none for a fulfilment call, or a test before its webhook was saved).
    webhook_id: Option<i64>,
    /// The webhook's label, or the fulfilment action's reference.
    target: String,
    url: String,
    event: Event,
    /// The interaction (its UUID) it is about, while it is kept.
    interaction: Option<Uuid>,
    state: DeliveryState,
    attempts: i64,
    #[schema(format = DateTime)]
    next_attempt_at: Option<String>,
    last_status: Option<i64>,
    last_error: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// What is sent (one delivery's page: GET /api/v1/webhook-deliveries/{id}).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    body: Option<serde_json::Value>,
    /// Its kept attempts, first first (one delivery's page).
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt_log: Option<Vec<AttemptView>>,
}

impl DeliveryView {
    fn of(d: StoredDelivery, attempts: Option<Vec<StoredAttempt>>) -> Self {
        let body = attempts.is_some().then(|| {
            serde_json::from_str(&d.body).unwrap_or(serde_json::Value::String(d.body.clone()))
        });
        Self {
            id: d.id,
            idempotency_key: d.uuid,
            webhook_id: d.webhook_id,
            target: d.target,
            url: d.url,
            event: d.event,
            interaction: d.interaction,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(format_millis),
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: format_millis(d.created_at),
            updated_at: format_millis(d.updated_at),
            body,
            attempt_log: attempts.map(|a| a.into_iter().map(AttemptView::from).collect()),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = WebhookDeliveryList)]
pub struct DeliveryList {
    deliveries: Vec<DeliveryView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    operation_id = "listWebhooks",
    tag = "Webhooks",
    responses((status = 200, description = "Every webhook, oldest first; header values masked.", body = WebhookList))
)]
pub async fn list(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let webhooks = webhooks::list(&state.core).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: webhooks.into_iter().map(WebhookView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    operation_id = "createWebhook",
    tag = "Webhooks",
    request_body = NewWebhookBody,
    responses(
        (status = 201, description = "Added, after its validation POST was answered 2xx.", body = CreatedWebhook,
            headers(("Location" = String, description = "The new webhook's URL."))),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
        (status = 422, description = "`invalid_webhook`: the label, URL, send condition, a queue or a header.", body = ErrorBody),
        (status = 502, description = "`webhook_unreachable`: the validation POST got no 2xx; nothing saved.", body = ErrorBody),
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: NewWebhookBody =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let headers: Vec<(String, String)> =
        new.headers.into_iter().map(|h| (h.name, h.value)).collect();
    let created = webhooks::create(
        &state.core,
        NewWebhook {
            label: &new.label,
            url: &new.url,
            condition: new.send_condition.as_deref(),
            queues: &new.queues,
            headers: &headers,
            validate: new.validate.unwrap_or(true),
        },
    )
    .await?;
    let id = created.webhook.id;
    let validation = match created.validation {
        Some(delivery) => {
            let (delivery, attempts) = webhooks::delivery(&state.core, delivery.id).await?;
            Some(DeliveryView::of(delivery, Some(attempts)))
        }
        None => None,
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{id}")))
        .json(CreatedWebhook {
            webhook: created.webhook.into(),
            validation,
        }))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    operation_id = "getWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "The webhook; header values masked.", body = WebhookView),
        (status = 404, description = "`webhook_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let webhook = webhooks::get(&state.core, webhooks::parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(webhook)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "Deleted: what it had yet to send is cancelled; its log stays.", body = WebhookView),
        (status = 404, description = "`webhook_not_found`.", body = ErrorBody),
    )
)]
pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let webhook = webhooks::delete(&state.core, webhooks::parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(webhook)))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/test",
    operation_id = "testWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    request_body(content = Option<crate::routes::kit::body::NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "Sent `{\"test\": \"data\"}` once (no retries); the delivery says how it went.", body = DeliveryView),
        (status = 404, description = "`webhook_not_found`.", body = ErrorBody),
    )
)]
pub async fn test(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    body::no_options(&request, payload, &state).await?;
    let delivery = webhooks::test(&state.core, webhooks::parse_id(&path)?).await?;
    let (delivery, attempts) = webhooks::delivery(&state.core, delivery.id).await?;
    Ok(HttpResponse::Ok().json(DeliveryView::of(delivery, Some(attempts))))
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Deliveries per answer, newest first: 50 unless given, at most 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Only this webhook's (its id).
    webhook: Option<i64>,
    /// Only those about this interaction (its UUID).
    #[param(format = Uuid)]
    interaction: Option<String>,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    state: Option<String>,
    /// `interaction.completed`, `webhook.test` or `fulfilment`.
    event: Option<String>,
    /// Only deliveries made after this one (its id).
    after: Option<i64>,
    /// Wait up to this long (e.g. `5s`; at most 60 s) for a matching delivery instead of
    /// answering an empty list at once: `state=delivered&interaction=…&wait=10s` answers when
    /// the receiver has taken it.
    wait: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/webhook-deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "Webhooks",
    params(DeliveryParams),
    responses(
        (status = 200, description = "The newest matching deliveries, newest first (without bodies and attempts).", body = DeliveryList),
        (status = 400, description = "`invalid_request`: a bad parameter.", body = ErrorBody),
        (status = 503, description = "`too_many_followers` (waits and streams share a bound).", body = ErrorBody),
    )
)]
pub async fn deliveries(
    request: HttpRequest,
    params: Query<DeliveryParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let params = params.into_inner();
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(limit @ 1..=MAX_LIMIT) => limit,
        Some(limit) => {
            return Err(Refusal::invalid_request(
                format!("limit={limit} is out of range: 1 to {MAX_LIMIT}."),
                "Leave limit out for 50.",
            ));
        }
    };
    let filter = DeliveryFilter {
        webhook: params.webhook,
        interaction: params
            .interaction
            .as_deref()
            .map(|raw| {
                Uuid::try_parse(raw).map_err(|_| {
                    Refusal::invalid_request(
                        format!("interaction={raw:?} is not a UUID."),
                        "Pass the interaction's uuid, as its start answered it.",
                    )
                })
            })
            .transpose()?,
        state: params
            .state
            .as_deref()
            .map(|raw| {
                DeliveryState::parse(raw).ok_or_else(|| {
                    Refusal::invalid_request(
                        format!("state={raw:?} is no delivery state."),
                        "Use pending, delivered, failed or cancelled.",
                    )
                })
            })
            .transpose()?,
        event: params
            .event
            .as_deref()
            .map(|raw| {
                Event::parse(raw).ok_or_else(|| {
                    Refusal::invalid_request(
                        format!("event={raw:?} is no delivery event."),
                        "Use interaction.completed, webhook.test or fulfilment.",
                    )
                })
            })
            .transpose()?,
        after: params.after,
    };
    let wait: Option<Duration> = params.wait.as_deref().map(parse_wait).transpose()?;
    let found = match wait {
        Some(wait) => {
            let _place = state
                .core
                .followers
                .admit(request.peer_addr().map(|peer| peer.ip()))?;
            webhooks::wait_for(&state.core, &filter, limit, wait).await?
        }
        None => webhooks::deliveries(&state.core, &filter, limit).await?,
    };
    Ok(HttpResponse::Ok().json(DeliveryList {
        deliveries: found
            .into_iter()
            .map(|d| DeliveryView::of(d, None))
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/webhook-deliveries/{id}",
    operation_id = "getWebhookDelivery",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The delivery's id.")),
    responses(
        (status = 200, description = "The delivery with its body and kept attempts.", body = DeliveryView),
        (status = 404, description = "`delivery_not_found`.", body = ErrorBody),
    )
)]
pub async fn delivery(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let (delivery, attempts) =
        webhooks::delivery(&state.core, webhooks::parse_delivery_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(DeliveryView::of(delivery, Some(attempts))))
}

#[utoipa::path(
    post,
    path = "/api/v1/webhook-deliveries/{id}/redeliver",
    operation_id = "redeliverWebhookDelivery",
    tag = "Webhooks",
    params(("id" = String, Path, description = "The delivery's id.")),
    request_body(content = Option<crate::routes::kit::body::NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 202, description = "Scheduled now, with the same body and idempotency key; its retries count afresh.", body = DeliveryView),
        (status = 400, description = "`invalid_request`: a test or fulfilment call, or its webhook was deleted.", body = ErrorBody),
        (status = 404, description = "`delivery_not_found`.", body = ErrorBody),
    )
)]
pub async fn redeliver(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    body::no_options(&request, payload, &state).await?;
    let delivery = webhooks::redeliver(&state.core, webhooks::parse_delivery_id(&path)?).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::of(delivery, None)))
}
