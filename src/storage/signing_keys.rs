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
    /// When it was last deactivated, while it is inactive.
    pub deactivated_at: Option<i64>,
}

const COLUMNS: &str =
    "id, name, public_key_pem, fingerprint, created_at, active, last_used_at, deactivated_at";

/// How long a deleted key's public half is kept, to name it when a token it signed is refused.
pub const DELETED_KEYS_KEPT_MILLIS: i64 = 30 * 24 * 60 * 60 * 1000;

/// A deleted key's public half, kept [`DELETED_KEYS_KEPT_MILLIS`] to explain refusals.
#[derive(Debug, Clone, FromRow)]
pub struct DeletedKey {
    pub id: String,
    pub name: String,
    pub public_key_pem: String,
    pub fingerprint: String,
    pub deleted_at: i64,
}

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

/// Returns false when no key has that id. Deactivating notes when (the first time: deactivating
/// an inactive key keeps its date); activating clears it.
pub async fn set_active(pool: &SqlitePool, id: Uuid, active: bool, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE signing_keys SET active = ?1, \
         deactivated_at = CASE WHEN ?1 THEN NULL ELSE COALESCE(deactivated_at, ?2) END \
         WHERE id = ?3",
    )
    .bind(active)
    .bind(now)
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

/// Returns false when no key has that id. Its public half moves to `deleted_signing_keys` in the
/// same transaction (and the ones deleted longer ago than kept are dropped).
pub async fn delete(pool: &SqlitePool, id: Uuid, now: i64) -> sqlx::Result<bool> {
    super::write_transaction(pool, async |tx| {
        sqlx::query("DELETE FROM deleted_signing_keys WHERE deleted_at < ?")
            .bind(now - DELETED_KEYS_KEPT_MILLIS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO deleted_signing_keys \
             (id, name, public_key_pem, fingerprint, deleted_at) \
             SELECT id, name, public_key_pem, fingerprint, ? FROM signing_keys WHERE id = ?",
        )
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM signing_keys WHERE id = ?")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(done.rows_affected() == 1)
    })
    .await
}

/// The keys deleted since `since`, newest first.
pub async fn list_deleted(pool: &SqlitePool, since: i64) -> sqlx::Result<Vec<DeletedKey>> {
    sqlx::query_as(
        "SELECT id, name, public_key_pem, fingerprint, deleted_at FROM deleted_signing_keys \
         WHERE deleted_at >= ? ORDER BY deleted_at DESC, id",
    )
    .bind(since)
    .fetch_all(pool)
    .await
}
