//! The API's pages of the log: newest first, bounded in rows and in bytes.

use sqlx::SqlitePool;

use super::filter::{Filter, MATCHES, bind_filter};
use super::rows::{COLUMNS, StoredInteraction};

/// The most request and verdict bytes one list page carries (it always carries one row): a
/// page of 500 of the largest interactions was 250 MB.
pub const PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// One page of a list, newest first, and where the next page starts (older rows remain).
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<StoredInteraction>,
    pub next: Option<i64>,
}

/// At most `limit` rows older than `before` (a `Page::next`), and no more than `max_bytes` of
/// request and verdict, though always at least one row: sizes are read from the index first,
/// so a page of 500 KB rows never loads more rows than it returns.
pub async fn page(
    pool: &SqlitePool,
    filter: &Filter,
    limit: u32,
    before: Option<i64>,
    max_bytes: u64,
) -> sqlx::Result<Page> {
    let sizes: Vec<(i64, i64)> = bind_filter(
        sqlx::query_as(&format!(
            "SELECT seq, bytes FROM interactions WHERE {MATCHES} AND (?13 IS NULL OR seq < ?13) \
             ORDER BY seq DESC LIMIT ?14"
        )),
        filter,
    )
    .bind(before)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    let max_bytes = i64::try_from(max_bytes).unwrap_or(i64::MAX);
    let mut taken = 0;
    let mut total: i64 = 0;
    for (_, bytes) in sizes
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        total = total.saturating_add(*bytes);
        if taken > 0 && total > max_bytes {
            break;
        }
        taken += 1;
    }
    let (Some((newest, _)), Some((oldest, _))) = (sizes.first(), sizes.get(taken.max(1) - 1))
    else {
        return Ok(Page {
            rows: Vec::new(),
            next: None,
        });
    };
    let rows = bind_filter(
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM interactions WHERE {MATCHES} AND seq BETWEEN ?13 AND ?14 \
             ORDER BY seq DESC"
        )),
        filter,
    )
    .bind(oldest)
    .bind(newest)
    .fetch_all(pool)
    .await?;
    Ok(Page {
        rows,
        next: (sizes.len() > taken).then_some(*oldest),
    })
}
