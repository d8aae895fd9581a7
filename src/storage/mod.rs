//! SQLite persistence. Every query is parameterized; every multi-statement write is a transaction.

pub mod acknowledged;
pub mod api_keys;
pub mod batch;
pub mod engagements;
pub mod interactions;
pub mod retention;
pub mod seeding;
pub mod signing_keys;
pub mod unsigned_fields;
pub mod webhooks;
pub mod widget_configs;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};

/// The database a server owns: its pool, the count of what it answered before writing
/// (`acknowledged.rs`), and the lock that keeps a second server off the file.
pub struct Database {
    pub pool: SqlitePool,
    /// Taken by the recorder at start.
    pub answered: Option<acknowledged::Answered>,
    /// What the last run answered and never wrote (a crash), found at this start.
    pub lost_at_start: u64,
    /// All such losses found at starts, in the database's life.
    pub lost_in_crashes: u64,
    /// Held for the server's life; the kernel releases it however the process ends.
    _lock: Option<File>,
}

/// Opens (creating if missing) and migrates the database, after taking the lock that makes this
/// server its only one: each server keeps the keys and fields in memory, so a second server on
/// the same file would go on verifying with a key deleted through the first.
/// `write_ahead_log_bytes` bounds SQLite's write-ahead log (`Settings::write_ahead_log_bytes`).
pub async fn open_exclusive(
    database_url: &str,
    write_ahead_log_bytes: u64,
) -> anyhow::Result<Database> {
    let options = parse_url(database_url)?;
    let lock = match file_of(&options) {
        Some(file) => Some(lock_database_file(database_url, file)?),
        None => None,
    };
    let file = file_of(&options).map(Path::to_path_buf);
    let pool = connect(options, write_ahead_log_bytes).await?;
    let answered = acknowledged::Answered::open(file.as_deref())
        .context("opening the count of answered verifications beside the database")?;
    let lost_at_start = acknowledged::reconcile(&pool, &answered)
        .await
        .context("reading the interaction log's accounts")?;
    if lost_at_start > 0 {
        tracing::warn!(
            lost = lost_at_start,
            "the last run stopped without writing verifications it had answered (a crash or \
             kill -9 within 2 s of them); /health counts them in interactionLog.lost"
        );
    }
    let lost_in_crashes = acknowledged::lost_in_crashes(&pool).await?;
    Ok(Database {
        pool,
        answered: Some(answered),
        lost_at_start,
        lost_in_crashes,
        _lock: lock,
    })
}

fn parse_url(database_url: &str) -> anyhow::Result<SqliteConnectOptions> {
    SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("parsing DATABASE_URL {database_url:?}"))
}

/// The database's file, `None` for an in-memory database (which no other process can open and
/// nothing can sit beside).
fn file_of(options: &SqliteConnectOptions) -> Option<&Path> {
    let filename = options.get_filename();
    let name = filename.as_os_str().to_string_lossy();
    (name != ":memory:" && !name.starts_with("file:sqlx-in-memory")).then_some(filename)
}

/// The file `database_url` names, as the server opens it: what files kept beside the database
/// (the lock, the answered count, the TLS folder) are named after. `None` when in memory.
pub fn database_file(database_url: &str) -> anyhow::Result<Option<PathBuf>> {
    Ok(file_of(&parse_url(database_url)?).map(Path::to_path_buf))
}

/// An exclusive lock on `<database file>.lock`, or an error naming the server that holds it.
/// A lock file beside the database, not the database itself: SQLite's own locks are on that.
fn lock_database_file(database_url: &str, filename: &Path) -> anyhow::Result<File> {
    let mut lock_path = filename.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening the lock file {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "another talkative-emulator is already serving {database_url} (it holds {}). Stop \
             it, or give this one its own --database-url: two servers on one file would each \
             keep their own copy of the keys, so a key deleted through one would still verify \
             on the other",
            lock_path.display()
        ),
        Err(TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("locking {}", lock_path.display()))
        }
    }
}

async fn connect(
    options: SqliteConnectOptions,
    write_ahead_log_bytes: u64,
) -> anyhow::Result<SqlitePool> {
    let database_url = options.get_filename().display().to_string();
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: an acknowledged write survives power loss, not only a process crash.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // 1 MiB of page cache per connection instead of 2: the hot path reads nothing from
        // SQLite, and the load test's memory budget (64 MiB after 1 M verifications) is tight.
        .pragma("cache_size", "-1024")
        // The write-ahead log is written back once it passes this many pages, and cut back to
        // this size afterwards (SQLite otherwise leaves the file at its largest): the database
        // and its log together stay within the disk budget.
        .pragma(
            "wal_autocheckpoint",
            (write_ahead_log_bytes / 4096).max(16).to_string(),
        )
        .pragma("journal_size_limit", write_ahead_log_bytes.to_string());
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the SQLite database {database_url:?}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("applying database migrations")?;
    Ok(pool)
}

/// Runs `write` in a transaction on a connection of its own, committed if `write` succeeds and
/// rolled back if it returns an error.
///
/// The transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), waiting for it up to
/// the busy timeout. A plain (deferred) BEGIN reads first and asks for the lock at its first
/// write; if another connection wrote in between (the recorder's batches, another request),
/// SQLite cannot let it write on its old snapshot and answers SQLITE_BUSY at once, without
/// waiting: an engagement's append failed with `database is locked` while a wait was flushing
/// the log.
///
/// When anything fails, that connection is closed instead of going back to the pool. After a
/// failed COMMIT (SQLITE_FULL, an I/O error), sqlx's count of the connection's open
/// transactions can be out of step with SQLite's: its ROLLBACK counts down only when the
/// statement succeeds. The next BEGIN on that connection then became a SAVEPOINT inside the
/// stale transaction, reported success, and was thrown away by the rollback that followed: the
/// interaction log silently lost what it retried after a full disk. Closing a connection rolls
/// back whatever it still holds.
pub async fn write_transaction<T, E: From<sqlx::Error>>(
    pool: &SqlitePool,
    write: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, E>,
) -> Result<T, E> {
    let mut connection = pool.acquire().await?;
    let result = async {
        let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
        let value = write(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }
    .await;
    if result.is_err()
        && let Err(error) = connection.detach().close().await
    {
        tracing::warn!(%error, "closing a connection after a failed write");
    }
    result
}

/// True for SQLite's I/O-class failures (SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, with their
/// extended codes): the disk, not the query, is at fault.
pub fn is_storage_failure(error: &sqlx::Error) -> bool {
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    let sqlx::Error::Database(e) = error else {
        return matches!(error, sqlx::Error::Io(_));
    };
    e.code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|extended| matches!(extended & 0xff, IOERR | FULL | CANTOPEN))
}

/// True if the error is a UNIQUE or PRIMARY KEY constraint violation.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}
