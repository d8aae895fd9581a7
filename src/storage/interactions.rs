use bytestring::ByteString;
use std::collections::HashMap;

use std::sync::OnceLock;

use sqlx::{FromRow, SqlitePool};
use uuid::Uuid;

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

/// Writes a batch in one transaction: the interactions, the keys' last use (`last_use`, latest
/// time per key), and the pruning of rows beyond `retention`. Either all of it lands or none of it.
///
/// Rows go in multi-row INSERTs rather than one statement per row: sqlx runs SQLite on a worker
/// thread, and a round trip per row cost more in thread hand-offs than the insert itself. The
/// statements have fixed sizes (64, 32, …, 1 rows) so each is prepared once and then reused from
/// the statement cache; preparing a fresh statement per batch size churned memory.
pub async fn insert_batch(
    pool: &SqlitePool,
    batch: &[NewInteraction],
    last_use: &HashMap<Uuid, i64>,
    retention: u32,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let mut rest = batch;
    while !rest.is_empty() {
        let rows = INSERT_SIZES
            .iter()
            .copied()
            .find(|size| *size <= rest.len())
            .unwrap_or(1);
        let (chunk, remaining) = rest.split_at(rows);
        let mut insert = sqlx::query(insert_sql(rows));
        for record in chunk {
            insert = insert
                .bind(record.id.to_string())
                .bind(record.received_at)
                .bind(record.status)
                .bind(record.rejected)
                .bind(&*record.request)
                .bind(&*record.verdict);
        }
        insert.execute(&mut *tx).await?;
        rest = remaining;
    }
    for (key, used_at) in last_use {
        sqlx::query(
            "UPDATE signing_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
        )
        .bind(*used_at)
        .bind(key.to_string())
        .execute(&mut *tx)
        .await?;
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

/// Rows per INSERT statement, largest first; any batch is a sum of these.
const INSERT_SIZES: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// The INSERT text for `rows` rows (one of INSERT_SIZES), built once per size.
fn insert_sql(rows: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        INSERT_SIZES
            .iter()
            .map(|&n| {
                let values = vec!["(?, ?, ?, ?, ?, ?)"; n].join(", ");
                format!(
                    "INSERT INTO interactions (id, received_at, status, rejected, request, verdict) VALUES {values}"
                )
            })
            .collect()
    });
    let index = INSERT_SIZES
        .iter()
        .position(|&n| n == rows)
        .expect("rows is one of INSERT_SIZES");
    &texts[index]
}
