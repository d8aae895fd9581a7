//! Installing the config file's keys and fields, optionally after wiping everything (reset).
//! One transaction: a reset never leaves a half-seeded database.

use sqlx::SqlitePool;
use uuid::Uuid;

use crate::seed::Seed;
use crate::storage::now_millis;

/// What the database holds after seeding.
pub struct Seeded {
    pub signing_keys: i64,
    pub unsigned_fields: i64,
}

pub async fn apply(pool: &SqlitePool, seed: &Seed, wipe: bool) -> sqlx::Result<Seeded> {
    let mut tx = pool.begin().await?;
    if wipe {
        for table in ["interactions", "signing_keys", "unsigned_fields"] {
            // Table names are constants, not input.
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    let now = now_millis();
    for (name, key) in &seed.signing_keys {
        // A key already stored (same fingerprint) keeps its id, name and state.
        sqlx::query(
            "INSERT INTO signing_keys (id, name, public_key_pem, fingerprint, created_at, active) \
             VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (fingerprint) DO NOTHING",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(name)
        .bind(key.to_pem())
        .bind(key.fingerprint())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for label in &seed.unsigned_fields {
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
    let unsigned_fields = sqlx::query_scalar("SELECT COUNT(*) FROM unsigned_fields")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Seeded {
        signing_keys,
        unsigned_fields,
    })
}
