//! The Webhooks page (Talkative's Settings → CRMs → Generic CRM): add a webhook (its validation
//! POST sent first, as Talkative checks an endpoint), send a test, delete one with confirmation;
//! and the delivery log beneath, each delivery's page with its request, every attempt and a
//! Redeliver button. Header values are never shown again once saved: a mask stands for them.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::moment::Moment;
use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::records::{DeliveryFilter, StoredAttempt, StoredDelivery, StoredWebhook};
use crate::app::webhooks::{self, NewWebhook};
use crate::app::{AppError, widget_configs};
use crate::domain::problem::Problem;
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;

pub struct WebhookRow {
    pub id: i64,
    pub label: String,
    pub url: String,
    pub condition: &'static str,
    /// Queue names (or UUIDs when no config has them); empty: every queue.
    pub queues: Vec<String>,
    /// `Name: ••••abcd`.
    pub headers: Vec<String>,
    pub from_config: bool,
    pub created_at: Moment,
}

pub struct DeliveryRow {
    pub id: i64,
    pub key: String,
    pub target: String,
    pub url: String,
    pub event: &'static str,
    pub interaction: Option<String>,
    pub state: &'static str,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<Moment>,
    pub created_at: Moment,
    pub redeliverable: bool,
}

impl From<StoredDelivery> for DeliveryRow {
    fn from(d: StoredDelivery) -> Self {
        Self {
            id: d.id,
            key: d.uuid.to_string(),
            redeliverable: d.redeliverable(),
            target: d.target,
            url: d.url,
            event: d.event.as_str(),
            interaction: d.interaction.map(|u| u.to_string()),
            state: d.state.as_str(),
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at.map(Moment::at),
            created_at: Moment::at(d.created_at),
        }
    }
}

/// What a queue is called on the page.
struct QueueChoice {
    uuid: String,
    name: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    webhooks: Vec<WebhookRow>,
    deliveries: Vec<DeliveryRow>,
    queues: Vec<QueueChoice>,
    error: Option<Problem>,
    form: WebhookForm,
}

async fn queue_choices(state: &WebState) -> Result<Vec<QueueChoice>, Refusal> {
    let configs = widget_configs::list(&state.core).await?;
    Ok(configs
        .iter()
        .flat_map(|config| {
            config.queues().iter().map(move |queue| QueueChoice {
                uuid: queue.uuid.to_string(),
                name: format!("{} · {}", config.name(), queue.name),
            })
        })
        .collect())
}

fn row(stored: StoredWebhook, queues: &[QueueChoice]) -> WebhookRow {
    let w = stored.webhook;
    WebhookRow {
        id: stored.id,
        label: w.label.as_str().to_owned(),
        url: w.endpoint.as_str().to_owned(),
        condition: w.condition.title(),
        queues: w
            .queues
            .iter()
            .map(|uuid| {
                let uuid = uuid.to_string();
                queues
                    .iter()
                    .find(|q| q.uuid == uuid)
                    .map_or(uuid, |q| q.name.clone())
            })
            .collect(),
        headers: w
            .headers
            .iter()
            .map(|h| format!("{}: {}", h.name(), h.masked()))
            .collect(),
        from_config: stored.from_config,
        created_at: Moment::at(stored.created_at),
    }
}

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    error: Option<Problem>,
    form: WebhookForm,
) -> Result<HttpResponse, Refusal> {
    let queues = queue_choices(state).await?;
    let webhooks = webhooks::list(&state.core)
        .await?
        .into_iter()
        .map(|w| row(w, &queues))
        .collect();
    let deliveries = webhooks::deliveries(&state.core, &DeliveryFilter::default(), 50)
        .await?
        .into_iter()
        .map(DeliveryRow::from)
        .collect();
    render_page(request, state, Page::Webhooks, status, |layout| {
        WebhooksPage {
            layout,
            webhooks,
            deliveries,
            queues,
            error,
            form,
        }
    })
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let form = WebhookForm {
        validate: Some("on".to_owned()),
        ..WebhookForm::default()
    };
    page(&request, &state, StatusCode::OK, None, form).await
}

/// The add form. Three header rows; a header whose name is blank is left out. Header values
/// are never put back into the page after a refusal: they are secrets.
#[derive(Deserialize, Default)]
pub struct WebhookForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    url: String,
    /// Checked queue UUIDs (a repeated field is joined by the form parser into this list).
    #[serde(default)]
    queue: Vec<String>,
    #[serde(default)]
    header_name_1: String,
    #[serde(default)]
    header_value_1: String,
    #[serde(default)]
    header_name_2: String,
    #[serde(default)]
    header_value_2: String,
    #[serde(default)]
    header_name_3: String,
    #[serde(default)]
    header_value_3: String,
    /// "on" when "Send the validation POST" is checked.
    validate: Option<String>,
}

impl WebhookForm {
    fn headers(&self) -> Vec<(String, String)> {
        [
            (&self.header_name_1, &self.header_value_1),
            (&self.header_name_2, &self.header_value_2),
            (&self.header_name_3, &self.header_value_3),
        ]
        .into_iter()
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
    }

    /// The form as it is shown again: without the secrets.
    fn without_secrets(&self) -> Self {
        Self {
            label: self.label.clone(),
            url: self.url.clone(),
            queue: self.queue.clone(),
            header_name_1: self.header_name_1.clone(),
            header_name_2: self.header_name_2.clone(),
            header_name_3: self.header_name_3.clone(),
            validate: self.validate.clone(),
            ..Self::default()
        }
    }

    fn checks(&self, queue: &str) -> bool {
        self.queue.iter().any(|q| q == queue)
    }

    fn header_names(&self) -> [&str; 3] {
        [
            &self.header_name_1,
            &self.header_name_2,
            &self.header_name_3,
        ]
    }
}

pub async fn add(
    request: HttpRequest,
    form: actix_web::web::Bytes,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    // serde_urlencoded cannot gather a repeated `queue` into a Vec: read pairs, then build.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let mut parsed = WebhookForm::default();
    for (name, value) in pairs {
        match name.as_str() {
            "label" => parsed.label = value,
            "url" => parsed.url = value,
            "queue" => parsed.queue.push(value),
            "header_name_1" => parsed.header_name_1 = value,
            "header_value_1" => parsed.header_value_1 = value,
            "header_name_2" => parsed.header_name_2 = value,
            "header_value_2" => parsed.header_value_2 = value,
            "header_name_3" => parsed.header_name_3 = value,
            "header_value_3" => parsed.header_value_3 = value,
            "validate" => parsed.validate = Some(value),
            _ => {}
        }
    }
    let headers = parsed.headers();
    let change = webhooks::create(
        &state.core,
        NewWebhook {
            label: &parsed.label,
            url: &parsed.url,
            condition: None,
            queues: &parsed.queue,
            headers: &headers,
            validate: parsed.validate.is_some(),
        },
    );
    let done = |created: webhooks::Created| {
        let said = match &created.validation {
            Some(delivery) => format!(
                "Webhook {:?} added: the validation POST was answered {}.",
                created.webhook.webhook.label.as_str(),
                delivery.last_status.unwrap_or_default()
            ),
            None => format!(
                "Webhook {:?} added without a validation POST.",
                created.webhook.webhook.label.as_str()
            ),
        };
        Redirect::with_flash("/webhooks", said)
    };
    let refused = async |problem: Problem| {
        let status = if problem.code == crate::domain::problem::Code::WebhookUnreachable {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        page(
            &request,
            &state,
            status,
            Some(problem),
            parsed.without_secrets(),
        )
        .await
    };
    submit_form(&request, &state, change, done, refused).await
}

/// "Send test": the validation POST again; the flash says how it went.
pub async fn test(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let id = webhooks::parse_id(&path)?;
        webhooks::test(&state.core, id).await
    };
    let done = |delivery: StoredDelivery| {
        let outcome = match (delivery.last_status, delivery.last_error.as_deref()) {
            (Some(status), None) => format!("answered {status}"),
            (Some(status), Some(code)) => format!("answered {status} ({code})"),
            (None, Some(code)) => format!("failed: {code}"),
            (None, None) => "was sent".to_owned(),
        };
        Redirect::with_flash(
            format!("/webhooks/deliveries/{}", delivery.id),
            format!("Test POST to {:?} {outcome}.", delivery.target),
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}

#[derive(Template)]
#[template(path = "webhook_delete.html")]
struct ConfirmDeletePage {
    layout: Layout,
    webhook: WebhookRow,
}

pub async fn confirm_delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = webhooks::parse_id(&path).map_err(AppError::from)?;
    let stored = webhooks::get(&state.core, id).await?;
    let queues = queue_choices(&state).await?;
    render_page(&request, &state, Page::Webhooks, StatusCode::OK, |layout| {
        ConfirmDeletePage {
            layout,
            webhook: row(stored, &queues),
        }
    })
}

pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let id = webhooks::parse_id(&path)?;
        webhooks::delete(&state.core, id).await
    };
    let done = |stored: StoredWebhook| {
        Redirect::with_flash(
            "/webhooks",
            format!(
                "Webhook {:?} deleted: what it had yet to send is cancelled.",
                stored.webhook.label.as_str()
            ),
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}

pub struct AttemptRow {
    pub attempt: i64,
    pub started_at: Moment,
    pub latency_ms: i64,
    pub status: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub excerpt: String,
    pub headers: Vec<String>,
}

impl From<StoredAttempt> for AttemptRow {
    fn from(a: StoredAttempt) -> Self {
        Self {
            attempt: a.attempt,
            started_at: Moment::at(a.started_at),
            latency_ms: a.latency_ms,
            status: a.status,
            error_code: a.error_code,
            error_message: a.error_message,
            excerpt: a.response_excerpt,
            headers: a
                .request_headers
                .into_iter()
                .map(|(n, v)| format!("{n}: {v}"))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "webhook_delivery.html")]
struct DeliveryPage {
    layout: Layout,
    delivery: DeliveryRow,
    body: String,
    attempts: Vec<AttemptRow>,
}

pub async fn delivery(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = webhooks::parse_delivery_id(&path).map_err(AppError::from)?;
    let (delivery, attempts) = webhooks::delivery(&state.core, id).await?;
    // Pretty when it is JSON (it always is, as the emulator writes it).
    let body = serde_json::from_str::<serde_json::Value>(&delivery.body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| delivery.body.clone());
    render_page(&request, &state, Page::Webhooks, StatusCode::OK, |layout| {
        DeliveryPage {
            layout,
            delivery: delivery.into(),
            body,
            attempts: attempts.into_iter().map(AttemptRow::from).collect(),
        }
    })
}

pub async fn redeliver(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let id = webhooks::parse_delivery_id(&path)?;
        webhooks::redeliver(&state.core, id).await
    };
    let done = |delivery: StoredDelivery| {
        Redirect::with_flash(
            format!("/webhooks/deliveries/{}", delivery.id),
            "Redelivery scheduled: the same body and Idempotency-Key go out now.",
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}
