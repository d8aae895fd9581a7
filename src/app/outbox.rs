//! The outbox: how Talkative-style calls to the customer's backend are made durable. A
//! completion writes one delivery per matching webhook in its own transaction (so a crash after
//! it still sends them); a worker sends what is due, logs every attempt, and retries with
//! backoff until a 2xx answer or [`RetryPolicy::max_attempts`]. At least once: a delivery is
//! marked delivered only after its 2xx answer is written, so a crash between the two sends it
//! again, with the same idempotency key, which receivers drop repeats by.
//!
//! Bounded: a delivery counts in its interaction's bytes, reserved whole when it is made (its
//! body and its largest attempts, `storage::webhooks::delivery_cost`), pruned with it
//! (`storage/retention.rs`); deliveries without an interaction (tests) keep the newest 100.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::core_document::{Base, OneDocument};
use super::outbound::{Outbound, Sent};
use crate::domain::site::Site;
use crate::domain::webhook::{Endpoint, SendCondition};
use crate::encoding::timestamp::now_millis;
use crate::storage::engagements;
use crate::storage::retention::{Ledger, Retention, Usage, make_room};
use crate::storage::webhooks::{
    self, DeliveryState, Event, NewDelivery, StoredDelivery, delivery_cost,
};

/// When a failed delivery is tried again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each next wait doubles, up to an hour.
    pub first_retry: Duration,
    /// Attempts per delivery (and per redelivery) before it is marked failed.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(1),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempts` failed ones in this round, or `None`
    /// when they are used up.
    pub fn next_wait(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doubled = self
            .first_retry
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
        Some(doubled.min(Duration::from_secs(3_600)))
    }
}

/// The outbox's sender and what wakes it.
pub struct Outbox {
    pub outbound: Outbound,
    pub policy: RetryPolicy,
    /// Something became due (a completion, a redelivery).
    wake: Notify,
    /// Bumped whenever a delivery is made or an attempt logged: what waits and streams follow.
    changed: watch::Sender<u64>,
}

impl Outbox {
    pub fn new(outbound: Outbound, policy: RetryPolicy) -> Self {
        Self {
            outbound,
            policy,
            wake: Notify::new(),
            changed: watch::Sender::new(0),
        }
    }

    /// Tells the worker to look for due deliveries now.
    pub fn wake(&self) {
        self.wake.notify_one();
        self.note_change();
    }

    pub fn note_change(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// Follows changes to the deliveries.
    pub fn follow(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// Writes the deliveries of engagement `id`, just completed in `tx`, to every webhook whose send
/// condition and queues it meets: each body the Core API's document of it with its data
/// included, its links on `base`. Room is made in the budget first, as the batches make it.
/// How many were written.
pub async fn enqueue_completion(
    tx: &mut SqliteConnection,
    ledger: &mut Ledger,
    retention: Retention,
    id: i64,
    base: &Base,
) -> sqlx::Result<usize> {
    let all = webhooks::list(&mut *tx).await?;
    if all.is_empty() {
        return Ok(0);
    }
    let Some(engagement) = engagements::get_by_id(&mut *tx, id).await? else {
        return Ok(0);
    };
    let matching: Vec<_> = all
        .into_iter()
        .filter(|w| {
            w.webhook.condition == SendCondition::CompletedAndWrapped
                && w.webhook.applies_to(engagement.queue_uuid)
        })
        .collect();
    if matching.is_empty() {
        return Ok(0);
    }
    let view = engagements::agent_view(&mut *tx, id).await?;
    let this = format!("{}?include=interactionData", base.interaction(id));
    let document = OneDocument::new(&engagement, base, Some(view), this);
    let body = serde_json::to_string(&document).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let cost = delivery_cost(body.len()) * matching.len() as u64;
    charge(tx, ledger, retention, id, cost).await?;
    let now = now_millis();
    for webhook in &matching {
        webhooks::enqueue(
            tx,
            &NewDelivery {
                uuid: Uuid::new_v4(),
                webhook_id: Some(webhook.id),
                target: webhook.webhook.label.as_str(),
                url: webhook.webhook.endpoint.as_str(),
                event: Event::InteractionCompleted,
                engagement_id: Some(id),
                body: &body,
                due: Some(now),
                now,
            },
        )
        .await?;
    }
    Ok(matching.len())
}

/// Counts `cost` bytes of deliveries in engagement `id`'s share of the budget, pruning first
/// what the budget then does not keep (never that engagement), as the batches do.
pub async fn charge(
    tx: &mut SqliteConnection,
    ledger: &mut Ledger,
    retention: Retention,
    id: i64,
    cost: u64,
) -> sqlx::Result<()> {
    let site = Site::from_stored(engagements::site_of(&mut *tx, id).await?);
    let usage = Usage {
        rows: 0,
        bytes: cost,
    };
    make_room(
        tx,
        ledger,
        retention,
        &[(site.clone(), usage)],
        &HashSet::from([id]),
    )
    .await?;
    engagements::add_bytes(&mut *tx, id, cost).await?;
    ledger.add(&site, usage);
    Ok(())
}

/// How many due deliveries are sent at once.
const AT_ONCE: u32 = 8;
/// The longest the worker sleeps without looking (a redelivery or completion wakes it sooner).
const IDLE: Duration = Duration::from_secs(30);

/// The longest the worker waits while attempts cannot be logged.
const STALLED_AT_MOST: Duration = Duration::from_secs(60);

/// The worker: sends what is due, then sleeps until the next attempt is due or it is woken.
/// An attempt whose outcome cannot be logged (a full disk) leaves its delivery due: the worker
/// then waits 1 s, 2 s, 4 s… (at most a minute) before sending again, instead of sending it
/// again at once, over and over, while the disk stays full.
pub async fn run(pool: SqlitePool, outbox: Arc<Outbox>) {
    let mut stalled: u32 = 0;
    loop {
        let now = now_millis();
        let due = match webhooks::due(&pool, now, AT_ONCE).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "reading the webhook outbox failed; trying again in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if !due.is_empty() {
            let sends = due
                .into_iter()
                .map(|delivery| attempt(&pool, &outbox, delivery));
            let moved_on = futures_util::future::join_all(sends).await;
            if moved_on.iter().all(|moved| *moved) {
                stalled = 0;
            } else {
                let wait = Duration::from_secs(1u64 << stalled.min(6)).min(STALLED_AT_MOST);
                stalled = stalled.saturating_add(1);
                tracing::warn!(
                    wait_s = wait.as_secs(),
                    "webhook attempts could not be logged; sending again later"
                );
                tokio::time::sleep(wait).await;
            }
            continue;
        }
        let wait = match webhooks::next_due(&pool).await {
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(IDLE),
            Ok(None) => IDLE,
            Err(_) => Duration::from_secs(1),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = outbox.wake.notified() => {}
        }
    }
}

/// Sends one delivery once, and logs it: the webhook's current headers (a deleted webhook's
/// delivery is cancelled instead). Whether the delivery moved on (its attempt logged, or it
/// was cancelled): if not, it is still due.
async fn attempt(pool: &SqlitePool, outbox: &Outbox, delivery: StoredDelivery) -> bool {
    let headers = match delivery.webhook_id {
        Some(id) => match webhooks::get(pool, id).await {
            Ok(Some(webhook)) => webhook.webhook.headers,
            Ok(None) => return cancel(pool, delivery.id).await,
            Err(error) => {
                tracing::warn!(%error, "reading a webhook for its delivery failed");
                return false;
            }
        },
        None => Vec::new(),
    };
    let Ok(endpoint) = Endpoint::parse(&delivery.url) else {
        return cancel(pool, delivery.id).await;
    };
    let sent = outbox
        .outbound
        .post(
            &endpoint,
            &headers,
            &delivery.uuid.to_string(),
            &delivery.body,
            0,
        )
        .await;
    record(pool, outbox, &delivery, &sent, true).await
}

/// Logs an attempt and schedules what follows it: a retry, when `retry` and the policy allow.
/// Whether it was logged.
pub async fn record(
    pool: &SqlitePool,
    outbox: &Outbox,
    delivery: &StoredDelivery,
    sent: &Sent,
    retry: bool,
) -> bool {
    let round = u32::try_from(delivery.round_attempts + 1).unwrap_or(u32::MAX);
    let (state, next) = if sent.succeeded() {
        (DeliveryState::Delivered, None)
    } else {
        match outbox.policy.next_wait(round).filter(|_| retry) {
            Some(wait) => (
                DeliveryState::Pending,
                Some(now_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
            ),
            None => (DeliveryState::Failed, None),
        }
    };
    let record = &sent.record;
    match webhooks::record_attempt(pool, delivery.id, record, state, next).await {
        Ok(number) => {
            match (record.error_code, state) {
                (None, _) => tracing::info!(
                    delivery = %delivery.uuid, target = %delivery.target,
                    event = delivery.event.as_str(), attempt = number,
                    status = record.status, latency_ms = record.latency_ms,
                    "webhook delivered"
                ),
                (Some(code), DeliveryState::Pending) => tracing::warn!(
                    delivery = %delivery.uuid, target = %delivery.target,
                    event = delivery.event.as_str(), attempt = number, code,
                    status = record.status, retry_at = next,
                    "webhook attempt failed; retrying"
                ),
                (Some(code), _) => tracing::warn!(
                    delivery = %delivery.uuid, target = %delivery.target,
                    event = delivery.event.as_str(), attempt = number, code,
                    status = record.status, "webhook attempt failed; no more retries"
                ),
            }
            outbox.note_change();
            true
        }
        Err(error) => {
            tracing::warn!(%error, delivery = %delivery.uuid, "logging a webhook attempt failed");
            false
        }
    }
}

async fn cancel(pool: &SqlitePool, id: i64) -> bool {
    match webhooks::cancel(pool, id, now_millis()).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "cancelling a delivery failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_the_first_wait_until_the_attempts_run_out() {
        let policy = RetryPolicy {
            first_retry: Duration::from_millis(100),
            max_attempts: 4,
        };
        let waits: Vec<Option<Duration>> = (1..=4).map(|n| policy.next_wait(n)).collect();
        assert_eq!(
            waits,
            [
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(400)),
                None
            ]
        );
        let long = RetryPolicy {
            first_retry: Duration::from_secs(600),
            max_attempts: 100,
        };
        assert_eq!(long.next_wait(50), Some(Duration::from_secs(3_600)));
    }
}
