//! One piece of interaction data, as Talkative's widget carries it.

use serde::{Deserialize, Serialize};

/// `{"label": "...", "data": "...", "type": "string"}`. All three are strings; Talkative
/// documents only `"string"` as a type, other values are kept but warned about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionItem {
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
}
