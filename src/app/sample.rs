//! The playground's "try a sample": a throwaway key pair made here, its public half stored as a
//! clearly named signing key, and one token signed with the private half, which is then dropped.
//! For people who do not have a working signer yet; the CLI's `keygen` and `sign` are the way
//! to do the same with a key pair they keep.

use serde_json::json;
use uuid::Uuid;

use super::management::{add_signing_key, delete_signing_key, list_signing_keys};
use super::{AppError, Core};
use crate::jws::sign::{generate_key_pair, sign_compact};
use crate::storage::signing_keys::StoredKey;

/// The sample key's name: each new sample replaces the key of the previous one, so trying it
/// twice does not pile up keys (their private halves are gone: nothing else can sign for them).
pub const SAMPLE_KEY_NAME: &str = "Sample key (playground)";

/// What the sample token signs: identity data, which is what a backend should sign.
pub const SAMPLE_SIGNED_ITEMS: &str = r#"[{"label":"email","data":"ada@example.com","type":"string"},{"label":"name","data":"Ada Lovelace","type":"string"},{"label":"customer_id","data":"C-1042","type":"string"}]"#;

/// What the sample sends unsigned, as a pre-chat form would: dropped while signing is on,
/// unless its label is on the Unsigned fields page.
pub const SAMPLE_UNSIGNED_ITEMS: &str = r#"[{"label":"page","data":"/pricing","type":"string"}]"#;

pub struct Sample {
    pub key: StoredKey,
    pub token: String,
    /// Whether signing was off before this key was stored (storing it turned it on).
    pub turned_signing_on: bool,
}

pub async fn make_sample(core: &Core) -> Result<Sample, AppError> {
    let turned_signing_on = !core.cache.current().keys.has_active();
    for previous in list_signing_keys(core).await? {
        if previous.name != SAMPLE_KEY_NAME {
            continue;
        }
        let Ok(id) = Uuid::try_parse(&previous.id) else {
            continue;
        };
        match delete_signing_key(core, id).await {
            // Deleted meanwhile by someone else: gone either way.
            Ok(()) | Err(AppError::Rejected(_)) => {}
            Err(error) => return Err(error),
        }
    }
    let (pair, public) = generate_key_pair()?;
    let key = add_signing_key(core, Some(SAMPLE_KEY_NAME), &public.to_pem()).await?;
    // `kid` names the key, so the verdict can say which key verified without trying them all.
    let token = sign_compact(
        &pair,
        &json!({"alg": "ES256", "kid": key.id}),
        SAMPLE_SIGNED_ITEMS,
    )?;
    Ok(Sample {
        key,
        token,
        turned_signing_on,
    })
}
