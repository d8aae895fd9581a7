//! Reading the interaction log. Every read waits for the recorder to write what it holds, so
//! an interaction verified a moment ago is there, and says so when the log cannot be read.

use uuid::Uuid;

use super::{AppError, Core};
use crate::storage::interactions::{self, Browse, Filter, Page, Position, StoredInteraction};

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
