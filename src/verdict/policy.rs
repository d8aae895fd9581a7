//! Talkative's rules for what reaches the agent, applied to a verified (or refused) token and the
//! unsigned items sent beside it.
//!
//! - Enforcement is on while at least one active signing key exists (providing a key enables it).
//! - When on, an unsigned item passes only if its label is on the allowlist, matched exactly.
//! - A label that arrived signed and valid wins over the same label sent unsigned.
//! - If the signature is invalid, every signed item is dropped.

use std::collections::HashSet;

use super::{
    AcceptedItem, AcceptedSource, Enforcement, Reason, RejectedItem, RejectedSource,
    SignatureStatus, SignatureVerdict, Verdict,
};
use crate::domain::InteractionItem;
use crate::domain::problem::{Code, Warning};
use crate::jws::{Failure, Verified};

pub struct Policy<'a> {
    pub enforcement: Enforcement,
    pub allowlist: &'a HashSet<String>,
}

/// What the request carried as signed data, after the engine looked at it.
pub enum SignedInput {
    Absent,
    /// `signedInteractionData` was present but an empty string.
    Empty,
    Verified(Verified),
    Failed(Box<Failure>),
}

pub fn decide(
    id: uuid::Uuid,
    received_at: String,
    signed: SignedInput,
    unsigned: Vec<InteractionItem>,
    policy: &Policy<'_>,
) -> Verdict {
    let mut verdict = Verdict {
        id,
        received_at,
        enforcement: policy.enforcement,
        signature: SignatureVerdict {
            status: SignatureStatus::Absent,
            key_id: None,
            key_name: None,
            error: None,
            failed_at: None,
            header: None,
        },
        accepted: Vec::new(),
        rejected: Vec::new(),
        would_reject: Vec::new(),
        warnings: Vec::new(),
    };
    let report_only = policy.enforcement == Enforcement::ReportOnly;
    let mut signed_labels: HashSet<String> = HashSet::new();

    match signed {
        SignedInput::Absent => {}
        SignedInput::Empty => verdict.warnings.push(Warning::new(
            Code::EmptySignedInteractionData,
            "signedInteractionData was an empty string and was treated as absent; did your backend fail to sign?",
        )),
        SignedInput::Verified(verified) => {
            verdict.signature.status = SignatureStatus::Valid;
            verdict.signature.key_id = Some(verified.key_id);
            verdict.signature.header = Some(verified.header);
            verdict.warnings.extend(verified.warnings);
            for item in verified.items {
                if signed_labels.contains(&item.label) {
                    verdict.rejected.push(rejected(item, RejectedSource::Signed, Code::DuplicateLabel,
                        "This label appears earlier in the signed data; the first occurrence was kept."));
                } else {
                    signed_labels.insert(item.label.clone());
                    verdict.accepted.push(accepted(item, AcceptedSource::Signed));
                }
            }
        }
        SignedInput::Failed(failure) => {
            verdict.signature.status = SignatureStatus::Invalid;
            verdict.signature.key_id = failure.key_id;
            verdict.signature.failed_at = Some(failure.stage);
            verdict.signature.header = failure.header;
            verdict.warnings.extend(failure.warnings);
            let message = format!(
                "Dropped: the signature was refused ({}).",
                failure.problem.code
            );
            verdict.signature.error = Some(failure.problem);
            for item in failure.unverified_items {
                if report_only {
                    verdict.would_reject.push(rejected(
                        item.clone(),
                        RejectedSource::Signed,
                        Code::InvalidSignature,
                        &message,
                    ));
                    verdict.accepted.push(accepted(item, AcceptedSource::ReportOnly));
                } else {
                    verdict.rejected.push(rejected(
                        item,
                        RejectedSource::Signed,
                        Code::InvalidSignature,
                        &message,
                    ));
                }
            }
        }
    }

    let mut unsigned_labels: HashSet<String> = HashSet::new();
    for item in unsigned {
        if signed_labels.contains(&item.label) {
            verdict.rejected.push(rejected(
                item,
                RejectedSource::Unsigned,
                Code::OverriddenBySigned,
                "The same label arrived signed and verified; the signed value wins.",
            ));
        } else if unsigned_labels.contains(&item.label) {
            verdict.rejected.push(rejected(
                item,
                RejectedSource::Unsigned,
                Code::DuplicateLabel,
                "This label appears earlier in the unsigned data; the first occurrence was kept.",
            ));
        } else {
            unsigned_labels.insert(item.label.clone());
            match policy.enforcement {
                Enforcement::Off => verdict
                    .accepted
                    .push(accepted(item, AcceptedSource::UnsignedNotEnforced)),
                Enforcement::On | Enforcement::ReportOnly
                    if policy.allowlist.contains(&item.label) =>
                {
                    verdict
                        .accepted
                        .push(accepted(item, AcceptedSource::UnsignedAllowlisted))
                }
                Enforcement::ReportOnly => {
                    verdict.would_reject.push(rejected(item.clone(), RejectedSource::Unsigned, Code::NotAllowlisted,
                        "Signing would be enforced and this label is not on the Unsigned fields page (exact, case-sensitive match)."));
                    verdict.accepted.push(accepted(item, AcceptedSource::ReportOnly));
                }
                Enforcement::On => verdict.rejected.push(rejected(item, RejectedSource::Unsigned, Code::NotAllowlisted,
                    "Signing is enforced and this label is not on the Unsigned fields page (exact, case-sensitive match).")),
            }
        }
    }

    for item in &verdict.accepted {
        if item.kind != "string" {
            verdict.warnings.push(Warning::new(
                Code::NonStringType,
                format!(
                    "Item {:?} has type {:?}; Talkative documents only \"string\".",
                    item.label, item.kind
                ),
            ));
        }
    }
    verdict
}

fn accepted(item: InteractionItem, source: AcceptedSource) -> AcceptedItem {
    AcceptedItem {
        label: item.label,
        data: item.data,
        kind: item.kind,
        source,
    }
}

fn rejected(
    item: InteractionItem,
    source: RejectedSource,
    code: Code,
    message: &str,
) -> RejectedItem {
    RejectedItem {
        label: item.label,
        data: item.data,
        kind: item.kind,
        source,
        reason: Reason {
            code,
            message: message.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str) -> InteractionItem {
        InteractionItem {
            label: label.into(),
            data: "d".into(),
            kind: "string".into(),
        }
    }

    fn verified(labels: &[&str]) -> SignedInput {
        SignedInput::Verified(Verified {
            key_id: uuid::Uuid::nil(),
            header: Default::default(),
            items: labels.iter().map(|l| item(l)).collect(),
            warnings: vec![],
        })
    }

    fn run(
        signed: SignedInput,
        unsigned: &[&str],
        enforcement: Enforcement,
        allow: &[&str],
    ) -> Verdict {
        let allowlist = allow.iter().map(|s| s.to_string()).collect();
        let policy = Policy {
            enforcement,
            allowlist: &allowlist,
        };
        decide(
            uuid::Uuid::nil(),
            String::new(),
            signed,
            unsigned.iter().map(|l| item(l)).collect(),
            &policy,
        )
    }

    fn codes(v: &Verdict) -> Vec<(String, Code)> {
        v.rejected
            .iter()
            .map(|r| (r.label.clone(), r.reason.code))
            .collect()
    }

    #[test]
    fn enforcement_on_drops_unlisted_unsigned_exactly() {
        let v = run(
            SignedInput::Absent,
            &["email", "Email", "name"],
            Enforcement::On,
            &["email"],
        );
        assert_eq!(v.accepted.len(), 1);
        assert_eq!(v.accepted[0].source, AcceptedSource::UnsignedAllowlisted);
        assert_eq!(
            codes(&v),
            [
                ("Email".into(), Code::NotAllowlisted),
                ("name".into(), Code::NotAllowlisted)
            ]
        );
    }

    #[test]
    fn enforcement_off_accepts_unsigned() {
        let v = run(SignedInput::Absent, &["x"], Enforcement::Off, &[]);
        assert_eq!(v.accepted[0].source, AcceptedSource::UnsignedNotEnforced);
    }

    #[test]
    fn signed_wins_over_unsigned_and_duplicates_are_dropped() {
        let v = run(
            verified(&["email", "email"]),
            &["email", "x", "x"],
            Enforcement::On,
            &["email", "x"],
        );
        assert_eq!(
            v.accepted
                .iter()
                .map(|a| (a.label.as_str(), a.source))
                .collect::<Vec<_>>(),
            [
                ("email", AcceptedSource::Signed),
                ("x", AcceptedSource::UnsignedAllowlisted)
            ]
        );
        assert_eq!(
            codes(&v),
            [
                ("email".into(), Code::DuplicateLabel),
                ("email".into(), Code::OverriddenBySigned),
                ("x".into(), Code::DuplicateLabel)
            ]
        );
    }

    #[test]
    fn report_only_accepts_everything_and_lists_what_would_drop() {
        let failed = SignedInput::Failed(Box::new(Failure {
            problem: crate::domain::problem::Problem::new(Code::SignatureMismatch, "m", "h"),
            stage: crate::jws::Stage::Signature,
            key_id: None,
            header: None,
            unverified_items: vec![item("email")],
            warnings: vec![],
        }));
        let v = run(
            failed,
            &["page", "coupon"],
            Enforcement::ReportOnly,
            &["page"],
        );
        assert!(v.rejected.is_empty());
        assert_eq!(
            v.accepted
                .iter()
                .map(|a| (a.label.as_str(), a.source))
                .collect::<Vec<_>>(),
            [
                ("email", AcceptedSource::ReportOnly),
                ("page", AcceptedSource::UnsignedAllowlisted),
                ("coupon", AcceptedSource::ReportOnly)
            ]
        );
        assert_eq!(
            v.would_reject
                .iter()
                .map(|r| (r.label.as_str(), r.reason.code))
                .collect::<Vec<_>>(),
            [
                ("email", Code::InvalidSignature),
                ("coupon", Code::NotAllowlisted)
            ]
        );
    }

    #[test]
    fn non_string_type_is_warned() {
        let mut odd = item("n");
        odd.kind = "number".into();
        let allowlist = HashSet::new();
        let policy = Policy {
            enforcement: Enforcement::Off,
            allowlist: &allowlist,
        };
        let v = decide(
            uuid::Uuid::nil(),
            String::new(),
            SignedInput::Absent,
            vec![odd],
            &policy,
        );
        assert_eq!(v.warnings[0].code, Code::NonStringType);
    }
}
