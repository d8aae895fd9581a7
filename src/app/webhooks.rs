//! Generic CRM webhooks, as Talkative's settings page manages them: made (after a validation
//! POST of `{"test": "data"}` that must be answered 2xx, as Talkative checks an endpoint is
//! reachable), listed with their header values masked, tested, deleted; and their delivery log,
//! redelivery and waits. Only the management API and the portal reach these (an admin, when a
//! password is set).

use std::time::Duration;

use uuid::Uuid;

use super::{AppError, Core, outbox};
use crate::domain::problem::{Code, Problem};
use crate::domain::webhook::Webhook;
use crate::encoding::timestamp::now_millis;
use crate::storage::webhooks::{
    self, DeliveryFilter, Event, NewDelivery, StoredAttempt, StoredDelivery, StoredWebhook,
};
use crate::storage::{widget_configs, write_transaction};

/// The validation POST's body, as Talkative's article gives it.
pub const TEST_BODY: &str = r#"{"test":"data"}"#;

/// Most webhooks the emulator keeps (each completion writes a delivery per matching one).
pub const MAX_WEBHOOKS: usize = 20;

/// A webhook to make, as a request or a form gives it.
pub struct NewWebhook<'a> {
    pub label: &'a str,
    pub url: &'a str,
    pub condition: Option<&'a str>,
    pub queues: &'a [String],
    pub headers: &'a [(String, String)],
    /// Send the validation POST first, and refuse to save when it fails (Talkative's way).
    pub validate: bool,
}

/// A webhook made, and its validation POST's delivery (when one was sent).
pub struct Created {
    pub webhook: StoredWebhook,
    pub validation: Option<StoredDelivery>,
}

pub async fn create(core: &Core, new: NewWebhook<'_>) -> Result<Created, AppError> {
    let webhook = Webhook::parse(
        new.label,
        new.url,
        new.condition.unwrap_or("completed_and_wrapped"),
        new.queues,
        new.headers,
    )?;
    check_queues(core, &webhook).await?;
    if webhooks::list(&core.pool).await?.len() >= MAX_WEBHOOKS {
        return Err(Problem::new(
            Code::InvalidWebhook,
            format!("The emulator keeps at most {MAX_WEBHOOKS} webhooks."),
            "Delete one you no longer test against.",
        )
        .into());
    }
    let validation = if new.validate {
        let delivery = send_test(core, &webhook, None).await?;
        if delivery.state != webhooks::DeliveryState::Delivered {
            return Err(unreachable(&delivery).into());
        }
        Some(delivery)
    } else {
        None
    };
    let now = now_millis();
    let id = write_transaction(&core.pool, async |tx| {
        webhooks::insert(tx, &webhook, false, now).await
    })
    .await?;
    // The validation POST's delivery names the webhook it validated, now that it has an id.
    if let Some(delivery) = &validation {
        webhooks::attach(&core.pool, delivery.id, id).await?;
    }
    let webhook = get(core, id).await?;
    tracing::info!(
        webhook = %webhook.webhook.label.as_str(),
        id,
        url = webhook.webhook.endpoint.as_str(),
        "webhook added"
    );
    let validation = match validation {
        Some(delivery) => webhooks::get_delivery(&core.pool, delivery.id).await?,
        None => None,
    };
    Ok(Created {
        webhook,
        validation,
    })
}

/// Every queue a webhook names is one of a stored widget config's.
async fn check_queues(core: &Core, webhook: &Webhook) -> Result<(), AppError> {
    if webhook.queues.is_empty() {
        return Ok(());
    }
    let configs = widget_configs::list(&core.pool).await?;
    for queue in &webhook.queues {
        let known = configs
            .iter()
            .any(|config| config.queues().iter().any(|q| q.uuid == *queue));
        if !known {
            return Err(Problem::new(
                Code::InvalidWebhook,
                format!("No widget config has a queue {queue}."),
                "Name queues by the UUIDs the Widget configs page lists, or leave the queues \
                 empty to send for every queue.",
            )
            .into());
        }
    }
    Ok(())
}

fn unreachable(delivery: &StoredDelivery) -> Problem {
    let why = match (delivery.last_status, delivery.last_error.as_deref()) {
        (Some(status), _) => format!("it answered {status}"),
        (None, Some(code)) => format!("the attempt failed with {code}"),
        (None, None) => "it did not answer".to_owned(),
    };
    Problem::new(
        Code::WebhookUnreachable,
        format!(
            "The validation POST ({TEST_BODY}) to {} did not get a 2xx answer: {why}. Nothing \
             was saved.",
            delivery.url
        ),
        format!(
            "Start the receiver and answer 2xx to the test POST (Talkative checks the endpoint \
             is reachable the same way); delivery {} in the log shows what came back. To save \
             it anyway, send \"validate\": false.",
            delivery.id
        ),
    )
}

/// POSTs `{"test": "data"}` to `webhook` now and logs it as a delivery without an interaction:
/// what "Send test" and saving do. The delivery after its one attempt (no retries: a person or
/// a test is waiting for the answer).
async fn send_test(
    core: &Core,
    webhook: &Webhook,
    id: Option<i64>,
) -> Result<StoredDelivery, AppError> {
    let uuid = Uuid::new_v4();
    let now = now_millis();
    let delivery_id = write_transaction(&core.pool, async |tx| {
        let made = webhooks::enqueue(
            tx,
            &NewDelivery {
                uuid,
                webhook_id: id,
                target: webhook.label.as_str(),
                url: webhook.endpoint.as_str(),
                event: Event::WebhookTest,
                engagement_id: None,
                body: TEST_BODY,
                due: None,
                now,
            },
        )
        .await?;
        webhooks::prune_tests(tx).await?;
        Ok::<_, sqlx::Error>(made)
    })
    .await?;
    core.outbox.note_change();
    let sent = core
        .outbox
        .outbound
        .post(
            &webhook.endpoint,
            &webhook.headers,
            &uuid.to_string(),
            TEST_BODY,
            0,
        )
        .await;
    let delivery = delivery_of(core, delivery_id).await?;
    outbox::record(&core.pool, &core.outbox, &delivery, &sent, false).await;
    delivery_of(core, delivery_id).await
}

/// "Send test": the validation POST again, to a saved webhook.
pub async fn test(core: &Core, id: i64) -> Result<StoredDelivery, AppError> {
    let stored = get(core, id).await?;
    send_test(core, &stored.webhook, Some(id)).await
}

pub async fn list(core: &Core) -> Result<Vec<StoredWebhook>, AppError> {
    Ok(webhooks::list(&core.pool).await?)
}

pub async fn get(core: &Core, id: i64) -> Result<StoredWebhook, AppError> {
    webhooks::get(&core.pool, id)
        .await?
        .ok_or_else(|| webhook_not_found(id).into())
}

/// Deletes a webhook; its pending deliveries are cancelled, its log kept.
pub async fn delete(core: &Core, id: i64) -> Result<StoredWebhook, AppError> {
    let stored = get(core, id).await?;
    if webhooks::delete(&core.pool, id, now_millis()).await? {
        tracing::info!(webhook = %stored.webhook.label.as_str(), id, "webhook deleted");
        core.outbox.note_change();
    }
    Ok(stored)
}

pub fn parse_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| webhook_not_found_raw(raw))
}

fn webhook_not_found(id: i64) -> Problem {
    webhook_not_found_raw(&id.to_string())
}

fn webhook_not_found_raw(raw: &str) -> Problem {
    Problem::new(
        Code::WebhookNotFound,
        format!("No webhook with id {raw:?}."),
        "List them with GET /api/v1/webhooks (or the Webhooks page).",
    )
}

pub fn parse_delivery_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| delivery_not_found(raw))
}

fn delivery_not_found(raw: &str) -> Problem {
    Problem::new(
        Code::DeliveryNotFound,
        format!("No delivery with id {raw:?}."),
        "List them with GET /api/v1/webhook-deliveries; a delivery goes when its interaction \
         is pruned.",
    )
}

async fn delivery_of(core: &Core, id: i64) -> Result<StoredDelivery, AppError> {
    webhooks::get_delivery(&core.pool, id)
        .await?
        .ok_or_else(|| delivery_not_found(&id.to_string()).into())
}

/// A delivery and its kept attempts.
pub async fn delivery(
    core: &Core,
    id: i64,
) -> Result<(StoredDelivery, Vec<StoredAttempt>), AppError> {
    let delivery = delivery_of(core, id).await?;
    let attempts = webhooks::attempts(&core.pool, id).await?;
    Ok((delivery, attempts))
}

/// The newest deliveries the filter keeps, newest first.
pub async fn deliveries(
    core: &Core,
    filter: &DeliveryFilter,
    limit: u32,
) -> Result<Vec<StoredDelivery>, AppError> {
    Ok(webhooks::list_deliveries(&core.pool, filter, limit).await?)
}

/// Sends a delivery again, now, with the same body and idempotency key; its attempts count
/// afresh for retries.
pub async fn redeliver(core: &Core, id: i64) -> Result<StoredDelivery, AppError> {
    let delivery = delivery_of(core, id).await?;
    if delivery.event != Event::InteractionCompleted {
        return Err(Problem::new(
            Code::InvalidRequest,
            format!(
                "Delivery {id} is a {}, which is not redelivered.",
                delivery.event.as_str()
            ),
            "Send a test again with POST /api/v1/webhooks/{id}/test (or \"Send test\"); a \
             fulfilment call is made again by triggering its action.",
        )
        .into());
    }
    if !delivery.redeliverable() {
        return Err(Problem::new(
            Code::InvalidRequest,
            format!("Delivery {id}'s webhook was deleted."),
            "Add the webhook again; the interactions completed after that are delivered to it.",
        )
        .into());
    }
    webhooks::redeliver(&core.pool, id, now_millis()).await?;
    tracing::info!(delivery = %delivery.uuid, "webhook delivery scheduled again");
    core.outbox.wake();
    delivery_of(core, id).await
}

/// Deliveries matching `filter`, newest first: at once if there are any, else as soon as one
/// is made or changes to match, else none after `timeout`.
pub async fn wait_for(
    core: &Core,
    filter: &DeliveryFilter,
    limit: u32,
    timeout: Duration,
) -> Result<Vec<StoredDelivery>, AppError> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut changed = core.outbox.follow();
    loop {
        let found = webhooks::list_deliveries(&core.pool, filter, limit).await?;
        if !found.is_empty() {
            return Ok(found);
        }
        match tokio::time::timeout_at(deadline, changed.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return Ok(Vec::new()),
        }
    }
}

/// The newest attempt's position: a follower starts here ([`attempts_after`]).
pub async fn latest_attempt(core: &Core) -> Result<i64, AppError> {
    Ok(webhooks::latest_attempt(&core.pool).await?)
}

/// Attempts logged after position `after`, in order (at most `limit`), each with its delivery,
/// and the position to follow on from.
pub async fn attempts_after(
    core: &Core,
    after: i64,
    limit: u32,
) -> Result<(Vec<(StoredDelivery, StoredAttempt)>, i64), AppError> {
    let logged = webhooks::attempts_since(&core.pool, after, limit).await?;
    let next = logged.last().map_or(after, |(row, ..)| *row);
    Ok((logged.into_iter().map(|(_, d, a)| (d, a)).collect(), next))
}
