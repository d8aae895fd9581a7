//! Webhooks, and the outbox their deliveries (and chatbot fulfilment calls) go through: a
//! delivery is a row written in the transaction that caused it, sent by `app/outbox.rs` until a
//! receiver answers 2xx or its attempts run out, every attempt logged.

use sqlx::{Row, SqliteConnection, SqlitePool, sqlite::SqliteRow};
use uuid::Uuid;

use crate::domain::webhook::Webhook;

/// A stored webhook.
#[derive(Debug, Clone)]
pub struct StoredWebhook {
    pub id: i64,
    pub webhook: Webhook,
    pub from_config: bool,
    pub created_at: i64,
}

const WEBHOOK_COLUMNS: &str =
    "id, label, url, send_condition, queues, headers, from_config, created_at";

fn webhook_of(row: &SqliteRow) -> sqlx::Result<StoredWebhook> {
    let queues: Vec<String> =
        serde_json::from_str(&row.try_get::<String, _>("queues")?).map_err(decode_error)?;
    let headers: Vec<(String, String)> =
        serde_json::from_str(&row.try_get::<String, _>("headers")?).map_err(decode_error)?;
    let webhook = Webhook::parse(
        &row.try_get::<String, _>("label")?,
        &row.try_get::<String, _>("url")?,
        &row.try_get::<String, _>("send_condition")?,
        &queues,
        &headers,
    )
    .map_err(decode_error)?;
    Ok(StoredWebhook {
        id: row.try_get("id")?,
        webhook,
        from_config: row.try_get::<i64, _>("from_config")? == 1,
        created_at: row.try_get("created_at")?,
    })
}

fn decode_error(error: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(error))
}

fn encode_error(error: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Encode(Box::new(error))
}

pub async fn insert(
    tx: &mut SqliteConnection,
    webhook: &Webhook,
    from_config: bool,
    now: i64,
) -> sqlx::Result<i64> {
    let queues: Vec<String> = webhook.queues.iter().map(Uuid::to_string).collect();
    let headers: Vec<(&str, &str)> = webhook
        .headers
        .iter()
        .map(|h| (h.name(), h.reveal()))
        .collect();
    sqlx::query_scalar(
        "INSERT INTO webhooks (label, url, send_condition, queues, headers, from_config, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(webhook.label.as_str())
    .bind(webhook.endpoint.as_str())
    .bind(webhook.condition.as_str())
    .bind(serde_json::to_string(&queues).map_err(encode_error)?)
    .bind(serde_json::to_string(&headers).map_err(encode_error)?)
    .bind(i64::from(from_config))
    .bind(now)
    .fetch_one(&mut *tx)
    .await
}

/// Replaces the config file's webhooks with these (start and reset).
pub async fn install(
    tx: &mut SqliteConnection,
    webhooks: &[Webhook],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM webhooks WHERE from_config = 1")
        .execute(&mut *tx)
        .await?;
    for webhook in webhooks {
        insert(tx, webhook, true, now).await?;
    }
    Ok(())
}

pub async fn list(executor: impl sqlx::SqliteExecutor<'_>) -> sqlx::Result<Vec<StoredWebhook>> {
    sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"
    ))
    .fetch_all(executor)
    .await?
    .iter()
    .map(webhook_of)
    .collect()
}

pub async fn get(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<StoredWebhook>> {
    sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(webhook_of)
    .transpose()
}

/// Deletes a webhook; what it still had to send is cancelled (its log stays).
pub async fn delete(pool: &SqlitePool, id: i64, now: i64) -> sqlx::Result<bool> {
    super::write_transaction(pool, async |tx| {
        sqlx::query(
            "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL, \
             updated_at = ?2 WHERE webhook_id = ?1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM webhooks WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Ok::<_, sqlx::Error>(done.rows_affected() == 1)
    })
    .await
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its next attempt (or its first).
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Its attempts ran out (or a fulfilment answer was refused).
    Failed,
    /// Its webhook was deleted before it was delivered.
    Cancelled,
}

impl DeliveryState {
    pub const ALL: [Self; 4] = [
        Self::Pending,
        Self::Delivered,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// What a delivery is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum Event {
    /// An interaction met a webhook's send condition.
    #[serde(rename = "interaction.completed")]
    InteractionCompleted,
    /// The validation POST (`{"test": "data"}`), on save or from "Send test".
    #[serde(rename = "webhook.test")]
    WebhookTest,
    /// A chatbot fulfilment action's call.
    #[serde(rename = "fulfilment")]
    Fulfilment,
}

impl Event {
    pub const ALL: [Self; 3] = [
        Self::InteractionCompleted,
        Self::WebhookTest,
        Self::Fulfilment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InteractionCompleted => "interaction.completed",
            Self::WebhookTest => "webhook.test",
            Self::Fulfilment => "fulfilment",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
}

/// A delivery to write.
pub struct NewDelivery<'a> {
    pub uuid: Uuid,
    pub webhook_id: Option<i64>,
    /// The webhook's label, or the fulfilment action's reference.
    pub target: &'a str,
    pub url: &'a str,
    pub event: Event,
    pub engagement_id: Option<i64>,
    pub body: &'a str,
    /// When its first attempt is due; `None`: it is sent at once by its caller, not the outbox.
    pub due: Option<i64>,
    pub now: i64,
}

pub async fn enqueue(tx: &mut SqliteConnection, new: &NewDelivery<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (uuid, webhook_id, target, url, event, engagement_id, \
         body, state, attempts, next_attempt_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING id",
    )
    .bind(new.uuid.to_string())
    .bind(new.webhook_id)
    .bind(new.target)
    .bind(new.url)
    .bind(new.event.as_str())
    .bind(new.engagement_id)
    .bind(new.body)
    .bind(new.due)
    .bind(new.now)
    .bind(new.now)
    .fetch_one(&mut *tx)
    .await
}

/// Deliveries without an interaction (validation POSTs, tests) kept in the log: the oldest go.
pub const KEPT_TESTS: i64 = 100;

/// Keeps the newest [`KEPT_TESTS`] deliveries that belong to no interaction.
pub async fn prune_tests(tx: &mut SqliteConnection) -> sqlx::Result<()> {
    let old = "SELECT id FROM webhook_deliveries WHERE engagement_id IS NULL \
               ORDER BY id DESC LIMIT -1 OFFSET ?";
    sqlx::query(&format!(
        "DELETE FROM webhook_attempts WHERE delivery_id IN ({old})"
    ))
    .bind(KEPT_TESTS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "DELETE FROM webhook_deliveries WHERE id IN ({old})"
    ))
    .bind(KEPT_TESTS)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A delivery, as the log shows it.
#[derive(Debug, Clone)]
pub struct StoredDelivery {
    pub id: i64,
    pub uuid: Uuid,
    pub webhook_id: Option<i64>,
    pub target: String,
    pub url: String,
    pub event: Event,
    pub engagement_id: Option<i64>,
    /// The engagement's UUID, while it is kept.
    pub interaction: Option<Uuid>,
    pub body: String,
    pub state: DeliveryState,
    pub attempts: i64,
    /// Attempts since it was made or last redelivered: what the retry schedule counts.
    pub round_attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl StoredDelivery {
    /// Whether it can be sent again: a completion's delivery whose webhook is still there.
    pub fn redeliverable(&self) -> bool {
        self.event == Event::InteractionCompleted
            && self.webhook_id.is_some()
            && self.state != DeliveryState::Cancelled
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.uuid, d.webhook_id, d.target, d.url, d.event, \
    d.engagement_id, e.uuid AS interaction, d.body, d.state, d.attempts, d.round_attempts, d.next_attempt_at, \
    d.last_status, d.last_error, d.created_at, d.updated_at";
const DELIVERY_FROM: &str =
    "webhook_deliveries d LEFT JOIN engagements e ON e.id = d.engagement_id";

fn delivery_of(row: &SqliteRow) -> sqlx::Result<StoredDelivery> {
    let uuid = |name: &str| -> sqlx::Result<Option<Uuid>> {
        row.try_get::<Option<String>, _>(name)?
            .map(|s| Uuid::try_parse(&s).map_err(decode_error))
            .transpose()
    };
    let text = |name: &str| -> sqlx::Result<String> { row.try_get::<String, _>(name) };
    Ok(StoredDelivery {
        id: row.try_get("id")?,
        uuid: uuid("uuid")?.unwrap_or_default(),
        webhook_id: row.try_get("webhook_id")?,
        target: text("target")?,
        url: text("url")?,
        event: Event::parse(&text("event")?).ok_or_else(|| decode_error(std::fmt::Error))?,
        engagement_id: row.try_get("engagement_id")?,
        interaction: uuid("interaction")?,
        body: text("body")?,
        state: DeliveryState::parse(&text("state")?)
            .ok_or_else(|| decode_error(std::fmt::Error))?,
        attempts: row.try_get("attempts")?,
        round_attempts: row.try_get("round_attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Which deliveries a list shows.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub webhook: Option<i64>,
    pub interaction: Option<Uuid>,
    pub state: Option<DeliveryState>,
    pub event: Option<Event>,
    /// Only those with a larger id.
    pub after: Option<i64>,
}

/// The newest `limit` deliveries the filter keeps, newest first.
pub async fn list_deliveries(
    pool: &SqlitePool,
    filter: &DeliveryFilter,
    limit: u32,
) -> sqlx::Result<Vec<StoredDelivery>> {
    sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} \
         WHERE (?1 IS NULL OR d.webhook_id = ?1) AND (?2 IS NULL OR e.uuid = ?2) \
         AND (?3 IS NULL OR d.state = ?3) AND (?4 IS NULL OR d.event = ?4) \
         AND (?5 IS NULL OR d.id > ?5) ORDER BY d.id DESC LIMIT ?6"
    ))
    .bind(filter.webhook)
    .bind(filter.interaction.map(|u| u.to_string()))
    .bind(filter.state.map(DeliveryState::as_str))
    .bind(filter.event.map(Event::as_str))
    .bind(filter.after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?
    .iter()
    .map(delivery_of)
    .collect()
}

pub async fn get_delivery(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<StoredDelivery>> {
    sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(delivery_of)
    .transpose()
}

/// Deliveries due by `now`, oldest due first.
pub async fn due(pool: &SqlitePool, now: i64, limit: u32) -> sqlx::Result<Vec<StoredDelivery>> {
    sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} \
         WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ? \
         ORDER BY d.next_attempt_at, d.id LIMIT ?"
    ))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?
    .iter()
    .map(delivery_of)
    .collect()
}

/// When the next scheduled attempt is due, if any is.
pub async fn next_due(pool: &SqlitePool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM webhook_deliveries")
        .fetch_one(pool)
        .await
}

/// One attempt, as it went.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub started_at: i64,
    pub latency_ms: i64,
    pub status: Option<u16>,
    pub error_code: Option<&'static str>,
    pub error_message: Option<String>,
    pub response_excerpt: String,
    /// `[name, value]`, secrets masked.
    pub request_headers: Vec<(String, String)>,
}

/// Attempts kept per delivery: the newest.
pub const KEPT_ATTEMPTS: i64 = 10;
/// Most bytes of a response's body the log keeps.
pub const EXCERPT_BYTES: usize = 1_024;
/// Most bytes of an attempt's logged request headers and of its error message: with the
/// excerpt, an attempt's row has a size the budget can reserve when its delivery is made.
pub const HEADERS_LOG_BYTES: usize = 1_024;
pub const ERROR_MESSAGE_BYTES: usize = 512;

/// What the budget reserves for a delivery whose body is `body` bytes: its row, and as many
/// attempts of the largest size as are kept (`storage/retention.rs` counts it in its
/// interaction's bytes).
pub fn delivery_cost(body: usize) -> u64 {
    let attempt = super::retention::row_cost(
        (EXCERPT_BYTES + HEADERS_LOG_BYTES + ERROR_MESSAGE_BYTES + 128) as u64,
    );
    super::retention::row_cost(body as u64 + 512) + attempt * KEPT_ATTEMPTS as u64
}

/// Logs an attempt of delivery `id` and sets what follows: `state`, and when the next attempt is
/// due (`None`: none is).
pub async fn record_attempt(
    pool: &SqlitePool,
    id: i64,
    attempt: &AttemptRecord,
    state: DeliveryState,
    next_attempt_at: Option<i64>,
) -> sqlx::Result<i64> {
    // Held to the sizes `delivery_cost` reserved.
    let mut logged: Vec<&(String, String)> = Vec::new();
    let mut size = 2;
    for header in &attempt.request_headers {
        size += header.0.len() + header.1.len() + 8;
        if size > HEADERS_LOG_BYTES {
            break;
        }
        logged.push(header);
    }
    let headers = serde_json::to_string(&logged).map_err(encode_error)?;
    let excerpt = clip(&attempt.response_excerpt, EXCERPT_BYTES);
    let message = attempt
        .error_message
        .as_deref()
        .map(|m| clip(m, ERROR_MESSAGE_BYTES));
    super::write_transaction(pool, async |tx| {
        let number: Option<i64> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, \
             round_attempts = round_attempts + 1, state = ?2, next_attempt_at = ?3, \
             last_status = ?4, last_error = ?5, updated_at = ?6 WHERE id = ?1 RETURNING attempts",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(next_attempt_at)
        .bind(attempt.status.map(i64::from))
        .bind(attempt.error_code)
        .bind(attempt.started_at + attempt.latency_ms)
        .fetch_optional(&mut *tx)
        .await?;
        // Pruned (its interaction) while it was being sent: nothing to log it in.
        let Some(number) = number else {
            return Ok::<_, sqlx::Error>(0);
        };
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, status, \
             error_code, error_message, response_excerpt, request_headers) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(number)
        .bind(attempt.started_at)
        .bind(attempt.latency_ms)
        .bind(attempt.status.map(i64::from))
        .bind(attempt.error_code)
        .bind(message)
        .bind(excerpt)
        .bind(&headers)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM webhook_attempts WHERE delivery_id = ? AND attempt <= ?")
            .bind(id)
            .bind(number - KEPT_ATTEMPTS)
            .execute(&mut *tx)
            .await?;
        Ok(number)
    })
    .await
}

/// A logged attempt.
#[derive(Debug, Clone)]
pub struct StoredAttempt {
    pub attempt: i64,
    pub started_at: i64,
    pub latency_ms: i64,
    pub status: Option<i64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub response_excerpt: String,
    pub request_headers: Vec<(String, String)>,
}

/// A delivery's kept attempts, first first.
pub async fn attempts(pool: &SqlitePool, id: i64) -> sqlx::Result<Vec<StoredAttempt>> {
    sqlx::query(
        "SELECT attempt, started_at, latency_ms, status, error_code, error_message, \
         response_excerpt, request_headers FROM webhook_attempts WHERE delivery_id = ? \
         ORDER BY attempt",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(StoredAttempt {
            attempt: row.try_get("attempt")?,
            started_at: row.try_get("started_at")?,
            latency_ms: row.try_get("latency_ms")?,
            status: row.try_get("status")?,
            error_code: row.try_get("error_code")?,
            error_message: row.try_get("error_message")?,
            response_excerpt: row.try_get("response_excerpt")?,
            request_headers: serde_json::from_str(&row.try_get::<String, _>("request_headers")?)
                .map_err(decode_error)?,
        })
    })
    .collect()
}

/// Schedules delivery `id` again now, keeping its idempotency key; `false` if it is gone.
pub async fn redeliver(pool: &SqlitePool, id: i64, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?2, updated_at = ?2, \
         round_attempts = 0 WHERE id = ?1",
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// At most `bytes` of `text`, cut at a character boundary.
pub fn clip(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Gives up on delivery `id` (its webhook or endpoint is gone).
pub async fn cancel(pool: &SqlitePool, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL, \
         updated_at = ? WHERE id = ?",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Names the webhook a validation POST's delivery validated, once it is saved.
pub async fn attach(pool: &SqlitePool, delivery: i64, webhook: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE webhook_deliveries SET webhook_id = ? WHERE id = ?")
        .bind(webhook)
        .bind(delivery)
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest attempt's row id: a follower that wants only the attempts made next starts here.
pub async fn latest_attempt(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM webhook_attempts")
        .fetch_one(pool)
        .await
}

/// Attempts logged after row `after`, in order, each with its delivery as it is now and its
/// row id; at most `limit`.
pub async fn attempts_since(
    pool: &SqlitePool,
    after: i64,
    limit: u32,
) -> sqlx::Result<Vec<(i64, StoredDelivery, StoredAttempt)>> {
    sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS}, a.id AS attempt_row, a.attempt, a.started_at AS a_started, \
         a.latency_ms, a.status, a.error_code, a.error_message, a.response_excerpt, \
         a.request_headers FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         LEFT JOIN engagements e ON e.id = d.engagement_id WHERE a.id > ? ORDER BY a.id LIMIT ?"
    ))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let attempt = StoredAttempt {
            attempt: row.try_get("attempt")?,
            started_at: row.try_get("a_started")?,
            latency_ms: row.try_get("latency_ms")?,
            status: row.try_get("status")?,
            error_code: row.try_get("error_code")?,
            error_message: row.try_get("error_message")?,
            response_excerpt: row.try_get("response_excerpt")?,
            request_headers: serde_json::from_str(&row.try_get::<String, _>("request_headers")?)
                .map_err(decode_error)?,
        };
        Ok((row.try_get("attempt_row")?, delivery_of(row)?, attempt))
    })
    .collect()
}
