//! Installing the config file's keys, fields and widget configs, optionally after wiping
//! everything (reset). The built-in default widget config is always there afterwards.
//! One transaction: a reset never leaves a half-seeded database.

use sqlx::SqlitePool;
use uuid::Uuid;

use crate::domain::api_key::{ApiKeyName, ApiToken};
use crate::domain::webhook::Webhook;
use crate::domain::{KeyName, SigningKey, UnsignedFieldLabel, WidgetConfig};
use crate::encoding::timestamp::now_millis;

/// What the database holds after seeding.
pub struct Seeded {
    pub signing_keys: i64,
    pub unsigned_fields: i64,
    pub widget_configs: i64,
}

/// What to install: the config file's contents.
pub struct Seed<'a> {
    pub signing_keys: &'a [(KeyName, SigningKey)],
    pub unsigned_fields: &'a [UnsignedFieldLabel],
    /// Replace any stored config with the same UUID.
    pub widget_configs: &'a [WidgetConfig],
    /// Core API keys with known tokens; a token already stored keeps its row.
    pub api_keys: &'a [(ApiKeyName, ApiToken)],
    /// Webhooks: the file's, replacing those it installed before.
    pub webhooks: &'a [Webhook],
}

/// Why seeding was not applied (the transaction was rolled back).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The seed would have made more than `max_active_keys` keys active.
    #[error("seeding would make {active} signing keys active")]
    TooManyActiveKeys { active: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Installs these keys and fields, first wiping everything when `wipe`. Refused, with nothing changed, when it
/// would raise the number of active keys above `max_active_keys` (a database already above it,
/// from before the cap, may stay as it is).
pub async fn apply(
    pool: &SqlitePool,
    seed: Seed<'_>,
    wipe: bool,
    max_active_keys: usize,
) -> Result<Seeded, SeedError> {
    let Seed {
        signing_keys,
        unsigned_fields,
        widget_configs,
        api_keys,
        webhooks,
    } = seed;
    const ACTIVE: &str = "SELECT COUNT(*) FROM signing_keys WHERE active = 1";
    super::write_transaction(pool, async |tx| {
        if wipe {
            for table in [
                "interactions",
                "interaction_items",
                "signing_keys",
                "deleted_signing_keys",
                "unsigned_fields",
                "widget_configs",
                "engagements",
                "engagement_arrivals",
                "engagement_items",
                "engagement_view",
                "api_keys",
                "webhooks",
                "webhook_deliveries",
                "webhook_attempts",
            ] {
                // Table names are constants, not input.
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let active_before: i64 = sqlx::query_scalar(ACTIVE).fetch_one(&mut *tx).await?;
        let now = now_millis();
        for (name, key) in signing_keys {
            // A key already stored (same fingerprint) keeps its id, name and state.
            sqlx::query(
                "INSERT INTO signing_keys (id, name, public_key_pem, fingerprint, created_at, active) \
                 VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (fingerprint) DO NOTHING",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(name.as_str())
            .bind(key.to_pem())
            .bind(key.fingerprint())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for label in unsigned_fields {
            sqlx::query(
                "INSERT INTO unsigned_fields (label, created_at) VALUES (?, ?) ON CONFLICT (label) DO NOTHING",
            )
            .bind(label.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let signing_keys = sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys")
            .fetch_one(&mut *tx)
            .await?;
        let active: i64 = sqlx::query_scalar(ACTIVE).fetch_one(&mut *tx).await?;
        let limit = i64::try_from(max_active_keys).unwrap_or(i64::MAX);
        if active > limit && active > active_before {
            return Err(SeedError::TooManyActiveKeys { active });
        }
        let unsigned_fields = sqlx::query_scalar("SELECT COUNT(*) FROM unsigned_fields")
            .fetch_one(&mut *tx)
            .await?;
        super::widget_configs::ensure_default(&mut *tx, now).await?;
        for config in widget_configs {
            super::widget_configs::put(&mut *tx, config, now).await?;
        }
        for (name, token) in api_keys {
            super::api_keys::install(&mut *tx, name, token, now).await?;
        }
        super::webhooks::install(&mut *tx, webhooks, now).await?;
        let widget_configs = sqlx::query_scalar("SELECT COUNT(*) FROM widget_configs")
            .fetch_one(&mut *tx)
            .await?;
        Ok(Seeded {
            signing_keys,
            unsigned_fields,
            widget_configs,
        })
    })
    .await
}
