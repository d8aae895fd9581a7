//! A verification's row: as the writer records it ([`NewInteraction`]) and as it is read back
//! ([`StoredInteraction`]), the one set of column decoders every reader uses, and the reads and
//! deletions of single rows and of the whole log.

use bytestring::ByteString;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row, SqlitePool};
use uuid::Uuid;

use super::carried::CarriedItems;
use crate::domain::problem::Code;
use crate::domain::site::Site;
use crate::domain::source::Source;
use crate::storage::retention::{
    ITEM_COLUMNS, ITEM_INDEX, LOG_ROW_COLUMNS, LOG_ROW_INDEXES, row_cost,
};
use crate::verdict::SignatureStatus;

/// One verification, as recorded.
#[derive(Debug, Clone)]
pub struct NewInteraction {
    pub id: Uuid,
    pub received_at: i64,
    pub status: &'static str,
    pub rejected: i64,
    /// The request body and the verdict JSON: UTF-8 checked once, on the request's own thread,
    /// and shared with the HTTP response, so the recorder neither copies nor re-validates them.
    pub request: ByteString,
    pub verdict: ByteString,
    pub key_used: Option<Uuid>,
    /// The name the key that verified it had then (what `key:` searches).
    pub key_name: Option<String>,
    pub source: Source,
    /// The engagement it was an arrival of, when the widget sent it.
    pub engagement: Option<Uuid>,
    /// Whose share of the budget it counts against (domain/site.rs).
    pub site: Site,
    pub accepted: i64,
    /// See [`codes_of`] and [`items_of`].
    pub codes: Vec<Code>,
    pub items: CarriedItems,
}

impl NewInteraction {
    /// What it takes in memory while it waits to be written: its request, verdict and items.
    /// (What it will take on disk, [`Self::bytes`], is more: the pages its rows fill.)
    pub fn memory(&self) -> usize {
        self.request.len() + self.verdict.len() + self.items.0.len()
    }

    /// What the row keeps (request, verdict and the items it carried, and what SQLite spends on
    /// the row and each item: `storage/retention.rs`), the unit both retention and paging count
    /// in.
    pub fn bytes(&self) -> usize {
        let key_name = self.key_name.as_deref().map_or(0, str::len);
        let row =
            row_cost((self.request.len() + self.verdict.len() + key_name) as u64 + LOG_ROW_COLUMNS);
        let items: u64 = self
            .items
            .iter()
            .map(|(name, label, data)| {
                let text = name.map_or(0, str::len) + label.len() + data.len();
                row_cost(text as u64 + ITEM_COLUMNS) + ITEM_INDEX
            })
            .sum();
        usize::try_from(row + LOG_ROW_INDEXES + items).unwrap_or(usize::MAX)
    }
}

#[derive(Debug, Clone)]
pub struct StoredInteraction {
    /// Insertion order: newer rows have larger values. Paging cursors are made of it.
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: SignatureStatus,
    pub rejected: i64,
    pub request: String,
    pub verdict: String,
    pub engagement: Option<Uuid>,
    /// Who sent it; `None` for rows recorded before sources were kept.
    pub source: Option<Source>,
}

impl<'r> FromRow<'r, SqliteRow> for StoredInteraction {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(Self {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            received_at: row.try_get("received_at")?,
            status: decode_status(row.try_get("status")?)?,
            rejected: row.try_get("rejected")?,
            request: row.try_get("request")?,
            verdict: row.try_get("verdict")?,
            engagement: decode_engagement(row.try_get("engagement")?)?,
            source: decode_source(row.try_get("source")?)?,
        })
    }
}

/// The stored status, or an error naming what the row holds instead.
pub(super) fn decode_status(stored: &str) -> sqlx::Result<SignatureStatus> {
    stored
        .parse()
        .map_err(|()| decode_error(format!("unknown signature status {stored:?}")))
}

pub(super) fn decode_source(stored: Option<&str>) -> sqlx::Result<Option<Source>> {
    stored
        .map(|name| {
            Source::parse(name).ok_or_else(|| decode_error(format!("unknown source {name:?}")))
        })
        .transpose()
}

pub(super) fn decode_engagement(stored: Option<&str>) -> sqlx::Result<Option<Uuid>> {
    stored
        .map(|uuid| {
            Uuid::try_parse(uuid)
                .map_err(|_| decode_error(format!("engagement {uuid:?} is not a UUID")))
        })
        .transpose()
}

pub(super) fn decode_error(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

pub(super) const COLUMNS: &str =
    "seq, id, received_at, status, rejected, request, verdict, engagement, source";

/// Deletes one recorded interaction and its items; whether it was there. An engagement's
/// arrival no longer counts what it held (its arrival stays, its link to the log gone).
pub async fn delete(pool: &SqlitePool, id: Uuid) -> sqlx::Result<bool> {
    crate::storage::write_transaction(pool, async |tx| {
        let row: Option<(i64, i64, Option<String>)> =
            sqlx::query_as("SELECT seq, bytes, engagement FROM interactions WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((seq, bytes, engagement)) = row else {
            return Ok::<_, sqlx::Error>(false);
        };
        if let Some(engagement) = engagement {
            sqlx::query(
                "UPDATE engagements SET verifications = MAX(verifications - 1, 0), \
                 bytes = MAX(bytes - ?, 0) WHERE uuid = ?",
            )
            .bind(bytes)
            .bind(engagement)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM interaction_items WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM interactions WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        Ok(true)
    })
    .await
}

/// Deletes every recorded interaction; how many there were. Engagements stay, holding what they
/// hold besides their verifications.
pub async fn clear(pool: &SqlitePool) -> sqlx::Result<u64> {
    crate::storage::write_transaction(pool, async |tx| {
        sqlx::query(
            "UPDATE engagements SET verifications = 0, bytes = MAX(bytes - COALESCE((SELECT \
             SUM(bytes) FROM interactions WHERE engagement = engagements.uuid), 0), 0)",
        )
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM interactions")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM interaction_items")
            .execute(&mut *tx)
            .await?;
        Ok::<_, sqlx::Error>(done.rows_affected())
    })
    .await
}

/// How many interactions the log holds and the bytes of their requests and verdicts.
pub async fn totals(pool: &SqlitePool) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM interactions")
        .fetch_one(pool)
        .await
}

/// How many interactions the log holds.
pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM interactions")
        .fetch_one(pool)
        .await
}

/// The `seq` of the interaction with this id, if the log still holds it.
pub async fn seq_of(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT seq FROM interactions WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}

/// The newest row's `seq`, 0 for an empty log: where a follower starts.
pub async fn latest_seq(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM interactions")
        .fetch_one(pool)
        .await
}

pub async fn get(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<StoredInteraction>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM interactions WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}
