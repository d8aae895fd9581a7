//! Reading the interaction log. Every read waits for the recorder to write what it holds, so
//! an interaction verified a moment ago is there, and says so when the log cannot be read.
//! Following it live ([`wait_for_newer`]) is the same read, repeated when the recorder says
//! something new was recorded: no polling, and nothing for the verify path to do while nobody
//! follows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::domain::problem::{Code, Problem};

use super::{AppError, Core};
use crate::storage::interactions::{
    self, Browse, BrowseRow, Filter, Page, Position, StoredInteraction,
};

/// At most `limit` interactions older than `before`, newest first.
pub async fn page(
    core: &Core,
    filter: Filter,
    limit: u32,
    before: Option<i64>,
) -> Result<Page, AppError> {
    let read = interactions::page(&core.pool, &filter, limit, before, interactions::PAGE_BYTES);
    Ok(core.recorder.read(read).await?)
}

/// The portal's list: a page at `position` and the counts around it.
pub async fn browse(
    core: &Core,
    filter: &Filter,
    limit: u32,
    position: Position,
) -> Result<Browse, AppError> {
    let read = interactions::browse(&core.pool, filter, limit, position);
    Ok(core.recorder.read(read).await?)
}

pub async fn get(core: &Core, id: Uuid) -> Result<Option<StoredInteraction>, AppError> {
    Ok(core
        .recorder
        .read(interactions::get(&core.pool, id))
        .await?)
}

/// How many interactions the log holds (after writing what is buffered).
pub async fn count(core: &Core) -> Result<i64, AppError> {
    Ok(core.recorder.read(interactions::count(&core.pool)).await?)
}

/// How many interactions the log holds, and their bytes (requests and verdicts).
pub async fn totals(core: &Core) -> Result<(i64, i64), AppError> {
    Ok(core.recorder.read(interactions::totals(&core.pool)).await?)
}

/// The interactions recorded just after and before `interaction`: `(newer, older)` ids.
pub async fn neighbours(
    core: &Core,
    interaction: &StoredInteraction,
) -> Result<(Option<String>, Option<String>), AppError> {
    Ok(interactions::neighbours(&core.pool, interaction.seq).await?)
}

/// Deletes one interaction (flushing what is buffered first, so a row recorded a moment ago is
/// there to delete); whether it was there.
pub async fn delete(core: &Core, id: Uuid) -> Result<bool, AppError> {
    core.recorder.flush().await?;
    let deleted = interactions::delete(&core.pool, id).await?;
    if deleted {
        core.removals.publish(Removal::Deleted(id));
    }
    Ok(deleted)
}

/// What was taken out of the log, for those following it (the live page, streams): a whole
/// log cleared (or reset), or one interaction deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Cleared,
    Deleted(Uuid),
}

/// The log's recent removals, numbered, and a signal for each: a follower remembers the number
/// it has seen and asks what came since. Bounded: a follower that missed more than it keeps is
/// told the log was cleared, and reloads.
pub struct Removals {
    numbered: tokio::sync::watch::Sender<u64>,
    recent: Mutex<std::collections::VecDeque<(u64, Removal)>>,
}

impl Default for Removals {
    fn default() -> Self {
        Self {
            numbered: tokio::sync::watch::Sender::new(0),
            recent: Mutex::new(std::collections::VecDeque::new()),
        }
    }
}

impl Removals {
    const KEPT: usize = 64;

    pub fn publish(&self, removal: Removal) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let number = *self.numbered.borrow() + 1;
        recent.push_back((number, removal));
        while recent.len() > Self::KEPT {
            recent.pop_front();
        }
        // Sent under the lock: numbers and their removals stay in step.
        self.numbered.send_replace(number);
    }

    /// The latest number, and what was removed after `seen` (`[Cleared]` when that is more
    /// than is kept).
    pub fn since(&self, seen: u64) -> (u64, Vec<Removal>) {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let latest = *self.numbered.borrow();
        if latest == seen {
            return (latest, Vec::new());
        }
        let oldest_kept = recent.front().map_or(latest + 1, |(n, _)| *n);
        if seen + 1 < oldest_kept {
            return (latest, vec![Removal::Cleared]);
        }
        let removed = recent
            .iter()
            .filter(|(n, _)| *n > seen)
            .map(|(_, r)| r.clone())
            .collect();
        (latest, removed)
    }

    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.numbered.subscribe()
    }
}

/// Empties the log, including what is buffered (it was recorded before the request to clear);
/// how many interactions that was. When the buffer cannot be written (a full disk, the very
/// time to clear), it is dropped instead, uncounted.
pub async fn clear(core: &Core) -> Result<u64, AppError> {
    if core.recorder.flush().await.is_err() {
        core.recorder.discard().await;
    }
    let cleared = interactions::clear(&core.pool).await?;
    core.removals.publish(Removal::Cleared);
    Ok(cleared)
}

/// Bounds how many clients follow the log at once, in all and per client address: each holds
/// a [`FollowerPlace`] while it follows, given back when it is dropped (the stream or the wait
/// ends, or its client goes: the server then drops the request).
pub struct Followers {
    total: Arc<Semaphore>,
    per_client: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
    max_per_client: usize,
}

/// One follower's place: among all of them, and among its client's.
pub struct FollowerPlace {
    _total: OwnedSemaphorePermit,
    client: Option<IpAddr>,
    per_client: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
}

impl Drop for FollowerPlace {
    fn drop(&mut self) {
        let mut counts = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

impl Followers {
    pub fn new(max: usize, max_per_client: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(max)),
            per_client: Arc::default(),
            max_per_client,
        }
    }

    /// A place for a follower at `client` (its address, `None` when unknown), if there is one.
    pub fn admit(&self, client: Option<IpAddr>) -> Result<FollowerPlace, AppError> {
        let client = client.map(|ip| ip.to_canonical());
        let mut counts = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let held = counts.get(&client).copied().unwrap_or(0);
        if held >= self.max_per_client {
            return Err(Problem::new(
                Code::TooManyFollowers,
                format!("This client already follows the interaction log {held} times at once."),
                "Close streams and waits you no longer read (an open Interactions tab is one), \
                 or wait for one to end, and retry.",
            )
            .into());
        }
        let total = Arc::clone(&self.total).try_acquire_owned().map_err(|_| {
            Problem::new(
                Code::TooManyFollowers,
                "Too many clients follow the interaction log at once.",
                "Close a stream you no longer read (an open Interactions tab is one) and retry.",
            )
        })?;
        counts.insert(client, held + 1);
        Ok(FollowerPlace {
            _total: total,
            client,
            per_client: Arc::clone(&self.per_client),
        })
    }

    /// How many follow now.
    pub fn following(&self) -> usize {
        let counts = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        counts.values().sum()
    }
}

/// The newest recorded interaction's position: a follower that wants only what comes next
/// starts here.
pub async fn latest(core: &Core) -> Result<i64, AppError> {
    Ok(core
        .recorder
        .read(interactions::latest_seq(&core.pool))
        .await?)
}

/// Interactions matching `filter` recorded after `after` (a `seq`), oldest first, at most
/// `limit`: at once if there are any, else as soon as one is recorded, else none after
/// `timeout`.
pub async fn wait_for_newer(
    core: &Core,
    filter: &Filter,
    after: i64,
    limit: u32,
    timeout: Duration,
) -> Result<Vec<BrowseRow>, AppError> {
    let found = wait_for(core, timeout, || async {
        let rows = interactions::newer_than(&core.pool, filter, after, limit).await?;
        Ok((!rows.is_empty()).then_some(rows))
    })
    .await?;
    Ok(found.unwrap_or_default())
}

/// The first page of `filter` (as [`page`]) once it holds anything: at once if it does, else
/// as soon as a matching interaction is recorded, else an empty page after `timeout`.
pub async fn wait_for_page(
    core: &Core,
    filter: Filter,
    limit: u32,
    timeout: Duration,
) -> Result<Page, AppError> {
    let found = wait_for(core, timeout, || async {
        let page =
            interactions::page(&core.pool, &filter, limit, None, interactions::PAGE_BYTES).await?;
        Ok((!page.rows.is_empty()).then_some(page))
    })
    .await?;
    Ok(found.unwrap_or(Page {
        rows: Vec::new(),
        next: None,
    }))
}

/// Runs `read` on the log (after the recorder writes what it holds) until it finds something,
/// reading again only when something new was recorded: no polling. `None` after `timeout`, or
/// when the server stops.
async fn wait_for<T, Read>(
    core: &Core,
    timeout: Duration,
    mut read: impl FnMut() -> Read,
) -> Result<Option<T>, AppError>
where
    Read: Future<Output = sqlx::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    // Subscribed before the first read: whatever is recorded after it wakes this wait.
    let mut recorded = core.recorder.follow();
    loop {
        if let Some(found) = core.recorder.read(read()).await? {
            return Ok(Some(found));
        }
        match tokio::time::timeout_at(deadline, recorded.changed()).await {
            Ok(Ok(())) => {}
            // Timed out, or the recorder is gone (the server is stopping).
            Ok(Err(_)) | Err(_) => return Ok(None),
        }
    }
}

/// The position of the interaction with this id, if the log still holds it.
pub async fn position_of(core: &Core, id: Uuid) -> Result<Option<i64>, AppError> {
    Ok(core
        .recorder
        .read(interactions::seq_of(&core.pool, id))
        .await?)
}

#[cfg(test)]
mod removal_tests {
    use super::*;

    #[test]
    fn a_follower_gets_what_it_missed_or_a_clear_when_it_missed_too_much() {
        let removals = Removals::default();
        assert_eq!(removals.since(0), (0, vec![]));
        let a = Uuid::new_v4();
        removals.publish(Removal::Deleted(a));
        removals.publish(Removal::Cleared);
        assert_eq!(
            removals.since(0),
            (2, vec![Removal::Deleted(a), Removal::Cleared])
        );
        assert_eq!(removals.since(1), (2, vec![Removal::Cleared]));
        assert_eq!(removals.since(2), (2, vec![]));
        for _ in 0..100 {
            removals.publish(Removal::Deleted(Uuid::new_v4()));
        }
        assert_eq!(removals.since(2), (102, vec![Removal::Cleared]));
        assert_eq!(removals.since(101).1.len(), 1);
    }
}
