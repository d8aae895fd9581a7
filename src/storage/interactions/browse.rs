//! The portal's browsing of the log: pages of rows without their requests and verdicts, each
//! with a preview of what it carried, and the counts around a page.

use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row, SqlitePool};
use uuid::Uuid;

use super::carried::{CarriedItem, decode_codes};
use super::filter::{Filter, MATCHES, bind_filter};
use super::rows::{decode_engagement, decode_source, decode_status};
use crate::domain::problem::Code;
use crate::domain::source::Source;
use crate::verdict::SignatureStatus;

/// Items previewed per browsed row (the list and the stream), and characters of data each.
pub const PREVIEW_ITEMS: usize = 20;
pub const PREVIEW_DATA_CHARS: usize = 120;

/// One row of the portal's list: the browse columns only, read from the covering index.
#[derive(Debug, Clone)]
pub struct BrowseRow {
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: SignatureStatus,
    pub accepted: i64,
    pub rejected: i64,
    /// `None` for interactions recorded before sources were kept.
    pub source: Option<Source>,
    pub engagement: Option<Uuid>,
    /// As [`codes_of`] made them: the signature's error first.
    pub codes: Vec<Code>,
    /// The first [`PREVIEW_ITEMS`] items, data cut to [`PREVIEW_DATA_CHARS`] characters.
    pub items: Vec<CarriedItem>,
}

impl<'r> FromRow<'r, SqliteRow> for BrowseRow {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(Self {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            received_at: row.try_get("received_at")?,
            status: decode_status(row.try_get("status")?)?,
            accepted: row.try_get("accepted")?,
            rejected: row.try_get("rejected")?,
            source: decode_source(row.try_get("source")?)?,
            engagement: decode_engagement(row.try_get("engagement")?)?,
            codes: decode_codes(row.try_get("verdict_codes")?)?,
            // Read for the whole page at once, by `with_previews`.
            items: Vec::new(),
        })
    }
}

/// Fills in the previews of `rows`' items, in one query for them all.
async fn with_previews(
    pool: &SqlitePool,
    mut rows: Vec<BrowseRow>,
) -> sqlx::Result<Vec<BrowseRow>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let seqs = serde_json::to_string(&rows.iter().map(|row| row.seq).collect::<Vec<_>>())
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let previews: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
        "SELECT seq, name, label, substr(data, 1, ?2) FROM interaction_items \
         WHERE seq IN (SELECT value FROM json_each(?1)) AND position < ?3 \
         ORDER BY seq, position",
    )
    .bind(seqs)
    .bind(PREVIEW_DATA_CHARS as i64)
    .bind(PREVIEW_ITEMS as i64)
    .fetch_all(pool)
    .await?;
    let mut by_seq: HashMap<i64, Vec<CarriedItem>> = HashMap::new();
    for (seq, name, label, data) in previews {
        by_seq
            .entry(seq)
            .or_default()
            .push(CarriedItem { name, label, data });
    }
    for row in &mut rows {
        row.items = by_seq.remove(&row.seq).unwrap_or_default();
    }
    Ok(rows)
}

/// Where a browsed page sits.
#[derive(Debug, Clone, Copy)]
pub enum Position {
    Newest,
    /// The page of rows just older than this `seq` (an "older" link).
    Before(i64),
    /// The page of rows just newer than this `seq` (a "newer" link).
    After(i64),
}

/// A page of the list, newest first, and where it sits among what matches.
#[derive(Debug)]
pub struct Browse {
    pub rows: Vec<BrowseRow>,
    /// How many interactions match the filter, and how many of those are newer than this page.
    pub matching: i64,
    pub newer: i64,
    /// How many interactions the log holds.
    pub total: i64,
}

const BROWSE_COLUMNS: &str =
    "seq, id, received_at, status, accepted, rejected, source, verdict_codes, engagement";

/// A page of at most `limit` rows at `position`, with the counts for "51–100 of 8,214". The
/// queries read the browse columns only; a row's request and verdict are read from disk only
/// when they spill onto overflow pages before those columns (a row over ~4 KB).
pub async fn browse(
    pool: &SqlitePool,
    filter: &Filter,
    limit: u32,
    position: Position,
) -> sqlx::Result<Browse> {
    let rows: Vec<BrowseRow> = match position {
        Position::Newest | Position::Before(_) => {
            let before = match position {
                Position::Before(seq) => Some(seq),
                _ => None,
            };
            let rows = bind_filter(
                sqlx::query_as(&format!(
                    "SELECT {BROWSE_COLUMNS} FROM interactions \
                     WHERE {MATCHES} AND (?13 IS NULL OR seq < ?13) ORDER BY seq DESC LIMIT ?14"
                )),
                filter,
            )
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            with_previews(pool, rows).await?
        }
        Position::After(after) => {
            let mut rows = newer_than(pool, filter, after, limit).await?;
            rows.reverse();
            rows
        }
    };
    // Newer than the page's newest row; with no rows, newer than where the page would start.
    let newest_shown = rows.first().map(|r| r.seq).or(match position {
        Position::Newest => None,
        Position::Before(seq) => Some(seq - 1),
        Position::After(seq) => Some(seq),
    });
    let (matching, newer): (i64, i64) = bind_filter(
        sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(seq > ?13), 0) FROM interactions \
             WHERE {MATCHES}"
        )),
        filter,
    )
    .bind(newest_shown.unwrap_or(i64::MAX))
    .fetch_one(pool)
    .await?;
    let total = super::rows::count(pool).await?;
    Ok(Browse {
        rows,
        matching,
        newer,
        total,
    })
}

/// At most `limit` rows newer than `after` (a `seq`), oldest first: what a follower has not
/// seen yet, in the order it happened.
pub async fn newer_than(
    pool: &SqlitePool,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> sqlx::Result<Vec<BrowseRow>> {
    let rows = bind_filter(
        sqlx::query_as(&format!(
            "SELECT {BROWSE_COLUMNS} FROM interactions \
             WHERE {MATCHES} AND seq > ?13 ORDER BY seq ASC LIMIT ?14"
        )),
        filter,
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    with_previews(pool, rows).await
}

/// The ids of the interactions recorded just after and just before the one at `seq`:
/// `(newer, older)`, for a detail page's next and previous.
pub async fn neighbours(
    pool: &SqlitePool,
    seq: i64,
) -> sqlx::Result<(Option<String>, Option<String>)> {
    let newer =
        sqlx::query_scalar("SELECT id FROM interactions WHERE seq > ? ORDER BY seq LIMIT 1")
            .bind(seq)
            .fetch_optional(pool)
            .await?;
    let older =
        sqlx::query_scalar("SELECT id FROM interactions WHERE seq < ? ORDER BY seq DESC LIMIT 1")
            .bind(seq)
            .fetch_optional(pool)
            .await?;
    Ok((newer, older))
}
