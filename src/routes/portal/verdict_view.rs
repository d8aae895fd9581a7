//! A verdict read back from the interaction log, shaped for templates.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ProblemView {
    pub code: String,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureView {
    pub status: String,
    pub key_id: Option<String>,
    pub error: Option<ProblemView>,
    pub failed_at: Option<String>,
    #[serde(default, deserialize_with = "crate::strict_json::deserialize_optional")]
    pub header: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReasonView {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemView {
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub reason: Option<ReasonView>,
}

impl ItemView {
    /// What the agent would see this item as.
    pub fn provenance(&self) -> &'static str {
        match self.source.as_str() {
            "signed" if self.reason.is_none() => "signed",
            "unsigned_allowlisted" => "allowlisted",
            "unsigned_not_enforced" => "unsigned (not enforced)",
            "report_only" => "accepted (report-only)",
            _ => "dropped",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct WarningView {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictView {
    pub id: String,
    pub received_at: String,
    pub enforcement: String,
    pub signature: SignatureView,
    pub accepted: Vec<ItemView>,
    pub rejected: Vec<ItemView>,
    #[serde(default)]
    pub would_reject: Vec<ItemView>,
    pub warnings: Vec<WarningView>,
}

impl VerdictView {
    pub fn parse(json: &str) -> anyhow::Result<Self> {
        Ok(serde_json::from_str(json)?)
    }

    pub fn header_pretty(&self) -> Option<String> {
        self.signature
            .header
            .as_ref()
            .and_then(|h| serde_json::to_string_pretty(h).ok())
    }
}
