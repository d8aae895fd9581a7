//! Records what requests leave behind, off the request path, through one writer. Two kinds:
//!
//! - **Verifications on their own** (the verify endpoint, the playground): the handler pushes its
//!   record into a shared buffer and answers; it never waits on SQLite. Buffered records are
//!   written in one transaction every [`WRITE_INTERVAL`], at once when a reader asks for a
//!   flush, and at shutdown. Writing each before answering measured 0.34–0.38 of the bare
//!   endpoint's throughput against 0.80–0.87 (benches/README.md), so a crash can lose the last
//!   interval's records; how many it answered is counted where a crash cannot take it
//!   (`storage/acknowledged.rs`), and the next start says how many were lost.
//! - **Arrivals of engagements** (the widget's starts and appends, the Core API's writes):
//!   [`Recorder::commit`] waits until the entry is written, together with whatever else waits
//!   (many entries per transaction), and returns what writing it did: an arrival and the
//!   verification that judged it land in one transaction, or not at all.
//!
//! Readers call [`Recorder::flush`] (or [`Recorder::read`]) first, so they always see every
//! verification made before their request.
//!
//! Bounds: the buffer keeps at most `retention.rows` unwritten verifications (one pushed out is
//! one the write's pruning would have deleted unseen: the oldest of the site with the most
//! waiting, as pruning chooses), and at most [`Recorder::max_pending_bytes`]: a record that
//! would pass it waits for a write (backpressure) rather than being dropped. While traffic
//! outruns the log, timed writes come every [`OVERLOADED_WRITE_INTERVAL`] instead. Each write
//! prunes first what the budget does not keep (`storage/retention.rs`), counting with the
//! writer's [`Ledger`].
//!
//! A write that fails (a full disk, typically) keeps its verifications for the next attempt,
//! within the same bounds, and refuses the arrivals waiting on it (`log_unavailable`: nothing of
//! them was kept). While the last write failed, readers get [`LogUnavailable`] instead of a log
//! that silently lacks verifications, new records no longer wait for room (that would stall
//! verification on a dead disk), and what the bound then pushes out is counted as lost;
//! [`Recorder::health`] reports both.
//!
//! A locked buffer rather than a channel to a writer task: a record pushed out is freed by the
//! request's own thread, which reuses the memory at once. What each of these choices saved under
//! load is in benches/README.md, *Why the recorder is built this way*.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::domain::problem::{Code, Problem};
use crate::storage::acknowledged::Answered;
use crate::storage::batch::{self, Entry, Written};
use crate::storage::interactions::NewInteraction;
use crate::storage::retention::{Ledger, Retention};

mod pending;
use pending::{Pending, Queued, Waiter};

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

/// What the recorder is given at start.
pub struct Accounts {
    /// The count of answered records, beside the database.
    pub answered: Answered,
    /// Lost in crashes, as found at starts (this one included), in the database's life.
    pub lost_in_crashes: u64,
    /// Of those, found at this start: what the last run answered and never wrote.
    pub lost_at_start: u64,
}

struct Shared {
    pool: SqlitePool,
    retention: Retention,
    /// Most verifications `pending` holds: `retention.rows`, at least 1.
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
    /// An entry waits to be written: the writer writes at once.
    wake: Notify,
    /// Counts records as they are buffered, for whoever follows the log live (streams and
    /// waits): they read what is new (a read flushes first) when it moves. Touched only while
    /// someone follows, so the verify path pays a counter read otherwise.
    recorded: tokio::sync::watch::Sender<u64>,
    answered: Answered,
    lost_in_crashes: u64,
}

impl Recorder {
    /// Starts the writer. It runs until [`Recorder::close`].
    pub fn spawn(
        pool: SqlitePool,
        retention: Retention,
        accounts: Accounts,
    ) -> (Self, JoinHandle<()>) {
        let shared = Arc::new(Shared {
            pool,
            retention,
            capacity: usize::try_from(retention.rows.max(1)).unwrap_or(usize::MAX),
            max_pending_bytes: Self::max_pending_bytes(retention),
            pending: Mutex::new(Pending::default()),
            outage: Mutex::new(Outage {
                lost: accounts.lost_at_start,
                ..Outage::default()
            }),
            failing: AtomicBool::new(false),
            writing: tokio::sync::Mutex::new(Writer {
                last_write: Instant::now(),
                ledger: None,
            }),
            closing: Notify::new(),
            wake: Notify::new(),
            recorded: tokio::sync::watch::Sender::new(0),
            answered: accounts.answered,
            lost_in_crashes: accounts.lost_in_crashes,
        });
        let handle = tokio::spawn(writes(Arc::clone(&shared)));
        (Self { shared }, handle)
    }

    /// The unwritten buffer's byte bound: 16 MiB, or an eighth of the log's byte budget when
    /// that is smaller, so one write never takes a large share of the disk budget.
    pub fn max_pending_bytes(retention: Retention) -> usize {
        let eighth = usize::try_from(retention.bytes / 8).unwrap_or(usize::MAX);
        eighth.min(MAX_PENDING_BYTES)
    }

    /// Buffers a verification for the next write and counts it answered. Waits on SQLite only
    /// when the buffer's byte bound is reached, i.e. while huge records arrive faster than the
    /// disk takes them, and never while the log cannot be written (the oldest unwritten records
    /// are shed instead).
    pub async fn record(&self, interaction: NewInteraction) {
        self.push(Entry::Alone(interaction), None).await;
    }

    /// Writes `entry` with whatever else waits, and returns what writing it did. A write that
    /// fails refuses it (`log_unavailable`), and nothing of it is kept.
    pub async fn commit(&self, entry: Entry) -> Result<Written, LogUnavailable> {
        let (sender, receiver) = oneshot::channel();
        self.push(entry, Some(sender)).await;
        self.shared.wake.notify_one();
        receiver.await.unwrap_or_else(|_| {
            Err(LogUnavailable {
                error: "the server is stopping".to_owned(),
                unwritten: 0,
            })
        })
    }

    async fn push(&self, entry: Entry, waiter: Option<Waiter>) {
        let mut queued = Some(Queued { entry, waiter });
        loop {
            let failing = self.shared.failing.load(Ordering::Relaxed);
            let pushed = {
                let mut pending = self.shared.pending();
                let size = queued.as_ref().map_or(0, |q| q.entry.memory());
                if !failing
                    && !pending.entries.is_empty()
                    && pending.bytes.saturating_add(size) > self.shared.max_pending_bytes
                {
                    None
                } else {
                    let queued = queued.take().expect("pushed at most once");
                    if queued.waiter.is_none() {
                        self.shared.answered.add(1);
                    }
                    let pushed_out = pending.push(queued, self.shared.capacity);
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
                        self.shared.count_lost(shed.len());
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
        let written = self.shared.write(batch, &mut writer).await;
        writer.last_write = Instant::now();
        written
    }

    /// Drops what is buffered unwritten: a reset is about to wipe the log anyway, and records
    /// queued before it must not land after it. Arrivals waiting on a write are refused.
    pub async fn discard(&self) {
        let mut writer = self.shared.writing.lock().await;
        // The reset that follows changes what is kept behind the writer's back.
        writer.ledger = None;
        let dropped = self.shared.take_pending();
        let answered = dropped.answered_records();
        for waiter in dropped.waiters.into_iter().flatten() {
            let _ = waiter.send(Err(LogUnavailable {
                error: "the log was reset while this waited to be written".to_owned(),
                unwritten: 0,
            }));
        }
        // Accounted for (dropped on purpose): a crash later does not count them lost.
        let accounted = crate::storage::write_transaction(&self.shared.pool, async |tx| {
            crate::storage::acknowledged::account(tx, answered).await
        });
        if let Err(error) = accounted.await {
            tracing::warn!(%error, "could not note the records a reset dropped");
        }
        self.shared.set_failing(None);
    }

    /// Runs `write` in one transaction under the one writer's lock, with what each site holds
    /// and the budget: for a write outside the batches that adds to what is kept (a
    /// completion's webhook deliveries, `app/outbox.rs`), which must prune as the batches do
    /// and leave the ledger right. On failure the ledger is read again before the next write.
    pub async fn write_with_ledger<T>(
        &self,
        write: impl AsyncFnOnce(&mut sqlx::SqliteConnection, &mut Ledger, Retention) -> sqlx::Result<T>,
    ) -> sqlx::Result<T> {
        let mut writer = self.shared.writing.lock().await;
        let known = writer.ledger.take();
        let retention = self.shared.retention;
        let (value, ledger) = crate::storage::write_transaction(&self.shared.pool, async |tx| {
            let mut ledger = match known {
                Some(ledger) => ledger,
                None => Ledger::read(tx).await?,
            };
            let value = write(tx, &mut ledger, retention).await?;
            Ok::<_, sqlx::Error>((value, ledger))
        })
        .await?;
        writer.ledger = Some(ledger);
        Ok(value)
    }

    /// Something other than the writer deleted from the log or the engagements (a delete, a
    /// clear): the writer reads what is kept again before its next write.
    pub async fn kept_changed(&self) {
        self.shared.writing.lock().await.ledger = None;
    }

    /// The log's state for `/health`.
    pub fn health(&self) -> LogHealth {
        let unwritten = self.shared.pending().entries.len();
        let outage = self.shared.outage();
        LogHealth {
            failing: outage.failing.clone(),
            unwritten,
            lost: outage.lost,
            write_errors: outage.write_errors,
            lost_in_crashes: self.shared.lost_in_crashes,
        }
    }

    /// Writes what is buffered and stops the writer (its task then ends).
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
            unwritten: self.shared.pending().entries.len(),
        })
    }

    /// A read of the log succeeded: with nothing left unwritten, the log is whole again.
    fn read_succeeded(&self) {
        if self.shared.failing.load(Ordering::Relaxed) && self.shared.pending().entries.is_empty() {
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
    /// Answered and never written, since this start: shed because writes failed for longer than
    /// the buffer could hold, and what the last run's crash lost (found at this start).
    pub lost: u64,
    /// Writes that failed since start.
    pub write_errors: u64,
    /// Answered and never written because the server was killed before writing them, in the
    /// database's life (found at starts).
    pub lost_in_crashes: u64,
}

/// What the one writer keeps between writes.
struct Writer {
    /// When the last write was.
    last_write: Instant,
    /// What each site holds, or `None` when unknown (see `storage::batch::write`).
    ledger: Option<Ledger>,
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

    fn count_lost(&self, records: usize) {
        self.outage().lost += records as u64;
        tracing::error!(
            lost = records,
            "the interaction log cannot be written and its buffer is full; oldest records dropped"
        );
    }

    /// Writes `batch` (a few attempts) and tells those waiting what it did. On failure the
    /// verifications go back in front of the buffer, and those waiting are refused.
    async fn write(&self, mut batch: Pending, writer: &mut Writer) -> Result<(), LogUnavailable> {
        let mut error = String::new();
        for attempt in 1..=WRITE_ATTEMPTS {
            let accounted = batch.answered_records() + batch.accounted_unwritten;
            let entries = batch.entries.make_contiguous();
            let written = batch::write(
                &self.pool,
                entries,
                &batch.last_use,
                self.retention,
                &mut writer.ledger,
                accounted,
            );
            match written.await {
                Ok(results) => {
                    self.set_failing(None);
                    for (waiter, result) in batch.waiters.drain(..).zip(results) {
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(Ok(result));
                        }
                    }
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
        let unavailable = |unwritten| LogUnavailable {
            error: error.clone(),
            unwritten,
        };
        // Those waiting are told now; only what was answered already waits for another try.
        for waiter in batch.take_waiting() {
            let _ = waiter.send(Err(unavailable(0)));
        }
        let (unwritten, shed) = {
            let mut pending = self.pending();
            let newer = std::mem::take(&mut *pending);
            batch.append(newer);
            *pending = batch;
            // Past the row bound, the oldest would be pruned by the write anyway; past the
            // byte bound, they are lost.
            while pending.answered_records() as usize > self.capacity
                && pending.push_out().is_some()
            {}
            let shed = pending.shed_bytes(self.max_pending_bytes);
            (pending.entries.len(), shed)
        };
        self.set_failing(Some(error.clone()));
        self.outage().write_errors += 1;
        if !shed.is_empty() {
            self.count_lost(shed.len());
        }
        tracing::error!(%error, unwritten, "the interaction log cannot be written; kept in memory");
        Err(unavailable(unwritten))
    }
}

/// The writer: at once when an entry waits to be written, else every [`WRITE_INTERVAL`].
async fn writes(shared: Arc<Shared>) {
    let mut ticker = tokio::time::interval(WRITE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let tick = tokio::select! {
            tick = ticker.tick() => Some(tick),
            () = shared.wake.notified() => None,
            () = shared.closing.notified() => return,
        };
        let mut writer = shared.writing.lock().await;
        let batch = {
            let mut pending = shared.pending();
            let due = match tick {
                Some(tick) => {
                    pending.timed_write_due(tick.saturating_duration_since(writer.last_write))
                }
                None => !pending.is_empty(),
            };
            if !due {
                continue;
            }
            std::mem::take(&mut *pending)
        };
        // A failure is logged and its records kept; the next tick or reader tries again.
        let _ = shared.write(batch, &mut writer).await;
        // The tick's own instant, so that five ticks later is exactly 10 s later.
        writer.last_write = tick.unwrap_or_else(Instant::now);
    }
}
