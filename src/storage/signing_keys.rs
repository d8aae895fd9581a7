//! The `signing_keys` table: public keys as PEM, with name, fingerprint, state and last use.

use sqlx::{FromRow, SqlitePool};
use uuid::Uuid;

use crate::domain::{KeyName, SigningKey};

#[derive(Debug, Clone, FromRow)]
pub struct StoredKey {
    pub id: String,
    pub name: String,
    pub public_key_pem: String,
    pub fingerprint: String,
    pub created_at: i64,
    pub active: bool,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, name, public_key_pem, fingerprint, created_at, active, last_used_at";

pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<StoredKey>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM signing_keys ORDER BY created_at, id"
    ))
    .fetch_all(pool)
    .await
}

pub async fn get(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<StoredKey>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM signing_keys WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}

pub async fn find_by_fingerprint(
    pool: &SqlitePool,
    fingerprint: &str,
) -> sqlx::Result<Option<StoredKey>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE fingerprint = ?"
    ))
    .bind(fingerprint)
    .fetch_optional(pool)
    .await
}

/// Inserts a key; a duplicate fingerprint surfaces as a unique violation.
pub async fn insert(
    pool: &SqlitePool,
    id: Uuid,
    name: &KeyName,
    key: &SigningKey,
    created_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (id, name, public_key_pem, fingerprint, created_at, active) \
         VALUES (?, ?, ?, ?, ?, 1)",
    )
    .bind(id.to_string())
    .bind(name.as_str())
    .bind(key.to_pem())
    .bind(key.fingerprint())
    .bind(created_at)
    .execute(pool)
    .await
    .map(drop)
}

/// Returns false when no key has that id.
pub async fn set_active(pool: &SqlitePool, id: Uuid, active: bool) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE signing_keys SET active = ? WHERE id = ?")
        .bind(active)
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn rename(pool: &SqlitePool, id: Uuid, name: &KeyName) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE signing_keys SET name = ? WHERE id = ?")
        .bind(name.as_str())
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Returns false when no key has that id.
pub async fn delete(pool: &SqlitePool, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM signing_keys WHERE id = ?")
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
