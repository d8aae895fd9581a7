//! Records interactions off the request path. A verify handler pushes its record into a shared
//! buffer and returns; it never waits on SQLite. Writes happen in one transaction every
//! [`WRITE_INTERVAL`], at once when a reader asks for a flush, and at shutdown, one at a time.
//! Readers call [`Recorder::flush`] (or [`Recorder::read`]) first, so they always see every
//! verification made before their request.
//!
//! Bounds: the buffer keeps at most `retention` unwritten records (one pushed out is one the
//! write's pruning would have deleted unseen, so SQLite work per write is capped under load), and
//! at most [`Recorder::max_pending_bytes`]: a record that would pass it waits for a write
//! (backpressure) rather than being dropped. While traffic outruns the log, timed writes come
//! every [`OVERLOADED_WRITE_INTERVAL`] instead, since each would only refresh the copy on disk.
//!
//! A write that fails (a full disk, typically) keeps its records for the next attempt, within the
//! same bounds. While the last write failed, readers get [`LogUnavailable`] instead of a log that
//! silently lacks verifications, new records no longer wait for room (that would stall
//! verification on a dead disk), and what the bound then pushes out is counted as lost;
//! [`Recorder::health`] reports both.
//!
//! A locked buffer rather than a channel to a writer task: a record pushed out is freed by the
//! request's own thread, which reuses the memory at once. What each of these choices saved under
//! load is in benches/README.md, *Why the recorder is built this way*.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use uuid::Uuid;

use crate::domain::problem::{Code, Problem};
use crate::storage::interactions::{NewInteraction, Retention, insert_batch};

/// How often buffered records are written when nobody asks. Also the most of the log a crash
/// (not a graceful stop) can lose.
pub const WRITE_INTERVAL: Duration = Duration::from_secs(2);
/// The timed write's period while records are being pushed out unwritten, i.e. while each
/// write would replace the whole log. Also the most a crash can lose then.
pub const OVERLOADED_WRITE_INTERVAL: Duration = Duration::from_secs(10);
const WRITE_ATTEMPTS: u32 = 3;
/// The unwritten buffer's byte bound, at most: with the batch being written beside it, two of
/// these plus the server's own ~20 MiB stay well under 128 MiB.
const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

struct Shared {
    pool: SqlitePool,
    retention: Retention,
    /// Most records `pending` holds: `retention.rows`, at least 1.
    capacity: usize,
    /// Most bytes `pending` holds before a new record waits for a write (one record always fits).
    max_pending_bytes: usize,
    pending: Mutex<Pending>,
    /// Whether the last write failed, and how many records were lost to it since start.
    outage: Mutex<Outage>,
    /// `outage.failing.is_some()`, readable on the verify path without taking a lock.
    failing: AtomicBool,
    /// Held for the whole of a write, so writes land in the order their records were taken.
    writing: tokio::sync::Mutex<Writer>,
    closing: Notify,
    /// Counts records as they are buffered, for whoever follows the log live (streams and
    /// waits): they read what is new (a read flushes first) when it moves. Touched only while
    /// someone follows, so the verify path pays a counter read otherwise.
    recorded: tokio::sync::watch::Sender<u64>,
}

impl Recorder {
    /// Starts the timed writer. It runs until [`Recorder::close`].
    pub fn spawn(pool: SqlitePool, retention: Retention) -> (Self, JoinHandle<()>) {
        let shared = Arc::new(Shared {
            pool,
            retention,
            capacity: usize::try_from(retention.rows.max(1)).unwrap_or(usize::MAX),
            max_pending_bytes: Self::max_pending_bytes(retention),
            pending: Mutex::new(Pending::default()),
            outage: Mutex::new(Outage::default()),
            failing: AtomicBool::new(false),
            writing: tokio::sync::Mutex::new(Writer {
                last_write: Instant::now(),
                log_bytes: None,
            }),
            closing: Notify::new(),
            recorded: tokio::sync::watch::Sender::new(0),
        });
        let handle = tokio::spawn(timed_writes(Arc::clone(&shared)));
        (Self { shared }, handle)
    }

    /// The unwritten buffer's byte bound: 16 MiB, or an eighth of the log's byte budget when
    /// that is smaller, so one write never takes a large share of the disk budget.
    pub fn max_pending_bytes(retention: Retention) -> usize {
        let eighth = usize::try_from(retention.bytes / 8).unwrap_or(usize::MAX);
        eighth.min(MAX_PENDING_BYTES)
    }

    /// Buffers a record for the next write. Waits on SQLite only when the buffer's byte bound
    /// is reached, i.e. while huge records arrive faster than the disk takes them, and never
    /// while the log cannot be written (the oldest unwritten records are shed instead).
    pub async fn record(&self, interaction: NewInteraction) {
        let mut interaction = Some(interaction);
        loop {
            let failing = self.shared.failing.load(Ordering::Relaxed);
            let pushed = {
                let mut pending = self.shared.pending();
                let size = interaction.as_ref().map_or(0, NewInteraction::bytes);
                if !failing
                    && !pending.records.is_empty()
                    && pending.bytes.saturating_add(size) > self.shared.max_pending_bytes
                {
                    None
                } else {
                    let record = interaction.take().expect("pushed at most once");
                    let pushed_out = pending.push(record, self.shared.capacity);
                    let shed = if failing {
                        pending.shed_bytes(self.shared.max_pending_bytes)
                    } else {
                        Vec::new()
                    };
                    Some((pushed_out, shed))
                }
            };
            match pushed {
                // Dropped here, after the lock is released, by the thread that made records
                // like them.
                Some((pushed_out, shed)) => {
                    if !shed.is_empty() {
                        self.shared.count_lost(&shed);
                    }
                    drop((pushed_out, shed));
                    if self.shared.recorded.receiver_count() > 0 {
                        self.shared.recorded.send_modify(|n| *n = n.wrapping_add(1));
                    }
                    return;
                }
                // Room is made by writing; if that fails, the next turn sheds instead.
                None => {
                    let _ = self.flush().await;
                }
            }
        }
    }

    /// Changes whenever a record is buffered from now on (its value means nothing). Subscribe
    /// before reading the log, so that nothing recorded in between is missed.
    pub fn follow(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.recorded.subscribe()
    }

    /// Returns once everything recorded before this call is committed, or says why it could
    /// not be (the records stay buffered for the next attempt).
    pub async fn flush(&self) -> Result<(), LogUnavailable> {
        let mut writer = self.shared.writing.lock().await;
        let batch = self.shared.take_pending();
        if batch.is_empty() {
            return Ok(());
        }
        let written = self.shared.write(batch, &mut writer.log_bytes).await;
        writer.last_write = Instant::now();
        written
    }

    /// Drops what is buffered unwritten: a reset is about to wipe the log anyway, and records
    /// queued before it must not land after it.
    pub async fn discard(&self) {
        let mut writer = self.shared.writing.lock().await;
        // The reset that follows changes the log's size behind the writer's back.
        writer.log_bytes = None;
        drop(self.shared.take_pending());
        self.shared.set_failing(None);
    }

    /// The log's state for `/health`.
    pub fn health(&self) -> LogHealth {
        let unwritten = self.shared.pending().records.len();
        let outage = self.shared.outage();
        LogHealth {
            failing: outage.failing.clone(),
            unwritten,
            lost: outage.lost,
            write_errors: outage.write_errors,
        }
    }

    /// Writes what is buffered and stops the timed writer (its task then ends).
    pub async fn close(&self) {
        if let Err(unavailable) = self.flush().await {
            tracing::error!(
                error = %unavailable.error,
                lost = unavailable.unwritten,
                "stopping with interactions the log could not write; they are lost"
            );
        }
        self.shared.closing.notify_one();
    }
}

/// The interaction log cannot be read in full: its last write failed, and what it could not
/// write waits in memory for the next attempt.
#[derive(Debug, Clone)]
pub struct LogUnavailable {
    /// What SQLite said, e.g. "database or disk is full".
    pub error: String,
    /// Records waiting in memory.
    pub unwritten: usize,
}

/// A read of the log that failed: because of the disk (reported like a write that failed, and
/// marking the log unavailable until a write or a read succeeds), or for any other reason (a
/// bug: a 500).
#[derive(Debug)]
pub enum LogReadError {
    Unavailable(LogUnavailable),
    Database(sqlx::Error),
}

impl Recorder {
    /// Reads the log: first writes everything recorded before this call (so a reader sees every
    /// verification made before its request), then runs `read`. Storage failures, writing or
    /// reading, come back as [`LogReadError::Unavailable`].
    pub async fn read<T>(
        &self,
        read: impl Future<Output = sqlx::Result<T>>,
    ) -> Result<T, LogReadError> {
        self.flush().await.map_err(LogReadError::Unavailable)?;
        match read.await {
            Ok(value) => {
                self.read_succeeded();
                Ok(value)
            }
            Err(error) => Err(self.read_failed(error)),
        }
    }

    fn read_failed(&self, error: sqlx::Error) -> LogReadError {
        if !crate::storage::is_storage_failure(&error) {
            return LogReadError::Database(error);
        }
        tracing::error!(%error, "reading the interaction log failed");
        let error = error.to_string();
        self.shared.set_failing(Some(error.clone()));
        LogReadError::Unavailable(LogUnavailable {
            error,
            unwritten: self.shared.pending().records.len(),
        })
    }

    /// A read of the log succeeded: with nothing left unwritten, the log is whole again.
    fn read_succeeded(&self) {
        if self.shared.failing.load(Ordering::Relaxed) && self.shared.pending().records.is_empty() {
            self.shared.set_failing(None);
        }
    }
}

impl LogUnavailable {
    pub fn problem(&self) -> Problem {
        Problem::new(
            Code::LogUnavailable,
            format!(
                "The interaction log cannot be written ({}), so it would not show every \
                 verification made so far; {} wait in memory.",
                self.error, self.unwritten
            ),
            "Free disk space where the database lives; the log catches up by itself. \
             Verification goes on meanwhile, and /health shows the log's state.",
        )
    }
}

/// The interaction log's state.
#[derive(Debug, Clone)]
pub struct LogHealth {
    /// The last write's error, while writes fail.
    pub failing: Option<String>,
    /// Records verified but not yet written.
    pub unwritten: usize,
    /// Records shed since start because writes failed for longer than the buffer could hold.
    pub lost: u64,
    /// Writes that failed since start.
    pub write_errors: u64,
}

/// What the one writer keeps between writes.
struct Writer {
    /// When the last write was.
    last_write: Instant,
    /// An upper bound of the log's bytes, or `None` when unknown (see `insert_batch`).
    log_bytes: Option<i64>,
}

#[derive(Debug, Default)]
struct Outage {
    failing: Option<String>,
    lost: u64,
    /// Writes that failed since start (each retried later).
    write_errors: u64,
}

impl Shared {
    /// The buffer. A panic elsewhere while it was held cannot leave it half-changed (a push and
    /// a pop are each complete), so a poisoned lock is used as it is.
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_pending(&self) -> Pending {
        std::mem::take(&mut *self.pending())
    }

    fn outage(&self) -> MutexGuard<'_, Outage> {
        self.outage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records whether (and why) the log cannot be written.
    fn set_failing(&self, error: Option<String>) {
        let mut outage = self.outage();
        self.failing.store(error.is_some(), Ordering::Relaxed);
        outage.failing = error;
    }

    fn count_lost(&self, records: &[NewInteraction]) {
        self.outage().lost += records.len() as u64;
        tracing::error!(
            lost = records.len(),
            "the interaction log cannot be written and its buffer is full; oldest records dropped"
        );
    }

    /// Writes `batch` (a few attempts). On failure its records go back in front of the buffer.
    async fn write(
        &self,
        mut batch: Pending,
        log_bytes: &mut Option<i64>,
    ) -> Result<(), LogUnavailable> {
        let mut error = String::new();
        for attempt in 1..=WRITE_ATTEMPTS {
            let records = batch.records.make_contiguous();
            let inserted = insert_batch(
                &self.pool,
                records,
                &batch.last_use,
                self.retention,
                log_bytes,
            );
            match inserted.await {
                Ok(()) => {
                    self.set_failing(None);
                    return Ok(());
                }
                Err(failure) => {
                    tracing::warn!(error = %failure, attempt, "recording interactions failed");
                    error = failure.to_string();
                }
            }
            if attempt < WRITE_ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
        }
        let (unwritten, shed) = {
            let mut pending = self.pending();
            let newer = std::mem::take(&mut *pending);
            batch.append(newer);
            *pending = batch;
            // Past the row bound, the oldest would be pruned by the write anyway; past the
            // byte bound, they are lost.
            while pending.records.len() > self.capacity {
                pending.pop_oldest();
            }
            let shed = pending.shed_bytes(self.max_pending_bytes);
            (pending.records.len(), shed)
        };
        self.set_failing(Some(error.clone()));
        self.outage().write_errors += 1;
        if !shed.is_empty() {
            self.count_lost(&shed);
        }
        tracing::error!(%error, unwritten, "the interaction log cannot be written; kept in memory");
        Err(LogUnavailable { error, unwritten })
    }
}

/// Unwritten records (newest `retention` only) and the latest use of each key among all of them.
#[derive(Default)]
struct Pending {
    records: VecDeque<NewInteraction>,
    /// What `records` take, as [`NewInteraction::bytes`] counts.
    bytes: usize,
    last_use: HashMap<Uuid, i64>,
    /// Some record was pushed out unwritten: the next write replaces the whole log.
    overflowed: bool,
}

impl Pending {
    /// Adds a record; returns the oldest one if the buffer was full.
    fn push(&mut self, record: NewInteraction, capacity: usize) -> Option<NewInteraction> {
        if let Some(key) = record.key_used {
            let latest = self.last_use.entry(key).or_insert(record.received_at);
            *latest = (*latest).max(record.received_at);
        }
        let pushed_out = if self.records.len() >= capacity {
            self.overflowed = true;
            self.records.pop_front()
        } else {
            None
        };
        self.bytes =
            self.bytes + record.bytes() - pushed_out.as_ref().map_or(0, NewInteraction::bytes);
        self.records.push_back(record);
        pushed_out
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty() && self.last_use.is_empty()
    }

    fn pop_oldest(&mut self) -> Option<NewInteraction> {
        let oldest = self.records.pop_front()?;
        self.bytes -= oldest.bytes();
        Some(oldest)
    }

    /// Drops the oldest records until the rest take at most `max_bytes` (one always stays).
    fn shed_bytes(&mut self, max_bytes: usize) -> Vec<NewInteraction> {
        let mut shed = Vec::new();
        while self.bytes > max_bytes && self.records.len() > 1 {
            shed.extend(self.pop_oldest());
        }
        shed
    }

    /// Puts `newer` (recorded after these) behind these records.
    fn append(&mut self, newer: Pending) {
        for (key, used) in newer.last_use {
            let latest = self.last_use.entry(key).or_insert(used);
            *latest = (*latest).max(used);
        }
        self.bytes += newer.bytes;
        self.records.extend(newer.records);
        self.overflowed |= newer.overflowed;
    }

    /// Whether the timed write (every [`WRITE_INTERVAL`]) should take these records now,
    /// `since_last_write` after the last write.
    fn timed_write_due(&self, since_last_write: Duration) -> bool {
        !self.is_empty() && (!self.overflowed || since_last_write >= OVERLOADED_WRITE_INTERVAL)
    }
}

async fn timed_writes(shared: Arc<Shared>) {
    let mut ticker = tokio::time::interval(WRITE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let tick = tokio::select! {
            tick = ticker.tick() => tick,
            () = shared.closing.notified() => return,
        };
        let mut writer = shared.writing.lock().await;
        let batch = {
            let mut pending = shared.pending();
            if !pending.timed_write_due(tick.saturating_duration_since(writer.last_write)) {
                continue;
            }
            std::mem::take(&mut *pending)
        };
        // A failure is logged and its records kept; the next tick or reader tries again.
        let _ = shared.write(batch, &mut writer.log_bytes).await;
        // The tick's own instant, so that five ticks later is exactly 10 s later.
        writer.last_write = tick;
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
            source: crate::storage::interactions::Source::Api,
            engagement: None,
            accepted: 0,
            codes: Vec::new(),
            items: Default::default(),
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
            assert!(pending.push(record(at), 3).is_none());
        }
        assert_eq!(pending.records.len(), 3);
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }

    #[test]
    fn once_records_are_pushed_out_timed_writes_wait_for_the_overloaded_interval() {
        let mut pending = Pending::default();
        let pushed_out: Vec<i64> = (0..4)
            .filter_map(|at| pending.push(record(at), 3))
            .map(|r| r.received_at)
            .collect();
        // The oldest went back to the caller; the newest three remain, in order.
        assert_eq!(pushed_out, [0]);
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
        assert!(pending.push(record(4), 3).is_none());
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }
}
