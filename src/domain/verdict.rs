//! What the agent would see for one interaction: which items passed, which were dropped and why.
//! Serialized camelCase; this shape is the public contract of `POST /api/v1/verify`.

use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::jws::Stage;
use crate::problem::{Code, Problem, Warning};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    On,
    Off,
    /// Keys are configured but the emulator runs in report-only mode: everything is accepted
    /// and `wouldReject` lists what enforcement would have dropped.
    ReportOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    Valid,
    Invalid,
    Absent,
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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureVerdict {
    pub status: SignatureStatus,
    pub key_id: Option<Uuid>,
    pub error: Option<Problem>,
    /// The check the token failed at, for the step-by-step diagnosis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<Stage>,
    /// The decoded JOSE header, when it could be decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptedSource {
    Signed,
    UnsignedAllowlisted,
    UnsignedNotEnforced,
    /// Accepted only because of report-only mode; also listed in `wouldReject`.
    ReportOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectedSource {
    Signed,
    Unsigned,
}

#[derive(Debug, Clone, Serialize)]
pub struct AcceptedItem {
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: AcceptedSource,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub code: Code,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RejectedItem {
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: RejectedSource,
    pub reason: Reason,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub id: Uuid,
    pub received_at: String,
    pub enforcement: Enforcement,
    pub signature: SignatureVerdict,
    pub accepted: Vec<AcceptedItem>,
    pub rejected: Vec<RejectedItem>,
    /// Report-only mode: what enforcement would have dropped (empty otherwise).
    pub would_reject: Vec<RejectedItem>,
    pub warnings: Vec<Warning>,
}

#[cfg(test)]
mod tests {
    use super::SignatureStatus;

    #[test]
    fn status_names_match_serialization() {
        for status in SignatureStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
