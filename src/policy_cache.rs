//! The keys and allowlist the verify path reads, held in memory so that verifying touches no
//! database. Management writes go through [`PolicyCache::change`], which serializes them and
//! swaps in a fresh snapshot before answering, so the next verify sees the change.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use arc_swap::ArcSwap;
use sqlx::SqlitePool;
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use crate::domain::SigningKey;
use crate::domain::verdict::Enforcement;
use crate::jws::{KeyEntry, KeyRing};
use crate::storage;

#[derive(Debug, Default)]
pub struct Snapshot {
    pub keys: KeyRing,
    pub allowlist: HashSet<String>,
}

impl Snapshot {
    /// Talkative: providing a signing key turns enforcement on. Report-only mode verifies and
    /// reports as if it were on, but drops nothing.
    pub fn enforcement(&self, report_only: bool) -> Enforcement {
        match (self.keys.has_active(), report_only) {
            (false, _) => Enforcement::Off,
            (true, false) => Enforcement::On,
            (true, true) => Enforcement::ReportOnly,
        }
    }
}

pub struct PolicyCache {
    // ArcSwap, not RwLock: readers never block, even while a writer swaps in a new snapshot.
    current: ArcSwap<Snapshot>,
    writer: Mutex<()>,
}

/// Held while changing keys or fields; dropping it without `reload` would leave a stale cache,
/// so `reload` consumes it.
pub struct ChangeGuard<'a> {
    cache: &'a PolicyCache,
    _lock: MutexGuard<'a, ()>,
}

impl PolicyCache {
    pub async fn load(pool: &SqlitePool) -> anyhow::Result<Self> {
        let snapshot = read_snapshot(pool).await?;
        Ok(Self {
            current: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(()),
        })
    }

    pub fn current(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.current.load()
    }

    pub async fn change(&self) -> ChangeGuard<'_> {
        ChangeGuard {
            cache: self,
            _lock: self.writer.lock().await,
        }
    }
}

impl ChangeGuard<'_> {
    pub async fn reload(self, pool: &SqlitePool) -> anyhow::Result<()> {
        let snapshot = read_snapshot(pool).await?;
        self.cache.current.store(Arc::new(snapshot));
        Ok(())
    }
}

async fn read_snapshot(pool: &SqlitePool) -> anyhow::Result<Snapshot> {
    let keys = storage::signing_keys::list(pool)
        .await
        .context("loading signing keys")?;
    let mut entries = Vec::with_capacity(keys.len());
    for stored in keys {
        // Rows are only written from parsed keys; a row that no longer parses was edited by hand.
        let parsed = SigningKey::parse_pem(&stored.public_key_pem);
        let id = Uuid::try_parse(&stored.id);
        match (parsed, id) {
            (Ok(key), Ok(id)) => entries.push(KeyEntry::new(id, stored.name, &key, stored.active)),
            _ => tracing::error!(key_id = %stored.id, "stored signing key is unreadable; skipped"),
        }
    }
    let allowlist = storage::unsigned_fields::list(pool)
        .await
        .context("loading unsigned fields")?
        .into_iter()
        .map(|f| f.label)
        .collect();
    Ok(Snapshot {
        keys: KeyRing::new(entries),
        allowlist,
    })
}
