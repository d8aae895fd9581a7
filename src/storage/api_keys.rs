//! The `api_keys` table: each key's name, its token's SHA-256 (never the token), and its use.

use sqlx::{FromRow, SqliteConnection, SqlitePool};

use crate::domain::api_key::{ApiKeyName, ApiToken};

#[derive(Debug, Clone, FromRow)]
pub struct StoredApiKey {
    pub id: i64,
    pub name: String,
    pub token_hint: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub from_config: bool,
}

const COLUMNS: &str = "id, name, token_hint, created_at, last_used_at, revoked_at, from_config";

/// Stores a key; its id.
pub async fn insert(
    connection: &mut SqliteConnection,
    name: &ApiKeyName,
    token: &ApiToken,
    now: i64,
    from_config: bool,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_keys (name, token_sha256, token_hint, created_at, from_config) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(name.as_str())
    .bind(token.digest())
    .bind(token.hint())
    .bind(now)
    .bind(from_config)
    .fetch_one(connection)
    .await
}

/// Installs a key the config file names: a token already stored keeps its row (and its state:
/// a key revoked since stays revoked until a reset), else it is added.
pub async fn install(
    connection: &mut SqliteConnection,
    name: &ApiKeyName,
    token: &ApiToken,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (name, token_sha256, token_hint, created_at, from_config) \
         VALUES (?, ?, ?, ?, 1) ON CONFLICT (token_sha256) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(token.digest())
    .bind(token.hint())
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// Every key, revoked ones too, oldest first.
pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<StoredApiKey>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_keys ORDER BY id"))
        .fetch_all(pool)
        .await
}

pub async fn get(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<StoredApiKey>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The key whose token has this SHA-256, revoked or not.
pub async fn find_by_digest(pool: &SqlitePool, digest: &str) -> sqlx::Result<Option<StoredApiKey>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE token_sha256 = ?"
    ))
    .bind(digest)
    .fetch_optional(pool)
    .await
}

/// Revokes a key that is not revoked yet; false when there was none to revoke.
pub async fn revoke(pool: &SqlitePool, id: i64, now: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// How often a key's `last_used_at` is brought up to date.
pub const TOUCH_EVERY_MILLIS: i64 = 60_000;

/// Notes a use, at most once a minute per key (a write per request would be most of its cost).
pub async fn touch(pool: &SqlitePool, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2 \
         AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)",
    )
    .bind(now)
    .bind(id)
    .bind(TOUCH_EVERY_MILLIS)
    .execute(pool)
    .await?;
    Ok(())
}
