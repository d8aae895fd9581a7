//! The verification engine: a compact JWS in, verified interaction data or a precise [`Problem`]
//! out. Pure code with no I/O; the keys come in as a [`KeyRing`] snapshot.
//!
//! Checks run in the order a person debugging a token would want them reported:
//! size → segments → base64url → header → alg → kid → signature → payload.

pub mod header;
pub mod payload;
pub mod sign;
pub mod signature;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::problem::{Code, Problem, Warning};
use crate::domain::{InteractionItem, SigningKey};
use crate::encoding::base64url;
use crate::encoding::timestamp::format_millis;
pub use signature::{VerifyingKey, verify_es256};

/// Larger tokens are refused before any decoding. Interaction data is small; 64 KiB of it is
/// already far beyond what a chat widget carries.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Which check a token failed at (or `Policy` once the signature is settled).
/// Ordered as the engine runs them, so `a < b` means `a` is checked first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Size,
    Segments,
    Base64url,
    Header,
    Algorithm,
    KeyId,
    Signature,
    Payload,
}

impl Stage {
    /// Every check, in the order the engine runs them.
    pub const ALL: [Stage; 8] = [
        Self::Size,
        Self::Segments,
        Self::Base64url,
        Self::Header,
        Self::Algorithm,
        Self::KeyId,
        Self::Signature,
        Self::Payload,
    ];
}

/// The most keys that may be active at once. A token without `kid` is tried against every
/// active key, so this bounds what one forged token costs the open verify endpoint: ten ECDSA
/// verifications (~0.35 ms), whatever else is stored. Ten covers rotation (old and new key) and
/// a key per backend or environment; peers allow about as many. Management refuses an eleventh
/// (`too_many_active_keys`); inactive keys are not limited, and only a refused token is tried
/// against them, at most this many (`explain_mismatch`).
pub const MAX_ACTIVE_KEYS: usize = 10;

/// One stored key as the engine sees it.
#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub id: Uuid,
    /// The name given on upload; a `kid` may use it, as signers tend to name keys.
    pub name: String,
    pub fingerprint: String,
    pub active: bool,
    /// When it was deactivated, while inactive (unix milliseconds), for refusals to say.
    pub deactivated_at: Option<i64>,
    pub verifier: VerifyingKey,
}

impl KeyEntry {
    pub fn new(id: Uuid, name: impl Into<String>, key: &SigningKey, active: bool) -> Self {
        Self {
            id,
            name: name.into(),
            fingerprint: key.fingerprint().to_owned(),
            active,
            deactivated_at: None,
            verifier: VerifyingKey::new(key),
        }
    }
}

/// A key deleted lately: it verifies nothing, and is tried only to name the key that signed a
/// refused token (`explain_mismatch`).
#[derive(Debug, Clone)]
pub struct DeletedEntry {
    pub name: String,
    pub fingerprint: String,
    /// Unix milliseconds.
    pub deleted_at: i64,
    pub verifier: VerifyingKey,
}

impl DeletedEntry {
    pub fn new(name: impl Into<String>, key: &SigningKey, deleted_at: i64) -> Self {
        Self {
            name: name.into(),
            fingerprint: key.fingerprint().to_owned(),
            deleted_at,
            verifier: VerifyingKey::new(key),
        }
    }
}

/// Every stored key, active or not (so a `kid` naming an inactive key gets its own message),
/// indexed so that what a verification costs does not grow with how many keys are stored: a
/// `kid` is looked up, and without one only the active keys are tried.
#[derive(Debug, Default, Clone)]
pub struct KeyRing {
    entries: Vec<KeyEntry>,
    /// Indices of the active entries, in order.
    active: Vec<usize>,
    by_id: HashMap<Uuid, usize>,
    by_fingerprint: HashMap<String, usize>,
    /// Names need not be unique.
    by_name: HashMap<String, Vec<usize>>,
    /// Keys deleted lately, newest first: never looked up, never verify.
    deleted: Vec<DeletedEntry>,
}

impl KeyRing {
    pub fn new(entries: Vec<KeyEntry>) -> Self {
        let mut ring = Self {
            entries,
            ..Self::default()
        };
        for (index, entry) in ring.entries.iter().enumerate() {
            if entry.active {
                ring.active.push(index);
            }
            ring.by_id.insert(entry.id, index);
            ring.by_fingerprint.insert(entry.fingerprint.clone(), index);
            ring.by_name
                .entry(entry.name.clone())
                .or_default()
                .push(index);
        }
        ring
    }

    /// The same ring with these lately deleted keys (newest first).
    pub fn with_deleted(mut self, deleted: Vec<DeletedEntry>) -> Self {
        self.deleted = deleted;
        self
    }

    /// Every entry, in order; for building a changed ring.
    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    /// The keys deleted lately, newest first; for building a changed ring.
    pub fn deleted(&self) -> &[DeletedEntry] {
        &self.deleted
    }

    pub fn active(&self) -> impl Iterator<Item = &KeyEntry> {
        self.active.iter().map(|&index| &self.entries[index])
    }

    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    pub fn get(&self, id: Uuid) -> Option<&KeyEntry> {
        self.by_id.get(&id).map(|&index| &self.entries[index])
    }

    /// Keys a `kid` names: by id, fingerprint or name, each once, in ring order.
    fn named_by(&self, kid: &str) -> Vec<&KeyEntry> {
        let mut indices: Vec<usize> = Uuid::try_parse(kid)
            .ok()
            .and_then(|id| self.by_id.get(&id))
            .into_iter()
            .chain(self.by_fingerprint.get(kid))
            .chain(self.by_name.get(kid).into_iter().flatten())
            .copied()
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .map(|index| &self.entries[index])
            .collect()
    }
}

/// A token whose signature verified with a stored, active key.
#[derive(Debug, Clone)]
pub struct Verified {
    pub key_id: Uuid,
    pub header: Map<String, Value>,
    pub items: Vec<InteractionItem>,
    pub warnings: Vec<Warning>,
}

/// Why a token was refused, with whatever could be decoded for the diagnosis. `unverified_items`
/// are shown so the integrator sees what was dropped; they are never accepted.
#[derive(Debug, Clone)]
pub struct Failure {
    pub problem: Problem,
    pub stage: Stage,
    /// The key whose signature verified, when the token was refused after that (its payload).
    pub key_id: Option<Uuid>,
    pub header: Option<Map<String, Value>>,
    pub unverified_items: Vec<InteractionItem>,
    pub warnings: Vec<Warning>,
}

pub fn verify(token: &str, keys: &KeyRing) -> Result<Verified, Box<Failure>> {
    let mut diagnosis = Diagnosis::default();
    match diagnosis.run(token, keys) {
        Ok((key_id, items)) => Ok(Verified {
            key_id,
            header: diagnosis.header.unwrap_or_default(),
            items,
            warnings: diagnosis.warnings,
        }),
        Err((stage, problem)) => Err(Box::new(Failure {
            problem,
            stage,
            key_id: diagnosis.verified_by,
            header: diagnosis.header,
            unverified_items: match diagnosis.payload {
                Some(Ok((items, _))) => items,
                _ => Vec::new(),
            },
            warnings: diagnosis.warnings,
        })),
    }
}

#[derive(Default)]
struct Diagnosis {
    header: Option<Map<String, Value>>,
    /// The payload segment read as items, whenever it decodes: a refusal lists them as dropped,
    /// whatever stage refused the token.
    payload: Option<Result<crate::domain::item_json::ParsedItems, Problem>>,
    /// The key whose signature verified, when what failed came after (the payload).
    verified_by: Option<Uuid>,
    warnings: Vec<Warning>,
}

type StageResult<T> = Result<T, (Stage, Problem)>;

fn at<T>(stage: Stage, result: Result<T, Problem>) -> StageResult<T> {
    result.map_err(|p| (stage, p))
}

impl Diagnosis {
    fn run(&mut self, token: &str, keys: &KeyRing) -> StageResult<(Uuid, Vec<InteractionItem>)> {
        at(Stage::Size, check_size(token))?;
        let (header_b64, payload_b64, signature_b64) = at(Stage::Segments, split(token))?;
        // Decode what the token claims to carry before judging it, so that a refusal at any
        // later stage can show it. Parsed once: the same result is used after the signature
        // checks out. Its own decoding error is reported in turn, after the header's.
        let decode_segment = |name, segment| decode_segment(name, segment, token);
        let payload_bytes = decode_segment("payload", payload_b64);
        if let Ok(bytes) = &payload_bytes {
            self.payload = Some(payload::parse(bytes));
        }
        let header_bytes = at(Stage::Base64url, decode_segment("header", header_b64))?;
        at(Stage::Base64url, payload_bytes)?;
        let signature = at(Stage::Base64url, decode_segment("signature", signature_b64))?;

        let parameters = at(Stage::Header, header::parse(&header_bytes))?;
        let header = self.header.insert(parameters);
        self.warnings = at(Stage::Header, header::check_parameters(header))?;
        let kid = at(Stage::Header, header::key_id(header))?;
        // No key is touched before alg is pinned (RFC 8725 §3.1).
        at(Stage::Algorithm, header::check_algorithm(header))?;

        let candidates = at(Stage::KeyId, select_keys(keys, kid))?;
        let signature = at(Stage::Signature, signature::parse_signature(&signature))?;
        let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
        let key_id = candidates
            .into_iter()
            .find(|key| key.verifier.verifies(signing_input, signature))
            .map(|key| key.id)
            .ok_or_else(|| {
                (
                    Stage::Signature,
                    explain_mismatch(keys, signing_input, signature),
                )
            })?;
        self.verified_by = Some(key_id);

        let payload = self.payload.take().expect("payload parsed above");
        let (items, payload_warnings) = at(Stage::Payload, payload)?;
        self.warnings.extend(payload_warnings);
        Ok((key_id, items))
    }
}

/// Why no active key verified: a token signed by a key that is stored but inactive, or was
/// deleted lately, is refused all the same, but that key is named, since "does not verify" sent
/// people looking for a tampered token (#31). Only refused tokens pay for this, and at most
/// [`MAX_ACTIVE_KEYS`] keys are tried (inactive ones newest first, then the lately deleted), so a
/// forged token costs the open verify endpoint at most twice the bound it had.
fn explain_mismatch(keys: &KeyRing, signing_input: &[u8], signature: &[u8; 64]) -> Problem {
    let inactive = keys.entries().iter().rev().filter(|key| !key.active);
    let mut tried = 0;
    for key in inactive.clone().take(MAX_ACTIVE_KEYS) {
        tried += 1;
        if key.verifier.verifies(signing_input, signature) {
            let since = key
                .deactivated_at
                .map(|at| format!(", deactivated {}", format_millis(at)))
                .unwrap_or_default();
            return Problem::new(
                Code::KeyInactive,
                format!(
                    "The signature verifies with the stored key \"{}\" ({}{since}), which is \
                     inactive: inactive keys verify nothing.",
                    key.name, key.fingerprint
                ),
                "Reactivate that key on the Signing Keys page if your backend should still sign \
                 with it, or sign with an active key.",
            );
        }
    }
    for key in keys.deleted().iter().take(MAX_ACTIVE_KEYS - tried) {
        tried += 1;
        if key.verifier.verifies(signing_input, signature) {
            return Problem::new(
                Code::KeyDeleted,
                format!(
                    "The signature verifies with the key \"{}\" ({}), deleted {}: deleted keys \
                     verify nothing.",
                    key.name,
                    key.fingerprint,
                    format_millis(key.deleted_at)
                ),
                "Your backend still signs with a key that was deleted from the Signing Keys page: \
                 sign with an active key, or upload that key's ec_public.pem again.",
            );
        }
    }
    let untried = inactive.count() + keys.deleted().len() > tried;
    if untried {
        return Problem {
            message: format!(
                "The signature does not verify with any active signing key, nor with the \
                 {MAX_ACTIVE_KEYS} newest inactive or lately deleted ones (older ones are not \
                 tried)."
            ),
            ..signature::mismatch()
        };
    }
    signature::mismatch()
}

fn check_size(token: &str) -> Result<(), Problem> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Problem::new(
            Code::TokenTooLarge,
            format!(
                "The token is {} bytes; the limit is {MAX_TOKEN_BYTES}.",
                token.len()
            ),
            "Sign only the interaction data the agent needs; large blobs do not belong in interaction data.",
        ));
    }
    Ok(())
}

fn split(token: &str) -> Result<(&str, &str, &str), Problem> {
    let mut parts = token.split('.');
    if let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        return Ok((h, p, s));
    }
    let count = token.split('.').count();
    let trimmed = token.trim_start();
    let hint = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        "This is plain JSON, not a signed token: sign the JSON array with ES256 and pass the compact serialization."
    } else if count == 5 {
        "Five parts is an encrypted JWE; Talkative needs a signed JWS (header.payload.signature)."
    } else {
        "A compact JWS is exactly three base64url parts joined by dots: header.payload.signature (RFC 7515 §7.1). The JSON serialization is not accepted."
    };
    Err(Problem::new(
        Code::InvalidSegments,
        format!("The token has {count} dot-separated part(s); a compact JWS has exactly 3."),
        hint,
    ))
}

/// Decodes one part of `token`. Whitespace only around the token (a shell's `$(…)`, `echo`,
/// copy-paste) gets a hint of its own: it is the one mistake a person cannot see. Looked for
/// only once decoding failed, so a valid token pays nothing for it.
fn decode_segment(name: &str, segment: &str, token: &str) -> Result<Vec<u8>, Problem> {
    base64url::decode(segment).map_err(|e| {
        let edges_only = || token.trim() != token && !token.trim().contains(char::is_whitespace);
        let hint = if let Some(copied) = copied_with_its_wrapping(token) {
            copied
        } else {
            match e {
                base64url::Base64urlError::Whitespace { .. } if edges_only() => {
                    "The token starts or ends with whitespace (a line break from `$(…)`, `echo` \
                     or copy-paste): the widget would send it as is and Talkative would refuse \
                     it. Strip surrounding whitespace before handing the token to the page."
                }
                _ => e.hint(),
            }
        };
        Problem::new(
            Code::InvalidBase64url,
            format!("The {name} part {}.", e.describe()),
            hint,
        )
    })
}

/// A hint for a token copied with what surrounded it where it was found: an `Authorization`
/// header's `Bearer ` prefix, or the quotes of a JSON (or shell) string. Each otherwise reads as
/// a stray character at a position, which says nothing of where it came from.
fn copied_with_its_wrapping(token: &str) -> Option<&'static str> {
    let trimmed = token.trim();
    let scheme = trimmed.get(..7);
    if scheme.is_some_and(|s| s.eq_ignore_ascii_case("bearer ")) {
        return Some(
            "The token starts with `Bearer `: it was copied from an Authorization header. Pass \
             only what follows `Bearer ` (the widget takes the bare token).",
        );
    }
    let quoted = |q: char| trimmed.len() >= 2 && trimmed.starts_with(q) && trimmed.ends_with(q);
    if quoted('"') || quoted('\'') {
        return Some(
            "The token is wrapped in quotes: it was copied as a JSON or shell string. Pass the \
             characters between the quotes (in JavaScript, the string's value, not its JSON).",
        );
    }
    None
}

fn select_keys<'k>(keys: &'k KeyRing, kid: Option<&str>) -> Result<Vec<&'k KeyEntry>, Problem> {
    if !keys.has_active() {
        return Err(Problem::new(
            Code::NoSigningKeys,
            "No active signing key is configured, so signed data cannot be verified.",
            "Paste your ec_public.pem on the Signing Keys page (or POST it to /api/v1/signing-keys), or re-activate a key.",
        ));
    }
    let Some(kid) = kid else {
        return Ok(keys.active().collect());
    };
    let named = keys.named_by(kid);
    let Some(first) = named.first() else {
        return Err(Problem::new(
            Code::UnknownKeyId,
            format!("The header's \"kid\" {kid:?} matches no stored key id, fingerprint or name."),
            "Set \"kid\" to a key's id, fingerprint or name as shown on the Signing Keys page, or leave it out to try every active key.",
        ));
    };
    let active: Vec<&KeyEntry> = named.iter().copied().filter(|k| k.active).collect();
    if active.is_empty() {
        return Err(Problem::new(
            Code::KeyInactive,
            format!(
                "The header's \"kid\" names key {}, which is inactive.",
                first.id
            ),
            "Re-activate the key on the Signing Keys page, or sign with an active key.",
        ));
    }
    Ok(active)
}
