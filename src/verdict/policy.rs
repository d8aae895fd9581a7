//! Talkative's rules for what reaches the agent, applied to a verified (or refused) token and the
//! unsigned items sent beside it.
//!
//! - Enforcement is on while at least one active signing key exists (providing a key enables it).
//! - When on, an unsigned item passes only if it is on the allowlist, matched exactly: its name
//!   (or its label, without a name), or its label when the operator says so (`ItemMember`).
//! - An item that arrived signed and valid wins over one with the same key sent unsigned; an
//!   item's key is its name, else its label.
//! - If the signature is invalid, every signed item is dropped.

use std::collections::HashSet;

use super::{
    AcceptedItem, AcceptedSource, Enforcement, Reason, RejectedItem, RejectedSource,
    SignatureStatus, SignatureVerdict, Verdict,
};
use crate::domain::problem::{Code, Warning};
use crate::domain::{InteractionItem, ItemMember};
use crate::jws::{Failure, Verified};

pub struct Policy<'a> {
    pub enforcement: Enforcement,
    pub allowlist: &'a HashSet<String>,
    /// What the allowlist is matched against.
    pub match_on: ItemMember,
    /// The keys an interaction that lasts was already given signed, by earlier arrivals:
    /// unsigned data never overrides them. `None` for a verification on its own.
    pub signed_before: Option<&'a HashSet<String>>,
    /// The items come from the customer's backend through the Core API (authenticated by an
    /// API key): the Unsigned fields page does not apply to them, but they still never
    /// override signed data.
    pub from_backend: bool,
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
    let mut signed_keys: HashSet<String> = HashSet::new();

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
                if signed_keys.contains(item.key()) {
                    verdict.rejected.push(rejected(item, RejectedSource::Signed, Code::DuplicateLabel,
                        "This key (name, else label) appears earlier in the signed data; the first occurrence was kept.", None));
                } else {
                    signed_keys.insert(item.key().to_owned());
                    verdict.accepted.push(accepted(item, AcceptedSource::Signed, None));
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
                        None,
                    ));
                    verdict
                        .accepted
                        .push(accepted(item, AcceptedSource::ReportOnly, None));
                } else {
                    verdict.rejected.push(rejected(
                        item,
                        RejectedSource::Signed,
                        Code::InvalidSignature,
                        &message,
                        None,
                    ));
                }
            }
        }
    }

    let mut unsigned_keys: HashSet<String> = HashSet::new();
    let unsigned_source = if policy.from_backend {
        RejectedSource::Server
    } else {
        RejectedSource::Unsigned
    };
    for item in unsigned {
        if signed_keys.contains(item.key()) {
            verdict.rejected.push(rejected(
                item,
                unsigned_source,
                Code::OverriddenBySigned,
                "The same key (name, else label) arrived signed and verified; the signed value wins.",
                None,
            ));
            continue;
        }
        if policy
            .signed_before
            .is_some_and(|before| before.contains(item.key()))
        {
            let message = if policy.from_backend {
                "This interaction already has signed data with this key (name, else label); \
                 data from the Core API does not replace it either: the agent keeps the signed \
                 value."
            } else {
                "This interaction already has signed data with this key (name, else label); \
                 unsigned data never replaces it."
            };
            verdict.rejected.push(rejected(
                item,
                unsigned_source,
                Code::OverriddenBySigned,
                message,
                None,
            ));
            continue;
        }
        if !unsigned_keys.insert(item.key().to_owned()) {
            verdict.rejected.push(rejected(
                item,
                unsigned_source,
                Code::DuplicateLabel,
                "This key (name, else label) appears earlier in the unsigned data; the first occurrence was kept.",
                None,
            ));
            continue;
        }
        if policy.from_backend {
            verdict
                .accepted
                .push(accepted(item, AcceptedSource::Server, None));
            continue;
        }
        if policy.enforcement == Enforcement::Off {
            verdict
                .accepted
                .push(accepted(item, AcceptedSource::UnsignedNotEnforced, None));
            continue;
        }
        let (member, value) = item.member(policy.match_on);
        let listed = policy.allowlist.contains(value);
        if let Some(warning) = disagreement(&item, member, listed, policy) {
            verdict.warnings.push(warning);
        }
        let refusal = format!(
            "Signing is enforced and its {member} {value:?} is not on the Unsigned fields page \
             (exact, case-sensitive match).",
            member = member.as_str()
        );
        if listed {
            verdict.accepted.push(accepted(
                item,
                AcceptedSource::UnsignedAllowlisted,
                Some(member),
            ));
        } else if report_only {
            verdict.would_reject.push(rejected(
                item.clone(),
                RejectedSource::Unsigned,
                Code::NotAllowlisted,
                &refusal,
                Some(member),
            ));
            verdict
                .accepted
                .push(accepted(item, AcceptedSource::ReportOnly, Some(member)));
        } else {
            verdict.rejected.push(rejected(
                item,
                RejectedSource::Unsigned,
                Code::NotAllowlisted,
                &refusal,
                Some(member),
            ));
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

/// A warning when an item was dropped but its other member (its label when matched on its name,
/// or the reverse) is listed: the one case where the disagreement changed a decision the user
/// can act on. Talkative does not say which its page lists. An item let through by what it was
/// matched on is not warned about, though its other member is unlisted: a name and label that
/// differ is the normal shape of Talkative's items, and warning on every one of them was noise
/// that hid the warnings that mattered (#31).
fn disagreement(
    item: &InteractionItem,
    member: ItemMember,
    listed: bool,
    policy: &Policy<'_>,
) -> Option<Warning> {
    if listed {
        return None;
    }
    let name = item.name.as_deref()?;
    if name == item.label {
        return None;
    }
    let (other, other_value) = match member {
        ItemMember::Name => (ItemMember::Label, item.label.as_str()),
        ItemMember::Label => (ItemMember::Name, name),
    };
    if policy.allowlist.contains(other_value) == listed {
        return None;
    }
    Some(Warning::new(
        Code::NameLabelDisagree,
        format!(
            "Item {name:?} (label {label:?}) was matched on its {member} and dropped; its {other} \
             {other_value:?} is listed and would have let it through (--unsigned-field-match \
             {other}). Talkative does not document which of the two its Unsigned fields page \
             lists: list both, or sign the item.",
            label = item.label,
            member = member.as_str(),
            other = other.as_str(),
        ),
    ))
}

fn accepted(
    item: InteractionItem,
    source: AcceptedSource,
    matched_on: Option<ItemMember>,
) -> AcceptedItem {
    AcceptedItem {
        name: item.name,
        label: item.label,
        data: item.data,
        kind: item.kind,
        source,
        matched_on,
    }
}

fn rejected(
    item: InteractionItem,
    source: RejectedSource,
    code: Code,
    message: &str,
    matched_on: Option<ItemMember>,
) -> RejectedItem {
    RejectedItem {
        name: item.name,
        label: item.label,
        data: item.data,
        kind: item.kind,
        source,
        reason: Reason {
            code,
            message: message.to_owned(),
        },
        matched_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str) -> InteractionItem {
        InteractionItem {
            name: None,
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
            match_on: ItemMember::Name,
            signed_before: None,
            from_backend: false,
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
            match_on: ItemMember::Name,
            signed_before: None,
            from_backend: false,
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

    fn named(name: &str, label: &str) -> InteractionItem {
        InteractionItem {
            name: Some(name.into()),
            ..item(label)
        }
    }

    fn decide_with(
        signed: &[InteractionItem],
        unsigned: Vec<InteractionItem>,
        allow: &[&str],
        match_on: ItemMember,
    ) -> Verdict {
        let allowlist = allow.iter().map(|s| s.to_string()).collect();
        let policy = Policy {
            enforcement: Enforcement::On,
            allowlist: &allowlist,
            match_on,
            signed_before: None,
            from_backend: false,
        };
        let signed = if signed.is_empty() {
            SignedInput::Absent
        } else {
            SignedInput::Verified(Verified {
                key_id: uuid::Uuid::nil(),
                header: Default::default(),
                items: signed.to_vec(),
                warnings: vec![],
            })
        };
        decide(uuid::Uuid::nil(), String::new(), signed, unsigned, &policy)
    }

    /// `{name: "email", label: "Email Address"}`, as Talkative's examples send it, is checked as
    /// `email` (it once was checked as its display label).
    #[test]
    fn the_allowlist_matches_the_name_by_default_and_says_so() {
        let v = decide_with(
            &[],
            vec![named("email", "Email Address"), item("page")],
            &["email", "page"],
            ItemMember::Name,
        );
        let matched: Vec<_> = v
            .accepted
            .iter()
            .map(|a| (a.label.as_str(), a.matched_on))
            .collect();
        assert_eq!(
            matched,
            [
                ("Email Address", Some(ItemMember::Name)),
                ("page", Some(ItemMember::Label))
            ]
        );
        // Its label is not listed, but it passed on its name: nothing to act on, no warning.
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        let json = serde_json::to_value(&v.accepted[0]).unwrap();
        assert_eq!(json["name"], "email");
        assert_eq!(json["matchedOn"], "name");
    }

    #[test]
    fn a_name_and_label_that_would_decide_differently_are_warned_about() {
        // Listed by label only: matched on the name, dropped, with a warning naming the label.
        let v = decide_with(
            &[],
            vec![named("email", "Email Address")],
            &["Email Address"],
            ItemMember::Name,
        );
        assert_eq!(v.rejected[0].reason.code, Code::NotAllowlisted);
        assert_eq!(v.rejected[0].matched_on, Some(ItemMember::Name));
        assert!(v.rejected[0].reason.message.contains("name \"email\""));
        assert_eq!(v.warnings[0].code, Code::NameLabelDisagree);
        assert!(
            v.warnings[0]
                .message
                .contains("--unsigned-field-match label"),
            "{}",
            v.warnings[0].message
        );
        // The operator forces labels: now it passes, and passing warns of nothing.
        let v = decide_with(
            &[],
            vec![named("email", "Email Address")],
            &["Email Address"],
            ItemMember::Label,
        );
        assert_eq!(v.accepted[0].matched_on, Some(ItemMember::Label));
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        // Forced to labels with only the name listed: dropped, and the name is named.
        let v = decide_with(
            &[],
            vec![named("email", "Email Address")],
            &["email"],
            ItemMember::Label,
        );
        assert_eq!(v.rejected[0].reason.code, Code::NotAllowlisted);
        assert_eq!(v.warnings[0].code, Code::NameLabelDisagree);
        assert!(
            v.warnings[0]
                .message
                .contains("its name \"email\" is listed"),
            "{}",
            v.warnings[0].message
        );
        // Both listed, or a name equal to its label: nothing to warn about.
        let v = decide_with(
            &[],
            vec![named("email", "Email Address"), named("page", "page")],
            &["email", "Email Address"],
            ItemMember::Name,
        );
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    }

    #[test]
    fn signed_data_wins_over_unsigned_data_with_the_same_name() {
        let v = decide_with(
            &[named("email", "Email")],
            vec![named("email", "Another label"), item("email")],
            &["email"],
            ItemMember::Name,
        );
        assert_eq!(
            codes(&v),
            [
                ("Another label".into(), Code::OverriddenBySigned),
                ("email".into(), Code::OverriddenBySigned)
            ]
        );
    }

    #[test]
    fn backend_data_skips_the_allowlist_but_never_replaces_signed_data() {
        let allowlist = HashSet::new();
        let before: HashSet<String> = ["account".to_owned()].into();
        let policy = Policy {
            enforcement: Enforcement::On,
            allowlist: &allowlist,
            match_on: ItemMember::Name,
            signed_before: Some(&before),
            from_backend: true,
        };
        let v = decide(
            uuid::Uuid::nil(),
            String::new(),
            SignedInput::Absent,
            vec![named("crm_id", "CRM id"), named("account", "Account")],
            &policy,
        );
        assert_eq!(v.accepted.len(), 1);
        assert_eq!(v.accepted[0].source, AcceptedSource::Server);
        assert_eq!(v.accepted[0].matched_on, None);
        assert_eq!(v.rejected.len(), 1);
        assert_eq!(v.rejected[0].source, RejectedSource::Server);
        assert_eq!(v.rejected[0].reason.code, Code::OverriddenBySigned);
        // The same items from a page are held to the allowlist.
        let page = Policy {
            from_backend: false,
            ..policy
        };
        let v = decide(
            uuid::Uuid::nil(),
            String::new(),
            SignedInput::Absent,
            vec![named("crm_id", "CRM id")],
            &page,
        );
        assert_eq!(v.rejected[0].reason.code, Code::NotAllowlisted);
    }
}
