//! How many verifications the server answered before their records were written, kept where a
//! crash cannot take it, so that the next start can say how many a crash lost.
//!
//! The verify endpoint answers before its record is written (every 2 s, or when the log is
//! read): writing each before answering (group commit) measured 0.34–0.38 of the bare endpoint's
//! throughput against 0.80–0.87 (benches/README.md, *Acknowledged is kept, or the answer says
//! so*). So the server counts what it answered in a file page shared with the kernel (an atomic
//! add, no system call), which survives the process being killed, and the log counts in the same
//! transaction as its rows how many answered records it has accounted for (written, or pruned
//! unseen). At the next start the difference is what the crash lost: added to the log's `lost`,
//! which `/health` reports. A power loss can lose the page's last changes too; then the count is
//! low, never high.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{SqliteConnection, SqlitePool};

/// The count of answered records, in `<database>.answered` (`[answered, epoch]`, two u64 in the
/// machine's order), or in memory for an in-memory database.
pub struct Answered {
    mapped: Option<Mapped>,
    in_memory: [AtomicU64; 2],
}

/// One page of a file, mapped shared: what is stored into it is the file's content.
struct Mapped {
    words: *const [AtomicU64; 2],
    _file: File,
}

// SAFETY: the mapping is only ever accessed through atomics, and lives as long as `Mapped`.
unsafe impl Send for Mapped {}
unsafe impl Sync for Mapped {}

const PAGE: usize = 4096;

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are those `mmap` returned; nothing uses them after.
        unsafe {
            libc::munmap(self.words as *mut libc::c_void, PAGE);
        }
    }
}

impl Answered {
    /// The count beside the database file `database` (created with zeros if missing), or in
    /// memory when there is no file.
    pub fn open(database: Option<&Path>) -> std::io::Result<Self> {
        let Some(database) = database else {
            return Ok(Self::in_memory());
        };
        let mut path = database.as_os_str().to_owned();
        path.push(".answered");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if file.metadata()?.len() < PAGE as u64 {
            file.set_len(PAGE as u64)?;
        }
        // SAFETY: a shared read-write mapping of one page of a file this process holds open
        // and has made at least that long; the server's lock on the database keeps other
        // processes off it. MAP_FAILED is checked before the pointer is used.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                std::os::fd::AsRawFd::as_raw_fd(&file),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            mapped: Some(Mapped {
                words: address as *const [AtomicU64; 2],
                _file: file,
            }),
            in_memory: Default::default(),
        })
    }

    pub fn in_memory() -> Self {
        Self {
            mapped: None,
            in_memory: Default::default(),
        }
    }

    fn words(&self) -> &[AtomicU64; 2] {
        match &self.mapped {
            // SAFETY: page-aligned (mmap), valid while `self.mapped` lives, only used atomically.
            Some(mapped) => unsafe { &*mapped.words },
            None => &self.in_memory,
        }
    }

    /// `n` more records answered before being written.
    pub fn add(&self, n: u64) {
        self.words()[0].fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> (u64, u64) {
        let words = self.words();
        (
            words[0].load(Ordering::Relaxed),
            words[1].load(Ordering::Relaxed),
        )
    }

    fn set(&self, answered: u64, epoch: u64) {
        let words = self.words();
        words[1].store(epoch, Ordering::Relaxed);
        words[0].store(answered, Ordering::Relaxed);
    }
}

/// Notes, in a write's transaction, that it accounted for `n` more answered records.
pub async fn account(tx: &mut SqliteConnection, n: u64) -> sqlx::Result<()> {
    sqlx::query("UPDATE log_accounts SET acknowledged = acknowledged + ? WHERE id = 1")
        .bind(i64::try_from(n).unwrap_or(i64::MAX))
        .execute(tx)
        .await?;
    Ok(())
}

/// At start: how many records the last run answered and never accounted for (lost in a crash),
/// added to the log's `lost`; the file and the log agree again afterwards. A file of another
/// database (another epoch) says nothing about this one.
pub async fn reconcile(pool: &SqlitePool, answered: &Answered) -> sqlx::Result<u64> {
    let (epoch, accounted): (i64, i64) =
        sqlx::query_as("SELECT epoch, acknowledged FROM log_accounts WHERE id = 1")
            .fetch_one(pool)
            .await?;
    let (epoch, accounted) = (epoch as u64, accounted as u64);
    let (counted, file_epoch) = answered.get();
    let lost = if file_epoch == epoch {
        counted.saturating_sub(accounted)
    } else {
        0
    };
    if lost > 0 {
        sqlx::query(
            "UPDATE log_accounts SET acknowledged = acknowledged + ?1, lost = lost + ?1 WHERE id = 1",
        )
        .bind(lost as i64)
        .execute(pool)
        .await?;
    }
    answered.set(accounted + lost, epoch);
    Ok(lost)
}

/// How many answered records crashes have lost, as found at starts.
pub async fn lost_in_crashes(pool: &SqlitePool) -> sqlx::Result<u64> {
    let lost: i64 = sqlx::query_scalar("SELECT lost FROM log_accounts WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok(lost as u64)
}

#[cfg(test)]
mod tests {
    use super::Answered;

    #[test]
    fn the_count_is_the_files_and_outlives_its_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("log.db");
        let answered = Answered::open(Some(&database)).unwrap();
        answered.set(0, 42);
        answered.add(3);
        answered.add(4);
        drop(answered);
        let again = Answered::open(Some(&database)).unwrap();
        assert_eq!(again.get(), (7, 42));
        let bytes = std::fs::read(dir.path().join("log.db.answered")).unwrap();
        assert_eq!(u64::from_ne_bytes(bytes[..8].try_into().unwrap()), 7);
        assert_eq!(Answered::in_memory().get(), (0, 0));
    }
}
