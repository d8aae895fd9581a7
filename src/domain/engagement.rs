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

/// `interaction_not_found` for the interaction `uuid` names.
pub fn not_found(uuid: uuid::Uuid) -> Problem {
    Problem::new(
        Code::InteractionNotFound,
        format!("No interaction with UUID {uuid}."),
        "Use the uuid its start answered with (the widget keeps it for the page). An \
         interaction the budget pruned, or a reset removed, is gone.",
    )
}

/// `interaction_finalised` for data sent to an interaction that is no longer active.
pub fn takes_no_data(state: EngagementState) -> Problem {
    Problem::new(
        Code::InteractionFinalised,
        format!(
            "This interaction is {}: it takes no more data.",
            state.as_str()
        ),
        "Only an interaction that has not ended accepts data, as on Talkative. Start a new one.",
    )
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
    /// The customer's backend's answer to a chatbot fulfilment call.
    Fulfilment,
}

impl Provenance {
    pub const ALL: [Self; 6] = [
        Self::Signed,
        Self::Allowlisted,
        Self::Unsigned,
        Self::ReportOnly,
        Self::Server,
        Self::Fulfilment,
    ];

    /// The wire name, as serialized and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Allowlisted => "allowlisted",
            Self::Unsigned => "unsigned",
            Self::ReportOnly => "report_only",
            Self::Server => "server",
            Self::Fulfilment => "fulfilment",
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

/// Whether `later`, arriving for a key the agent already has as `earlier`, replaces it: later
/// data overrides earlier data with the same key, as Talkative's Core API does, except that
/// unsigned data never overrides signed data (the arrival's verdict already refused it as
/// `overridden_by_signed`; this holds the rule for the merge too). The one rule both the stored
/// agent view (`storage/engagements.rs`) and [`agent_view`] follow.
pub fn replaces(earlier_signed: bool, later_signed: bool) -> bool {
    !earlier_signed || later_signed
}

/// What the agent sees: each key's latest value, in the order the keys first arrived, built
/// in one pass (an index by key, not a search of what is built so far: that was quadratic, and
/// an interaction's page took 13 s at 40,000 items).
pub fn agent_view(items: &[AgentItem]) -> Vec<AgentItem> {
    let mut view: Vec<AgentItem> = Vec::new();
    let mut place: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for item in items {
        match place.get(item.key()) {
            Some(&at) => {
                if replaces(view[at].provenance.is_signed(), item.provenance.is_signed()) {
                    view[at] = item.clone();
                }
            }
            None => {
                place.insert(item.key(), view.len());
                view.push(item.clone());
            }
        }
    }
    view
}

/// How an arrival of data reached an engagement.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ArrivalKind {
    /// What the interaction started with.
    Start,
    /// Added by the page while it was under way (`appendInteractionData`, a later token).
    Append,
    /// Added by the customer's backend through the Core API.
    CoreApi,
    /// A chatbot fulfilment action's answer (`app/fulfilment.rs`).
    Fulfilment,
}

impl ArrivalKind {
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// The wire name, as serialized and stored.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How much one interaction may hold, whoever adds to it. A chat carries a handful of items;
/// these are far above that, and keep what one interaction costs to append to, read and show
/// bounded (each append is checked against them before it is verified, and again when it is
/// written). Past them, `interaction_full` (409): start a new interaction.
/// docs/talkative-compat.md says why these numbers (Talkative publishes none for the widget).
pub struct Limits;

impl Limits {
    /// Arrivals of data: its start and every append after it.
    pub const ARRIVALS: u64 = 1_000;
    /// Keys (names, else labels) in what its agent sees.
    pub const KEYS: u64 = 200;
    /// Everything it keeps: its arrivals' requests and verdicts in the log, its items, and the
    /// emulator's bookkeeping of them, as `storage/retention.rs` counts bytes (the pages they
    /// take). A start at the body limit takes about 1.3 MiB.
    pub const BYTES: u64 = 2 * 1024 * 1024;
    /// Characters of the page it started on (the loader's `path`: `location.origin +
    /// location.pathname`). Browsers show addresses far shorter; 2,048 is the old IE limit most
    /// servers still apply.
    pub const PATH_CHARS: usize = 2_048;
}

/// What an engagement holds now, against [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    pub arrivals: u64,
    pub keys: u64,
    pub bytes: u64,
}

impl Held {
    /// `interaction_full` if adding an arrival of `bytes` bringing `new_keys` keys would pass
    /// a limit.
    pub fn check_room(&self, new_keys: u64, bytes: u64) -> Result<(), Problem> {
        let full = |what: String| {
            Problem::new(
                Code::InteractionFull,
                format!("This interaction is full: {what}. It takes no more data."),
                "Start a new interaction for more (an interaction is one conversation; a chat \
                 carries a handful of fields). If a test sends this much on purpose, send less \
                 per arrival, or fewer arrivals.",
            )
        };
        if self.arrivals >= Limits::ARRIVALS {
            return Err(full(format!(
                "it has had {} arrivals of data, the most one may have",
                self.arrivals
            )));
        }
        if self.keys + new_keys > Limits::KEYS {
            return Err(full(format!(
                "its agent would see {} keys, over the {} one interaction may hold",
                self.keys + new_keys,
                Limits::KEYS
            )));
        }
        if self.bytes + bytes > Limits::BYTES {
            return Err(full(format!(
                "it would hold {} bytes, over the {} one interaction may hold",
                self.bytes + bytes,
                Limits::BYTES
            )));
        }
        Ok(())
    }
}

/// The page a start names, or `path_too_long`.
pub fn check_path(path: &str) -> Result<(), Problem> {
    let chars = path.chars().count();
    if chars > Limits::PATH_CHARS {
        return Err(Problem::new(
            Code::PathTooLong,
            format!(
                "The page this interaction starts on (`path`) is {chars} characters; the limit \
                 is {}.",
                Limits::PATH_CHARS
            ),
            "Send `location.origin + location.pathname`, as Talkative's examples build the \
             loader URL: the query string and fragment are not part of it.",
        ));
    }
    Ok(())
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
