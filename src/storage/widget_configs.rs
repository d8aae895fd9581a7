//! The `widget_configs` table: each config's parts as JSON, written by [`put`] and read back by
//! [`decode`], the one encoder and the one decoder. A row that does not decode into a valid
//! config is an error, not a config silently skipped.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::domain::WidgetConfig;
use crate::domain::widget_config::WidgetConfigParts;

const COLUMNS: &str = "uuid, definition";

/// Every config, the default first, then by name.
pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<WidgetConfig>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM widget_configs"))
        .fetch_all(pool)
        .await?;
    let mut configs = rows.iter().map(decode).collect::<sqlx::Result<Vec<_>>>()?;
    configs.sort_by(|a, b| {
        (a.uuid() != WidgetConfig::DEFAULT_UUID, a.name())
            .cmp(&(b.uuid() != WidgetConfig::DEFAULT_UUID, b.name()))
    });
    Ok(configs)
}

pub async fn get(pool: &SqlitePool, uuid: Uuid) -> sqlx::Result<Option<WidgetConfig>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM widget_configs WHERE uuid = ?"
    ))
    .bind(uuid.to_string())
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(decode)
    .transpose()
}

/// Stores `config`, replacing any config with its UUID; whether it was new.
pub async fn put(
    connection: &mut SqliteConnection,
    config: &WidgetConfig,
    now: i64,
) -> sqlx::Result<bool> {
    let definition =
        serde_json::to_string(config.parts()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM widget_configs WHERE uuid = ?")
        .bind(config.uuid().to_string())
        .fetch_optional(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO widget_configs (uuid, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT (uuid) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
    )
    .bind(config.uuid().to_string())
    .bind(definition)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(existed.is_none())
}

/// Whether there was such a config to delete.
pub async fn delete(pool: &SqlitePool, uuid: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM widget_configs WHERE uuid = ?")
        .bind(uuid.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores the built-in default config unless it is stored already (its queues' presence, or a
/// rename, survive a restart).
pub async fn ensure_default(connection: &mut SqliteConnection, now: i64) -> sqlx::Result<()> {
    let default = WidgetConfig::default_config();
    let definition =
        serde_json::to_string(default.parts()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO widget_configs (uuid, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
         ON CONFLICT (uuid) DO NOTHING",
    )
    .bind(default.uuid().to_string())
    .bind(definition)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// A row as a checked config.
fn decode(row: &SqliteRow) -> sqlx::Result<WidgetConfig> {
    let uuid: String = row.try_get("uuid")?;
    let uuid = Uuid::try_parse(&uuid).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let definition: String = row.try_get("definition")?;
    let parts: WidgetConfigParts =
        serde_json::from_str(&definition).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    WidgetConfig::new(uuid, parts).map_err(|problem| sqlx::Error::Decode(Box::new(problem)))
}
