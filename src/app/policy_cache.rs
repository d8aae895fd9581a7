//! The keys and allowlist the verify path reads, held in memory so that verifying touches no
//! database. Management writes go through [`PolicyCache::change`], which serializes them and
//! swaps in a changed snapshot before answering, so the next verify sees the change.
//!
//! A change updates the snapshot in place of reloading it: reading 10,000 unsigned fields back
//! after each write made the 10,000th one take 100 ms. The keys and the allowlist are shared
//! separately, so a field change copies only the allowlist and a key change only the key ring.

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Context;
use arc_swap::ArcSwap;
use sqlx::SqlitePool;
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use crate::domain::SigningKey;
use crate::jws::{DeletedEntry, KeyEntry, KeyRing, MAX_ACTIVE_KEYS};
use crate::storage;
use crate::verdict::Enforcement;

#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub keys: Arc<KeyRing>,
    pub allowlist: Arc<HashSet<String>>,
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

/// Held while changing keys or fields. Each way of applying the change (`reload`, `allow`,
/// `put_key`, …) consumes it; dropping it unapplied would leave a stale cache.
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
    /// The snapshot as the change began (the lock is held, so it is also the latest).
    pub fn current(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.cache.current()
    }

    /// Reads everything back from the database: at start and after a reset.
    pub async fn reload(self, pool: &SqlitePool) -> anyhow::Result<()> {
        let snapshot = read_snapshot(pool).await?;
        self.cache.current.store(Arc::new(snapshot));
        Ok(())
    }

    /// `label` now passes unsigned.
    pub fn allow(self, label: &str) {
        self.update(|snapshot| {
            let mut allowlist = HashSet::clone(&snapshot.allowlist);
            allowlist.insert(label.to_owned());
            snapshot.allowlist = Arc::new(allowlist);
        });
    }

    /// `label` no longer passes unsigned.
    pub fn disallow(self, label: &str) {
        self.update(|snapshot| {
            let mut allowlist = HashSet::clone(&snapshot.allowlist);
            allowlist.remove(label);
            snapshot.allowlist = Arc::new(allowlist);
        });
    }

    /// Adds a key, or replaces the one with its id.
    pub fn put_key(self, entry: KeyEntry) {
        self.update(|snapshot| {
            let mut entries = snapshot.keys.entries().to_vec();
            match entries.iter_mut().find(|e| e.id == entry.id) {
                Some(existing) => *existing = entry,
                None => entries.push(entry),
            }
            let deleted = snapshot.keys.deleted().to_vec();
            snapshot.keys = Arc::new(KeyRing::new(entries).with_deleted(deleted));
        });
    }

    /// Removes a key; its public half joins the lately deleted (`deleted_at`, unix ms), which
    /// only ever name the key that signed a refused token.
    pub fn remove_key(self, id: Uuid, deleted_at: i64) {
        self.update(|snapshot| {
            let (removed, entries): (Vec<KeyEntry>, Vec<KeyEntry>) = snapshot
                .keys
                .entries()
                .iter()
                .cloned()
                .partition(|e| e.id == id);
            let mut deleted: Vec<DeletedEntry> = removed
                .into_iter()
                .map(|e| DeletedEntry {
                    name: e.name,
                    fingerprint: e.fingerprint,
                    deleted_at,
                    verifier: e.verifier,
                })
                .collect();
            deleted.extend(snapshot.keys.deleted().iter().cloned());
            snapshot.keys = Arc::new(KeyRing::new(entries).with_deleted(deleted));
        });
    }

    fn update(self, change: impl FnOnce(&mut Snapshot)) {
        let mut next = Snapshot::clone(&self.cache.current());
        change(&mut next);
        self.cache.current.store(Arc::new(next));
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
            (Ok(key), Ok(id)) => {
                let mut entry = KeyEntry::new(id, stored.name, &key, stored.active);
                entry.deactivated_at = stored.deactivated_at;
                entries.push(entry);
            }
            _ => tracing::error!(key_id = %stored.id, "stored signing key is unreadable; skipped"),
        }
    }
    let allowlist = storage::unsigned_fields::list(pool)
        .await
        .context("loading unsigned fields")?
        .into_iter()
        .map(|f| f.label)
        .collect();
    let since =
        crate::encoding::timestamp::now_millis() - storage::signing_keys::DELETED_KEYS_KEPT_MILLIS;
    let deleted = storage::signing_keys::list_deleted(pool, since)
        .await
        .context("loading lately deleted signing keys")?
        .into_iter()
        .filter_map(|stored| {
            let key = SigningKey::parse_pem(&stored.public_key_pem).ok()?;
            Some(DeletedEntry::new(stored.name, &key, stored.deleted_at))
        })
        .collect();
    let keys = KeyRing::new(entries).with_deleted(deleted);
    if keys.active_count() > MAX_ACTIVE_KEYS {
        // Stored before the cap existed. Kept as they are (nothing is deactivated behind the
        // user's back), but no key can be added or activated until they are under it.
        tracing::warn!(
            active = keys.active_count(),
            max = MAX_ACTIVE_KEYS,
            "more signing keys are active than the emulator allows; deactivate some"
        );
    }
    Ok(Snapshot {
        keys: Arc::new(keys),
        allowlist: Arc::new(allowlist),
    })
}
