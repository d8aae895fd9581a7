//! An engagement: what Talkative calls an interaction, a chat or a video that lasts. It starts
//! (an API action, `startChat`), receives data over time (what it started with, appends, and
//! next the Core API), ends (the agent closes it) and completes (the feedback step is done).
//! The emulator's verification log (`/api/v1/interactions`) records each arrival of data as a
//! verification; an engagement keeps what the agent was given, in order, and merges it into the
//! agent view ([`agent_view`]).

use serde::{Deserialize, Serialize};

use crate::domain::problem::{Code, Problem};

/// Where an engagement is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EngagementState {
    /// Started and not ended: data may still arrive.
    Active,
    /// The agent ended it (`exitInteraction` on the page); the feedback step is open.
    Ended,
    /// The feedback step is done (`completeInteraction`): the last state.
    Completed,
}

impl EngagementState {
    pub const ALL: [Self; 3] = [Self::Active, Self::Ended, Self::Completed];

    /// The wire name, as serialized and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Ended => "ended",
            Self::Completed => "completed",
        }
    }

    /// Whether data may still be added: Talkative accepts data only for interactions that have
    /// not been finalised.
    pub fn accepts_data(self) -> bool {
        self == Self::Active
    }

    /// The state after ending: only an active engagement ends.
    pub fn end(self) -> Result<Self, Problem> {
        match self {
            Self::Active => Ok(Self::Ended),
            other => Err(finalised(other, "ended")),
        }
    }

    /// The state after completing: an active engagement is ended and completed at once.
    pub fn complete(self) -> Result<Self, Problem> {
        match self {
            Self::Active | Self::Ended => Ok(Self::Completed),
            Self::Completed => Err(finalised(self, "completed")),
        }
    }
}

impl std::str::FromStr for EngagementState {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| format!("unknown engagement state {name:?}"))
    }
}

fn finalised(state: EngagementState, wanted: &str) -> Problem {
    Problem::new(
        Code::InteractionFinalised,
        format!(
            "This interaction is {}; it cannot be {wanted}.",
            state.as_str()
        ),
        "Only an active interaction ends, and only one not yet completed completes. Start a new \
         one for a new conversation.",
    )
}

/// Where a piece of data the agent got came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Signed, and the signature verified.
    Signed,
    /// Unsigned, and on the Unsigned fields page.
    Allowlisted,
    /// Unsigned while signing was not enforced (no active key).
    Unsigned,
    /// Accepted only because the emulator runs in report-only mode.
    ReportOnly,
    /// Sent by the customer's backend through the Core API.
    Server,
}

impl Provenance {
    pub const ALL: [Self; 5] = [
        Self::Signed,
        Self::Allowlisted,
        Self::Unsigned,
        Self::ReportOnly,
        Self::Server,
    ];

    /// The wire name, as serialized and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Allowlisted => "allowlisted",
            Self::Unsigned => "unsigned",
            Self::ReportOnly => "report_only",
            Self::Server => "server",
        }
    }

    pub fn is_signed(self) -> bool {
        self == Self::Signed
    }
}

impl std::str::FromStr for Provenance {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| format!("unknown provenance {name:?}"))
    }
}

/// One item an agent was given, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub label: String,
    pub data: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub provenance: Provenance,
    /// Which arrival brought it (0: what the interaction started with).
    pub arrival: i64,
    /// Its place among everything the engagement was given (what the Core API's
    /// `interactionData` ids are made of); internal, not part of the views.
    #[serde(skip)]
    pub position: i64,
}

impl AgentItem {
    /// What identifies it: its name, else its label.
    pub fn key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.label)
    }
}

/// What the agent sees: each key's latest value, in the order the keys first arrived. Later data
/// overrides earlier data with the same key, as Talkative's Core API does, except that unsigned
/// data never overrides signed data (the arrival's verdict already refused it as
/// `overridden_by_signed`, so it is not among `items`; this holds the rule for the merge too).
pub fn agent_view(items: &[AgentItem]) -> Vec<AgentItem> {
    let mut view: Vec<AgentItem> = Vec::new();
    for item in items {
        match view.iter_mut().find(|seen| seen.key() == item.key()) {
            Some(seen) if seen.provenance.is_signed() && !item.provenance.is_signed() => {}
            Some(seen) => *seen = item.clone(),
            None => view.push(item.clone()),
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        name: Option<&str>,
        label: &str,
        data: &str,
        provenance: Provenance,
        arrival: i64,
    ) -> AgentItem {
        AgentItem {
            name: name.map(str::to_owned),
            label: label.to_owned(),
            data: data.to_owned(),
            kind: "string".to_owned(),
            provenance,
            arrival,
            position: 0,
        }
    }

    #[test]
    fn later_data_overrides_earlier_by_key_but_never_unsigned_over_signed() {
        let items = [
            item(
                Some("email"),
                "Email",
                "old@b.c",
                Provenance::Allowlisted,
                0,
            ),
            item(None, "page", "/a", Provenance::Unsigned, 0),
            item(Some("account"), "Account", "42", Provenance::Signed, 0),
            item(
                Some("email"),
                "Email Address",
                "new@b.c",
                Provenance::Allowlisted,
                1,
            ),
            item(Some("account"), "Account", "43", Provenance::Allowlisted, 1),
            item(None, "page", "/b", Provenance::Unsigned, 2),
        ];
        let view = agent_view(&items);
        let shown: Vec<(&str, &str, i64)> = view
            .iter()
            .map(|i| (i.key(), i.data.as_str(), i.arrival))
            .collect();
        assert_eq!(
            shown,
            [
                ("email", "new@b.c", 1),
                ("page", "/b", 2),
                ("account", "42", 0)
            ]
        );
        assert_eq!(
            view[0].label, "Email Address",
            "the override brings its label"
        );
        // Signed data may replace signed data.
        let resigned = agent_view(&[
            item(Some("account"), "Account", "42", Provenance::Signed, 0),
            item(Some("account"), "Account", "44", Provenance::Signed, 3),
        ]);
        assert_eq!(resigned[0].data, "44");
    }

    #[test]
    fn an_interaction_ends_then_completes_and_nothing_after() {
        use EngagementState::*;
        assert_eq!(Active.end().unwrap(), Ended);
        assert_eq!(Ended.complete().unwrap(), Completed);
        assert_eq!(Active.complete().unwrap(), Completed);
        for refused in [Ended.end(), Completed.end(), Completed.complete()] {
            assert_eq!(refused.unwrap_err().code, Code::InteractionFinalised);
        }
        assert!(Active.accepts_data());
        assert!(!Ended.accepts_data() && !Completed.accepts_data());
        for state in EngagementState::ALL {
            assert_eq!(state.as_str().parse::<EngagementState>().unwrap(), state);
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        for provenance in Provenance::ALL {
            assert_eq!(
                provenance.as_str().parse::<Provenance>().unwrap(),
                provenance
            );
            assert_eq!(
                serde_json::to_value(provenance).unwrap(),
                provenance.as_str()
            );
        }
    }
}
