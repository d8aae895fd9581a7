//! Records interactions off the request path. Verify handlers hand records to a channel; one
//! task writes them in batches (one transaction per batch), so recording never serializes
//! requests on SQLite's single writer and costs one fsync per batch instead of per request.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::storage::interactions::{NewInteraction, insert_batch};

const QUEUE_CAPACITY: usize = 8192;
const MAX_BATCH: usize = 4096;
/// After the first record of a batch arrives, wait this long for more before writing. Under
/// load this turns thousands of wake-ups and commits per second into about a hundred; when idle
/// it only delays the log by a few milliseconds (a flush skips the wait).
const COALESCE: std::time::Duration = std::time::Duration::from_millis(10);
const WRITE_ATTEMPTS: u32 = 3;

enum Message {
    Record(NewInteraction),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Recorder {
    sender: mpsc::Sender<Message>,
}

impl Recorder {
    /// Starts the writer. It runs until every `Recorder` clone is dropped, then drains and stops.
    pub fn spawn(pool: SqlitePool, retention: u32) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let handle = tokio::spawn(write_loop(receiver, pool, retention));
        (Self { sender }, handle)
    }

    /// Queues a record. Waits only if the queue is full (back-pressure instead of unbounded memory).
    pub async fn record(&self, interaction: NewInteraction) {
        if self
            .sender
            .send(Message::Record(interaction))
            .await
            .is_err()
        {
            tracing::error!("interaction recorder has stopped; record lost");
        }
    }

    /// Returns once everything queued before this call is committed.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.sender.send(Message::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

async fn write_loop(mut receiver: mpsc::Receiver<Message>, pool: SqlitePool, retention: u32) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut acks = Vec::new();
    while let Some(first) = receiver.recv().await {
        // Coalesce only when the queue is nearly empty: with a backlog there is already a batch
        // to write, and sleeping would cap throughput at MAX_BATCH per COALESCE.
        if matches!(first, Message::Record(_)) && receiver.len() < MAX_BATCH / 8 {
            tokio::time::sleep(COALESCE).await;
        }
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Record(record) => batch.push(record),
                Message::Flush(ack) => acks.push(ack),
            }
            next = if batch.len() < MAX_BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            write_with_retry(&pool, &batch, retention).await;
            batch.clear();
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
    }
}

async fn write_with_retry(pool: &SqlitePool, batch: &[NewInteraction], retention: u32) {
    for attempt in 1..=WRITE_ATTEMPTS {
        match insert_batch(pool, batch, retention).await {
            Ok(()) => return,
            Err(error) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(%error, attempt, "recording interactions failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(error) => {
                tracing::error!(%error, lost = batch.len(), "recording interactions failed; batch dropped");
            }
        }
    }
}
