use std::borrow::Cow;

use actix_web::web::Bytes;
use sqlx::{FromRow, SqlitePool};
use uuid::Uuid;

/// One verification, as recorded.
#[derive(Debug, Clone)]
pub struct NewInteraction {
    pub id: Uuid,
    pub received_at: i64,
    pub status: &'static str,
    pub rejected: i64,
    /// The request body and the verdict JSON, shared with the HTTP response (no copies).
    pub request: Bytes,
    pub verdict: Bytes,
    pub key_used: Option<Uuid>,
}

#[derive(Debug, Clone, FromRow)]
pub struct StoredInteraction {
    pub id: String,
    pub received_at: i64,
    pub status: String,
    pub rejected: i64,
    pub request: String,
    pub verdict: String,
}

/// Writes a batch in one transaction: the interactions, the keys' last use, and the pruning of
/// rows beyond `retention`. Either all of it lands or none of it.
pub async fn insert_batch(
    pool: &SqlitePool,
    batch: &[NewInteraction],
    retention: u32,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for record in batch {
        sqlx::query(
            "INSERT INTO interactions (id, received_at, status, rejected, request, verdict) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(record.id.to_string())
        .bind(record.received_at)
        .bind(record.status)
        .bind(record.rejected)
        .bind(as_text(&record.request))
        .bind(as_text(&record.verdict))
        .execute(&mut *tx)
        .await?;
        if let Some(key) = record.key_used {
            sqlx::query("UPDATE signing_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?")
                .bind(record.received_at)
                .bind(key.to_string())
                .execute(&mut *tx)
                .await?;
        }
    }
    // seq only grows, so everything more than `retention` behind the newest row is old.
    sqlx::query("DELETE FROM interactions WHERE seq <= (SELECT MAX(seq) FROM interactions) - ?")
        .bind(i64::from(retention))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

const COLUMNS: &str = "id, received_at, status, rejected, request, verdict";

/// Newest first. `status` filters on the signature status; `rejected_only` keeps interactions
/// where something was dropped.
pub async fn list(
    pool: &SqlitePool,
    limit: u32,
    status: Option<&str>,
    rejected_only: bool,
) -> sqlx::Result<Vec<StoredInteraction>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM interactions \
         WHERE (?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
         ORDER BY seq DESC LIMIT ?3"
    ))
    .bind(status)
    .bind(rejected_only)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

pub async fn get(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<StoredInteraction>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM interactions WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}

pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM interactions")
        .fetch_one(pool)
        .await
}

/// Both are JSON we parsed or produced, so UTF-8; the lossy fallback only guards the invariant.
fn as_text(bytes: &Bytes) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}
