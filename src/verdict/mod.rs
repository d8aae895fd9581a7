//! What the agent would see for one interaction: which items passed, which were dropped and why.
//! Serialized camelCase; this shape is the public contract of `POST /api/v1/verify`.
//! [`policy`] applies Talkative's rules to the engine's result to build it.

pub mod policy;

use serde::{Deserialize, Serialize};
use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::ItemMember;
use crate::domain::problem::{Code, Problem, Warning};
use crate::jws::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    On,
    Off,
    /// Keys are configured but the emulator runs in report-only mode: everything is accepted
    /// and `wouldReject` lists what enforcement would have dropped.
    ReportOnly,
}

impl Enforcement {
    /// The wire name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
            Self::ReportOnly => "report_only",
        }
    }
}

impl fmt::Display for Enforcement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    Valid,
    Invalid,
    Absent,
}

impl std::str::FromStr for SignatureStatus {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|s| s.as_str() == name).ok_or(())
    }
}

impl SignatureStatus {
    pub const ALL: [SignatureStatus; 3] = [Self::Valid, Self::Invalid, Self::Absent];

    /// The wire name, as serialized; also what the interaction log stores and filters on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignatureVerdict {
    pub status: SignatureStatus,
    pub key_id: Option<Uuid>,
    /// The key's name on the Signing Keys page when it verified (absent in verdicts recorded
    /// before names were kept).
    #[serde(default)]
    pub key_name: Option<String>,
    pub error: Option<Problem>,
    /// The check the token failed at, for the step-by-step diagnosis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<Stage>,
    /// The decoded JOSE header, when it could be decoded. Read back strictly: it came from the
    /// token, so its member names are anyone's (see `encoding::strict_json`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::encoding::strict_json::deserialize_optional_object"
    )]
    #[schema(value_type = Option<Object>)]
    pub header: Option<Map<String, Value>>,
}

impl SignatureVerdict {
    /// Whether the engine got as far as decoding the payload: a token refused for its size or
    /// its shape (not three segments) was never read, so "no interaction data" would mislead.
    pub fn payload_was_read(&self) -> bool {
        !matches!(self.failed_at, Some(Stage::Size | Stage::Segments))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptedSource {
    Signed,
    UnsignedAllowlisted,
    UnsignedNotEnforced,
    /// Accepted only because of report-only mode; also listed in `wouldReject`.
    ReportOnly,
    /// Sent by the customer's backend through the Core API: authenticated by an API key, so not
    /// subject to the Unsigned fields page (it still never replaces signed data).
    Server,
}

impl AcceptedSource {
    /// Why the agent sees this item, in the portal's words.
    pub fn provenance(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::UnsignedAllowlisted => "allowlisted",
            Self::UnsignedNotEnforced => "unsigned (not enforced)",
            Self::ReportOnly => "accepted (report-only)",
            Self::Server => "server (Core API)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectedSource {
    Signed,
    Unsigned,
    /// Sent by the backend through the Core API.
    Server,
}

impl RejectedSource {
    /// The wire name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Unsigned => "unsigned",
            Self::Server => "server",
        }
    }
}

impl fmt::Display for RejectedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedItem {
    /// The item's `name`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: AcceptedSource,
    /// Which member the Unsigned fields page matched, for an item it let through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_on: Option<ItemMember>,
}

impl AcceptedItem {
    /// The item's name when it says something its label does not (the portal shows it).
    pub fn distinct_name(&self) -> Option<&str> {
        distinct_name(self.name.as_deref(), &self.label)
    }
}

impl RejectedItem {
    /// The item's name when it says something its label does not (the portal shows it).
    pub fn distinct_name(&self) -> Option<&str> {
        distinct_name(self.name.as_deref(), &self.label)
    }
}

fn distinct_name<'a>(name: Option<&'a str>, label: &str) -> Option<&'a str> {
    name.filter(|name| *name != label)
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub code: Code,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RejectedItem {
    /// The item's `name`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: RejectedSource,
    pub reason: Reason,
    /// Which member the Unsigned fields page was matched against, for an item it refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_on: Option<ItemMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub id: Uuid,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub enforcement: Enforcement,
    pub signature: SignatureVerdict,
    pub accepted: Vec<AcceptedItem>,
    pub rejected: Vec<RejectedItem>,
    /// Report-only mode: what enforcement would have dropped (empty otherwise).
    #[serde(default)]
    pub would_reject: Vec<RejectedItem>,
    pub warnings: Vec<Warning>,
}

impl Verdict {
    /// Data the customer's backend wrote through the Core API: it carries no signature because
    /// none is asked of it (the portal says "server data", not "absent").
    pub fn is_server_data(&self) -> bool {
        self.signature.status == SignatureStatus::Absent
            && (!self.accepted.is_empty() || !self.rejected.is_empty())
            && self
                .accepted
                .iter()
                .all(|i| i.source == AcceptedSource::Server)
            && self
                .rejected
                .iter()
                .all(|i| i.source == RejectedSource::Server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serialization() {
        for status in SignatureStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for enforcement in [Enforcement::On, Enforcement::Off, Enforcement::ReportOnly] {
            assert_eq!(
                serde_json::to_value(enforcement).unwrap(),
                enforcement.as_str()
            );
        }
        for source in [
            RejectedSource::Signed,
            RejectedSource::Unsigned,
            RejectedSource::Server,
        ] {
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
    }

    #[test]
    fn a_verdict_reads_back_as_it_was_written() {
        let verdict = Verdict {
            id: Uuid::new_v4(),
            received_at: "2026-11-27T00:00:00.000Z".to_owned(),
            enforcement: Enforcement::ReportOnly,
            signature: SignatureVerdict {
                status: SignatureStatus::Invalid,
                key_id: None,
                key_name: None,
                error: Some(Problem::new(Code::SignatureMismatch, "m", "h")),
                failed_at: Some(Stage::Signature),
                header: serde_json::from_str(r#"{"alg":"ES256","kid":"k"}"#).unwrap(),
            },
            accepted: vec![AcceptedItem {
                name: Some("page".to_owned()),
                label: "Page".to_owned(),
                data: "/x".to_owned(),
                kind: "string".to_owned(),
                source: AcceptedSource::ReportOnly,
                matched_on: None,
            }],
            rejected: Vec::new(),
            would_reject: vec![RejectedItem {
                name: Some("page".to_owned()),
                label: "Page".to_owned(),
                data: "/x".to_owned(),
                kind: "string".to_owned(),
                source: RejectedSource::Unsigned,
                reason: Reason {
                    code: Code::NotAllowlisted,
                    message: "m".to_owned(),
                },
                matched_on: Some(ItemMember::Name),
            }],
            warnings: vec![Warning {
                code: Code::UnknownItemField,
                message: "w".to_owned(),
            }],
        };
        let json = serde_json::to_string(&verdict).unwrap();
        let back: Verdict = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn a_stored_header_with_a_hostile_member_name_still_reads() {
        let json = r#"{"status":"invalid","keyId":null,"error":null,"header":{"$serde_json::private::RawValue":1}}"#;
        let signature: SignatureVerdict = serde_json::from_str(json).unwrap();
        assert!(
            signature
                .header
                .unwrap()
                .contains_key("$serde_json::private::RawValue")
        );
    }
}
