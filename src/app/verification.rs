//! One verification, end to end: engine, policy, verdict, and the record in the interaction log.
//! Shared by `POST /api/v1/verify` and the portal's playground.

use std::collections::HashSet;

use bytestring::ByteString;
use uuid::Uuid;

use super::{AppError, Core};
use crate::domain::InteractionItem;
use crate::domain::problem::{Code, Problem, Warning};
use crate::domain::site::Site;
use crate::domain::source::Source;
use crate::encoding::timestamp::{format_millis, now_millis};
use crate::jws;
use crate::jws::KeyRing;
use crate::storage::interactions::{NewInteraction, codes_of, items_of};
use crate::verdict::policy::{Policy, SignedInput, decide};
use crate::verdict::{Enforcement, Verdict};

/// The verdict and its JSON (serialized once, shared by the response and the log).
pub struct Outcome {
    pub verdict: Verdict,
    pub json: ByteString,
}

/// What one verification is given: the token (if any), the unsigned items, warnings from
/// reading them, and, for data arriving on an interaction that lasts, the keys it already has
/// signed (unsigned data never overrides them) and which interaction (for the log).
pub struct Submission<'a> {
    pub token: Option<&'a str>,
    pub unsigned: Vec<InteractionItem>,
    pub warnings: Vec<Warning>,
    pub signed_before: Option<&'a HashSet<String>>,
    pub engagement: Option<Uuid>,
    /// The unsigned items come from the customer's backend (the Core API), not a page.
    pub from_backend: bool,
    /// Keys to verify with instead of the stored ones: a public key pasted in the playground,
    /// checked against without being stored (signing counts as on for that check).
    pub trial_keys: Option<&'a KeyRing>,
}

impl<'a> Submission<'a> {
    /// A verification on its own, as `POST /api/v1/verify` makes one.
    pub fn alone(
        token: Option<&'a str>,
        unsigned: Vec<InteractionItem>,
        warnings: Vec<Warning>,
    ) -> Self {
        Self {
            token,
            unsigned,
            warnings,
            signed_before: None,
            engagement: None,
            from_backend: false,
            trial_keys: None,
        }
    }
}

/// Who sent a verification, for the log: the source it names, the site whose share of the
/// budget it counts against, and the request as received (kept in the log).
pub struct Sender {
    pub request: ByteString,
    pub source: Source,
    pub site: Site,
}

/// A verdict, and the log's record of it, not yet kept.
pub struct Judged {
    pub outcome: Outcome,
    pub record: NewInteraction,
}

/// Verifies against the current in-memory keys and allowlist (no database read) and queues the
/// interaction for the recorder (which waits only when its byte bound is reached). A private
/// key passed as the token is refused before anything is kept ([`refuse_private_key`]).
pub async fn verify_and_record(
    core: &Core,
    submission: Submission<'_>,
    sender: Sender,
) -> Result<Outcome, AppError> {
    let Judged { outcome, record } = judge(core, submission, sender)?;
    core.recorder.record(record).await;
    Ok(outcome)
}

/// Verifies as [`verify_and_record`] does, and makes the log's record without keeping it: an
/// engagement's arrival is kept with the record, in one write (`app/engagements.rs`).
pub fn judge(core: &Core, submission: Submission<'_>, sender: Sender) -> Result<Judged, AppError> {
    refuse_private_key(submission.token)?;
    let received_at = now_millis();
    let engagement = submission.engagement;
    let verdict = verify(core, received_at, submission);
    core.metrics.record_verdict(&verdict);
    let refused = verdict.signature.error.is_some() || !verdict.rejected.is_empty();
    if refused && core.refusal_log.admit() {
        log_refusals(&verdict, sender.source, engagement);
    }
    let json = verdict_json(&verdict).map_err(anyhow::Error::new)?;
    let record = NewInteraction {
        id: verdict.id,
        received_at,
        status: verdict.signature.status.as_str(),
        rejected: i64::try_from(verdict.rejected.len()).unwrap_or(i64::MAX),
        request: sender.request,
        verdict: json.clone(),
        key_used: verdict.signature.key_id,
        key_name: verdict.signature.key_name.clone(),
        source: sender.source,
        engagement,
        site: sender.site,
        accepted: i64::try_from(verdict.accepted.len()).unwrap_or(i64::MAX),
        codes: codes_of(&verdict),
        items: items_of(&verdict),
    };
    Ok(Judged {
        outcome: Outcome { verdict, json },
        record,
    })
}

/// The server log says what was refused, one WARN line per problem (#31: until now only the
/// portal did): the arrival's id (its page is `/interactions/{id}`), where it came from, the
/// interaction it belongs to, the code and, for a dropped item, its label. Clean arrivals log
/// nothing, and at most `RefusalLog::PER_SECOND` verdicts a second are logged, so neither a
/// valid token nor a flood of dropped items costs the verify path more than a few atomics.
fn log_refusals(verdict: &Verdict, source: Source, engagement: Option<Uuid>) {
    let engagement = engagement.map(|uuid| uuid.to_string());
    let engagement = engagement.as_deref().unwrap_or("-");
    if let Some(error) = &verdict.signature.error {
        tracing::warn!(
            arrival = %verdict.id,
            source = source.as_str(),
            engagement,
            code = error.code.as_str(),
            "signed data refused: {}",
            error.message
        );
    }
    for item in &verdict.rejected {
        tracing::warn!(
            arrival = %verdict.id,
            source = source.as_str(),
            engagement,
            code = item.reason.code.as_str(),
            label = %item.label,
            name = item.name.as_deref().unwrap_or("-"),
            "item dropped: {}",
            item.reason.message
        );
    }
}

/// A private key where the token goes: refused, so that the request holding it is neither
/// recorded nor answered with a verdict that would repeat it.
pub fn refuse_private_key(token: Option<&str>) -> Result<(), Problem> {
    match token.and_then(crate::domain::signing_key::private_key_in_token) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// The verdict [`verify_and_record`] would give, without recording it: the playground's
/// preview while a person types. Its id names no interaction.
pub fn preview(core: &Core, submission: Submission<'_>) -> Verdict {
    verify(core, now_millis(), submission)
}

fn verify(core: &Core, received_at: i64, submission: Submission<'_>) -> Verdict {
    let Submission {
        token,
        unsigned,
        warnings: extra_warnings,
        signed_before,
        engagement: _,
        from_backend,
        trial_keys,
    } = submission;
    let snapshot = core.cache.current();
    let keys = trial_keys.unwrap_or(&snapshot.keys);
    let signed = match token {
        None => SignedInput::Absent,
        Some("") => SignedInput::Empty,
        Some(token) => match jws::verify(token, keys) {
            Ok(verified) => SignedInput::Verified(verified),
            Err(failure) => SignedInput::Failed(failure),
        },
    };
    let enforcement = match (trial_keys, core.settings.report_only) {
        (None, report_only) => snapshot.enforcement(report_only),
        (Some(_), false) => Enforcement::On,
        (Some(_), true) => Enforcement::ReportOnly,
    };
    let policy = Policy {
        enforcement,
        allowlist: &snapshot.allowlist,
        match_on: core.settings.unsigned_field_match,
        signed_before,
        from_backend,
    };
    let mut verdict = decide(
        new_interaction_id(),
        format_millis(received_at),
        signed,
        unsigned,
        &policy,
    );
    // Named as it was called when it verified: the name may change, the record should not.
    verdict.signature.key_name = verdict
        .signature
        .key_id
        .and_then(|id| keys.get(id))
        .map(|entry| entry.name.clone());
    verdict.warnings.extend(extra_warnings);
    if let Some(trial) = trial_keys {
        let fingerprints: Vec<&str> = trial
            .entries()
            .iter()
            .map(|k| k.fingerprint.as_str())
            .collect();
        verdict.warnings.push(Warning::new(
            Code::PastedKeyNotStored,
            format!(
                "Checked against the public key pasted here (fingerprint {}), which is not \
                 stored: the widget's data is checked only with the keys on the Signing Keys \
                 page. Store it there to use it (storing a key turns signing on).",
                fingerprints.join(", ")
            ),
        ));
    }
    verdict
}

/// Largest scratch buffer a thread keeps between verdicts; a rare huge verdict doesn't pin more.
const SCRATCH_KEEP_BYTES: usize = 64 * 1024;

/// The verdict as JSON, in an allocation of exactly its size: the response body and the log
/// share it.
pub fn verdict_json(verdict: &Verdict) -> serde_json::Result<ByteString> {
    exact_json(verdict)
}

/// `value` as JSON in an allocation of exactly its size.
///
/// Serialized into a per-thread scratch buffer, then copied once. Serializing straight into a
/// `String` grew it 128 → 256 → 512 → 1024 bytes for a typical ~800-byte verdict and then shrank
/// it (the log keeps up to `retention` of these, so spare capacity matters): four reallocations
/// per request, and the 1 KiB one made glibc consolidate its fast bins every time.
fn exact_json(value: &impl serde::Serialize) -> serde_json::Result<ByteString> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(4096));
    }
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.clear();
        let written = serde_json::to_writer(&mut *scratch, value).map(|()| {
            // serde_json writes UTF-8; checked anyway rather than assumed.
            std::str::from_utf8(scratch).map(ByteString::from)
        });
        if scratch.capacity() > SCRATCH_KEEP_BYTES {
            *scratch = Vec::with_capacity(4096);
        }
        match written {
            Ok(Ok(json)) => Ok(json),
            Ok(Err(_)) => Err(serde::ser::Error::custom("serializer wrote invalid UTF-8")),
            Err(error) => Err(error),
        }
    })
}

/// A random (v4) UUID from aws-lc's user-space DRBG: `Uuid::new_v4` makes a getrandom system
/// call per id, which showed on the verify path under load.
fn new_interaction_id() -> Uuid {
    let mut bytes = [0u8; 16];
    match aws_lc_rs::rand::fill(&mut bytes) {
        Ok(()) => uuid::Builder::from_random_bytes(bytes).into_uuid(),
        Err(_) => Uuid::new_v4(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_json_matches_serde_json_for_small_and_huge_values() {
        let small = serde_json::json!({"label": "email", "data": "a\u{e9}\"b", "n": [1, 2.5]});
        let huge = serde_json::json!({"data": "x".repeat(200_000)});
        for value in [&small, &huge, &small] {
            let json = super::exact_json(value).unwrap();
            assert_eq!(&*json, serde_json::to_string(value).unwrap());
        }
    }

    #[test]
    fn interaction_ids_are_random_v4() {
        let a = super::new_interaction_id();
        let b = super::new_interaction_id();
        assert_ne!(a, b);
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }
}
