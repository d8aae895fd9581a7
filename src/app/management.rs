//! The management operations behind both the JSON API and the portal pages: one implementation
//! of "add a key", "allow a label", … so the two front ends cannot drift apart. Each change is
//! made under the policy cache's change lock and applied to the cache before returning, so the
//! next verification sees it.

use uuid::Uuid;

use super::{AppError, Core};
use crate::domain::problem::{Code, Problem, Warning};
use crate::domain::{KeyName, SigningKey, UnsignedFieldLabel};
use crate::encoding::timestamp::now_millis;
use crate::jws::{KeyEntry, KeyRing, MAX_ACTIVE_KEYS};
use crate::storage::is_unique_violation;
use crate::storage::seeding::SeedError;
use crate::storage::signing_keys::{self, StoredKey};
use crate::storage::unsigned_fields::{self, StoredField};

/// Every stored key, oldest first. Waits for the recorder first, so `last_used_at` counts the
/// verifications so far; keys stay readable whatever the interaction log's state.
pub async fn list_signing_keys(core: &Core) -> Result<Vec<StoredKey>, AppError> {
    let _ = core.recorder.flush().await;
    Ok(signing_keys::list(&core.pool).await?)
}

/// The key with the id in a URL, or `signing_key_not_found`.
pub async fn get_signing_key(core: &Core, raw_id: &str) -> Result<StoredKey, AppError> {
    let id = parse_key_id(raw_id)?;
    let _ = core.recorder.flush().await;
    signing_keys::get(&core.pool, id)
        .await?
        .ok_or_else(|| key_not_found(raw_id).into())
}

pub async fn list_unsigned_fields(core: &Core) -> Result<Vec<StoredField>, AppError> {
    Ok(unsigned_fields::list(&core.pool).await?)
}

/// Parses and stores a public key. The PEM is never stored or echoed unless it parsed as one.
pub async fn add_signing_key(
    core: &Core,
    name: Option<&str>,
    pem: &str,
) -> Result<StoredKey, AppError> {
    let name = KeyName::parse(name.unwrap_or_default())?;
    let key = SigningKey::parse_pem(pem)?;
    let change = core.cache.change().await;
    if let Some(existing) = signing_keys::find_by_fingerprint(&core.pool, key.fingerprint()).await?
    {
        return Err(duplicate_key(Some(&existing)).into());
    }
    check_room_for_an_active_key(&change.current().keys)?;
    let id = Uuid::new_v4();
    match signing_keys::insert(&core.pool, id, &name, &key, now_millis()).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Err(duplicate_key(None).into()),
        Err(e) => return Err(e.into()),
    }
    change.put_key(KeyEntry::new(id, name.into_string(), &key, true));
    signing_keys::get(&core.pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("key {id} vanished after insert").into())
}

/// Changes a key's active flag and/or name; returns the updated key.
pub async fn update_signing_key(
    core: &Core,
    id: Uuid,
    active: Option<bool>,
    name: Option<&str>,
) -> Result<StoredKey, AppError> {
    let name = name.map(KeyName::parse).transpose()?;
    let change = core.cache.change().await;
    let Some(stored) = signing_keys::get(&core.pool, id).await? else {
        return Err(key_not_found(&id.to_string()).into());
    };
    if active == Some(true) && !stored.active {
        check_room_for_an_active_key(&change.current().keys)?;
    }
    let now = crate::encoding::timestamp::now_millis();
    if let Some(active) = active {
        signing_keys::set_active(&core.pool, id, active, now).await?;
    }
    if let Some(name) = &name {
        signing_keys::rename(&core.pool, id, name).await?;
    }
    // The cache takes what was written before anything else can fail.
    match change.current().keys.get(id).cloned() {
        Some(mut entry) => {
            entry.active = active.unwrap_or(entry.active);
            entry.deactivated_at = match active {
                Some(true) => None,
                Some(false) => entry.deactivated_at.or(Some(now)),
                None => entry.deactivated_at,
            };
            if let Some(name) = name {
                entry.name = name.into_string();
            }
            change.put_key(entry);
        }
        // Not in the cache: its stored PEM did not parse when loaded. Nothing to update.
        None => drop(change),
    }
    signing_keys::get(&core.pool, id)
        .await?
        .ok_or_else(|| key_not_found(&id.to_string()).into())
}

pub async fn delete_signing_key(core: &Core, id: Uuid) -> Result<(), AppError> {
    let change = core.cache.change().await;
    let now = crate::encoding::timestamp::now_millis();
    let deleted = signing_keys::delete(&core.pool, id, now).await?;
    change.remove_key(id, now);
    if deleted {
        Ok(())
    } else {
        Err(key_not_found(&id.to_string()).into())
    }
}

/// What may be wrong with adding `raw`, valid as it is (see [`UnsignedFieldLabel::doubts`]):
/// the portal asks before adding such a label.
pub fn unsigned_field_doubts(core: &Core, raw: &str) -> Result<Vec<Warning>, AppError> {
    let label = UnsignedFieldLabel::parse(raw)?;
    let policy = core.cache.current();
    Ok(label.doubts(policy.allowlist.iter().map(String::as_str)))
}

/// Adds a label to the allowlist; what may be wrong with it comes back beside it.
pub async fn add_unsigned_field(
    core: &Core,
    raw: &str,
) -> Result<(StoredField, Vec<Warning>), AppError> {
    let label = UnsignedFieldLabel::parse(raw)?;
    let doubts = label.doubts(core.cache.current().allowlist.iter().map(String::as_str));
    let created_at = now_millis();
    let change = core.cache.change().await;
    match unsigned_fields::insert(&core.pool, &label, created_at).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(Problem::new(
                Code::AlreadyAllowlisted,
                format!(
                    "{:?} is already on the unsigned fields list.",
                    label.as_str()
                ),
                "Nothing to do; the label already passes unsigned.",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    change.allow(label.as_str());
    let field = StoredField {
        label: label.as_str().to_owned(),
        created_at,
    };
    Ok((field, doubts))
}

pub async fn remove_unsigned_field(core: &Core, label: &str) -> Result<(), AppError> {
    let change = core.cache.change().await;
    let deleted = unsigned_fields::delete(&core.pool, label).await?;
    change.disallow(label);
    if deleted {
        Ok(())
    } else {
        Err(Problem::new(
            Code::UnsignedFieldNotFound,
            format!("{label:?} is not on the unsigned fields list."),
            "Labels match exactly and are case-sensitive; percent-encode special characters in the URL.",
        )
        .into())
    }
}

/// Refuses to make another key active once [`MAX_ACTIVE_KEYS`] are.
fn check_room_for_an_active_key(keys: &KeyRing) -> Result<(), Problem> {
    if keys.active_count() < MAX_ACTIVE_KEYS {
        return Ok(());
    }
    Err(Problem::new(
        Code::TooManyActiveKeys,
        format!(
            "{} signing keys are active; at most {MAX_ACTIVE_KEYS} may be.",
            keys.active_count()
        ),
        "Deactivate or delete a key you no longer sign with first. A token without \"kid\" is \
         tried against every active key, so their number is bounded.",
    ))
}

/// Parses a key id from a URL; anything that is not a UUID cannot name a key.
pub fn parse_key_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::try_parse(raw).map_err(|_| key_not_found(raw))
}

pub fn key_not_found(raw: &str) -> Problem {
    Problem::new(
        Code::SigningKeyNotFound,
        format!("No signing key with id {raw:?}."),
        "List keys with GET /api/v1/signing-keys (or the Signing Keys page); ids are UUIDs.",
    )
}

fn duplicate_key(existing: Option<&StoredKey>) -> Problem {
    let message = match existing {
        Some(key) => format!(
            "This public key is already stored as {:?} (id {}).",
            key.name, key.id
        ),
        None => "This public key is already stored.".to_owned(),
    };
    Problem::new(
        Code::DuplicateKey,
        message,
        "Each key is stored once. To rotate, generate a new pair and upload the new ec_public.pem.",
    )
}

/// Installs the config file's keys and fields; with `wipe`, first deletes every key, field and
/// recorded interaction (the reset test suites call between runs).
pub async fn apply_config_file(
    core: &Core,
    wipe: bool,
) -> Result<crate::storage::seeding::Seeded, AppError> {
    if wipe {
        // Records queued before a reset must not land after it, and it wipes them anyway.
        core.recorder.discard().await;
    }
    let change = core.cache.change().await;
    let file = &core.settings.config_file;
    let seed = crate::storage::seeding::Seed {
        signing_keys: &file.signing_keys,
        unsigned_fields: &file.unsigned_fields,
        widget_configs: &file.widget_configs,
        api_keys: &file.api_keys,
        webhooks: &file.webhooks,
    };
    let seeded = crate::storage::seeding::apply(&core.pool, seed, wipe, MAX_ACTIVE_KEYS).await;
    let seeded = match seeded {
        Ok(seeded) => seeded,
        Err(SeedError::TooManyActiveKeys { active }) => {
            return Err(Problem::new(
                Code::TooManyActiveKeys,
                format!(
                    "The config file's keys would make {active} signing keys active; at most \
                     {MAX_ACTIVE_KEYS} may be."
                ),
                "Deactivate or delete stored keys you no longer sign with, or list fewer keys \
                 in the config file.",
            )
            .into());
        }
        Err(SeedError::Database(error)) => return Err(error.into()),
    };
    change.reload(&core.pool).await?;
    if wipe {
        core.removals
            .publish(super::interaction_log::Removal::Cleared);
        core.outbox.note_change();
    }
    Ok(seeded)
}
