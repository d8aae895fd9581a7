//! Reading the interaction log. Every read waits for the recorder to write what it holds, so
//! an interaction verified a moment ago is there, and says so when the log cannot be read.
//! Following it live ([`wait_for_newer`]) is the same read, repeated when the recorder says
//! something new was recorded: no polling, and nothing for the verify path to do while nobody
//! follows.

use std::sync::Arc;
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

/// Empties the log, including what is buffered (it was recorded before the request to clear);
/// how many interactions that was. When the buffer cannot be written (a full disk, the very
/// time to clear), it is dropped instead, uncounted.
pub async fn clear(core: &Core) -> Result<u64, AppError> {
    if core.recorder.flush().await.is_err() {
        core.recorder.discard().await;
    }
    Ok(interactions::clear(&core.pool).await?)
}

/// Bounds how many clients follow the log at once: each holds a permit while it follows.
pub struct Followers(Arc<Semaphore>);

impl Followers {
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max)))
    }

    pub fn admit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        Arc::clone(&self.0).try_acquire_owned().map_err(|_| {
            Problem::new(
                Code::TooManyFollowers,
                "Too many clients follow the interaction log at once.",
                "Close a stream you no longer read (an open Interactions tab is one) and retry.",
            )
            .into()
        })
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
