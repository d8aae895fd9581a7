//! Records interactions off the request path. Verify handlers hand records to a channel and
//! return; one task owns the log's writes.
//!
//! The task keeps at most `retention` unwritten records in memory and writes what it holds in
//! one transaction every [`WRITE_INTERVAL`], at once when a reader asks for a flush, and at
//! shutdown. A record pushed out of that buffer is one the write's own pruning would have
//! deleted in the same transaction, so no reader could ever have seen it: skipping it changes
//! nothing observable and caps SQLite work at `retention` rows per interval, however heavy the
//! load. (Under a verify load test this was the difference between SQLite taking a quarter of
//! the CPU and almost none.) Readers call [`Recorder::flush`] first, so they always see every
//! verification made before their request.
//!
//! While traffic outruns the log (records were pushed out since the last write), each timed
//! write replaces the whole log, and the only thing it buys is a fresher copy on disk should the
//! process be killed. Those writes then come every [`OVERLOADED_WRITE_INTERVAL`] instead: at
//! ~30k verifications/s, writing 10,000 rows every 2 s meant two pwrite calls per verification
//! (WAL and checkpoint) and cost ~3% of the server's CPU per request, besides the kernel's
//! writeback. Flushes for readers and the final write are unaffected.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use uuid::Uuid;

use crate::storage::interactions::{NewInteraction, insert_batch};

const QUEUE_CAPACITY: usize = 4096;
/// How often buffered records are written when nobody asks. Also the most of the log a crash
/// (not a graceful stop) can lose.
pub const WRITE_INTERVAL: Duration = Duration::from_secs(2);
/// The timed write's period while records are being pushed out unwritten, i.e. while each
/// write would replace the whole log. Also the most a crash can lose then.
pub const OVERLOADED_WRITE_INTERVAL: Duration = Duration::from_secs(10);
const WRITE_ATTEMPTS: u32 = 3;
/// Pause between drains of the queue; adds at most this much to a flush.
const DRAIN_PAUSE: Duration = Duration::from_millis(5);

enum Message {
    Record(NewInteraction),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Recorder {
    sender: mpsc::Sender<Message>,
}

impl Recorder {
    /// Starts the writer. It runs until every `Recorder` clone is dropped, then writes and stops.
    pub fn spawn(pool: SqlitePool, retention: u32) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let handle = tokio::spawn(write_loop(receiver, pool, retention));
        (Self { sender }, handle)
    }

    /// Queues a record. Waits only if the queue is full (back-pressure, not unbounded memory).
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

/// Unwritten records (newest `retention` only) and the latest use of each key among all of them.
#[derive(Default)]
struct Pending {
    records: VecDeque<NewInteraction>,
    last_use: HashMap<Uuid, i64>,
    /// Some record was pushed out unwritten: the next write replaces the whole log.
    overflowed: bool,
}

impl Pending {
    fn push(&mut self, record: NewInteraction, retention: usize) {
        if let Some(key) = record.key_used {
            let latest = self.last_use.entry(key).or_insert(record.received_at);
            *latest = (*latest).max(record.received_at);
        }
        if self.records.len() == retention {
            self.records.pop_front();
            self.overflowed = true;
        }
        self.records.push_back(record);
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty() && self.last_use.is_empty()
    }

    /// Whether the timed write (every [`WRITE_INTERVAL`]) should take these records now,
    /// `since_last_write` after the last write.
    fn timed_write_due(&self, since_last_write: Duration) -> bool {
        !self.is_empty() && (!self.overflowed || since_last_write >= OVERLOADED_WRITE_INTERVAL)
    }
}

async fn write(pool: SqlitePool, mut pending: Pending, retention: u32) {
    let batch = pending.records.make_contiguous();
    for attempt in 1..=WRITE_ATTEMPTS {
        match insert_batch(&pool, batch, &pending.last_use, retention).await {
            Ok(()) => return,
            Err(error) if attempt < WRITE_ATTEMPTS => {
                tracing::warn!(%error, attempt, "recording interactions failed; retrying");
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(error) => {
                tracing::error!(%error, lost = batch.len(), "recording interactions failed; batch dropped");
            }
        }
    }
}

async fn write_loop(mut receiver: mpsc::Receiver<Message>, pool: SqlitePool, retention: u32) {
    let capacity = usize::try_from(retention.max(1)).unwrap_or(usize::MAX);
    let mut pending = Pending::default();
    // Timed writes run beside the draining, so senders never wait on SQLite; at most one at a time.
    let mut in_flight: Option<JoinHandle<()>> = None;
    let mut acks = Vec::new();
    let mut ticker = tokio::time::interval(WRITE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_write = Instant::now();
    loop {
        let stopping = tokio::select! {
            message = receiver.recv() => match message {
                Some(Message::Record(record)) => {
                    pending.push(record, capacity);
                    // Take whatever else is already queued without going back to select.
                    while let Ok(message) = receiver.try_recv() {
                        match message {
                            Message::Record(record) => pending.push(record, capacity),
                            Message::Flush(ack) => acks.push(ack),
                        }
                    }
                    if acks.is_empty() {
                        // Pause before listening again: records sent meanwhile just queue up,
                        // instead of each one waking this task (a cross-thread wake-up per
                        // verification showed up as ~8% of CPU under load).
                        tokio::time::sleep(DRAIN_PAUSE).await;
                        continue;
                    }
                    false
                }
                Some(Message::Flush(ack)) => {
                    acks.push(ack);
                    false
                }
                None => true,
            },
            tick = ticker.tick() => {
                let busy = in_flight.as_ref().is_some_and(|write| !write.is_finished());
                if !busy && pending.timed_write_due(tick.saturating_duration_since(last_write)) {
                    let batch = std::mem::take(&mut pending);
                    in_flight = Some(tokio::spawn(write(pool.clone(), batch, retention)));
                    // The tick's own instant, so that five ticks later is exactly 10 s later.
                    last_write = tick;
                }
                continue;
            }
        };
        // A flush (or the stop): everything before it must be committed when we answer.
        if let Some(earlier) = in_flight.take() {
            let _ = earlier.await;
        }
        if !pending.is_empty() {
            write(pool.clone(), std::mem::take(&mut pending), retention).await;
            last_write = Instant::now();
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        if stopping {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use bytestring::ByteString;
    use uuid::Uuid;

    use super::{NewInteraction, OVERLOADED_WRITE_INTERVAL, Pending, WRITE_INTERVAL};

    fn record(received_at: i64) -> NewInteraction {
        NewInteraction {
            id: Uuid::new_v4(),
            received_at,
            status: "absent",
            rejected: 0,
            request: ByteString::from_static("{}"),
            verdict: ByteString::from_static("{}"),
            key_used: None,
        }
    }

    #[test]
    fn nothing_pending_is_never_written() {
        assert!(!Pending::default().timed_write_due(OVERLOADED_WRITE_INTERVAL * 2));
    }

    #[test]
    fn records_within_retention_are_written_at_every_tick() {
        let mut pending = Pending::default();
        for at in 0..3 {
            pending.push(record(at), 3);
        }
        assert_eq!(pending.records.len(), 3);
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }

    #[test]
    fn once_records_are_pushed_out_timed_writes_wait_for_the_overloaded_interval() {
        let mut pending = Pending::default();
        for at in 0..4 {
            pending.push(record(at), 3);
        }
        // The oldest went; the newest three remain, in order.
        let kept: Vec<i64> = pending.records.iter().map(|r| r.received_at).collect();
        assert_eq!(kept, [1, 2, 3]);
        for ticks in 1..5 {
            assert!(
                !pending.timed_write_due(WRITE_INTERVAL * ticks),
                "{ticks} ticks"
            );
        }
        assert!(pending.timed_write_due(OVERLOADED_WRITE_INTERVAL));

        // A write takes the buffer; what follows starts at the normal pace again.
        let _written = std::mem::take(&mut pending);
        pending.push(record(4), 3);
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }
}
