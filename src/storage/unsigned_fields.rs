//! The `unsigned_fields` table: the labels that may pass unsigned.

use sqlx::{FromRow, SqlitePool};

use crate::domain::UnsignedFieldLabel;

#[derive(Debug, Clone, FromRow)]
pub struct StoredField {
    pub label: String,
    pub created_at: i64,
}

pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<StoredField>> {
    sqlx::query_as("SELECT label, created_at FROM unsigned_fields ORDER BY label")
        .fetch_all(pool)
        .await
}

/// A duplicate label surfaces as a unique violation.
pub async fn insert(
    pool: &SqlitePool,
    label: &UnsignedFieldLabel,
    created_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO unsigned_fields (label, created_at) VALUES (?, ?)")
        .bind(label.as_str())
        .bind(created_at)
        .execute(pool)
        .await
        .map(drop)
}

/// Returns false when the label was not on the list.
pub async fn delete(pool: &SqlitePool, label: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM unsigned_fields WHERE label = ?")
        .bind(label)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
