//! The Core API's documents: an interaction (an engagement, with the attributes Talkative's
//! articles list) and its interaction data (what the agent sees: each key's latest value).
//! Attributes the emulator knows come from the engagement; the others are constants of the
//! documented type, listed in docs/talkative-compat.md. Built here, not in the Core API's
//! routes, because a webhook's body is the same document (`app/outbox.rs`).

use serde::Serialize;
use uuid::Uuid;

use crate::domain::engagement::{ArrivalKind, EngagementState, Provenance};
use crate::domain::widget_config::Channel;
use crate::storage::engagements::{StoredEngagement, ViewItem};

/// Talkative's timestamps: seconds, UTC, `Z` (`2021-04-04T04:25:04Z`).
pub fn timestamp(millis: i64) -> String {
    let time = std::time::UNIX_EPOCH
        + std::time::Duration::from_millis(u64::try_from(millis).unwrap_or_default());
    humantime::format_rfc3339_seconds(time).to_string()
}

/// An interaction's JSON:API `type`: Talkative's two articles show `interactions` in the list
/// and `interaction` for one read by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InteractionType {
    /// In `GET /interactions`.
    Interactions,
    /// From `GET /interactions/{id}`.
    Interaction,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteraction)]
pub struct InteractionResource {
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: InteractionType,
    /// The numeric id, as a string (JSON:API ids are strings).
    id: String,
    attributes: InteractionAttributes,
    links: SelfLink,
    relationships: Relationships,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionAttributes)]
pub struct InteractionAttributes {
    #[schema(format = Uuid)]
    uuid: Uuid,
    /// Six digits, derived from the id (constant per interaction).
    quick_ref: String,
    /// Constant: the emulator has no customer records; each interaction is its own customer.
    customer_id: i64,
    /// Constant `1`: the emulator's queues have UUIDs, not numbers.
    queue_id: i64,
    /// Constant `1`: the emulator's one agent takes every interaction at once.
    user_id: Option<i64>,
    chat: bool,
    /// Constant `false`: the emulated widget has no voice calls.
    voice: bool,
    /// Constant `false`.
    call_me: bool,
    video: bool,
    /// Constant `false`.
    cobrowse: bool,
    /// Constant `"Web"`: every emulated interaction starts from a page's widget.
    channel: &'static str,
    /// Constant `false`.
    email: bool,
    /// Constant: every channel available (the emulated widget never fires `qosFail`).
    qos: Qos,
    /// `true`: the emulated agent accepts every interaction as it starts.
    handled: bool,
    /// Whether it has ended (or completed).
    ended: bool,
    /// The page it started on (the loader URL's `path`).
    start_url: Option<String>,
    /// The page it ended on: the start page, once it has ended (the emulator does not follow
    /// the visitor).
    end_url: Option<String>,
    created_at: String,
    updated_at: String,
    /// When it started: the emulated agent accepts at once.
    accepted_at: Option<String>,
    ended_at: Option<String>,
    completed_at: Option<String>,
    /// Constant `null`.
    cleaned_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Qos {
    chat: bool,
    voice: bool,
    video: bool,
    cobrowse: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    #[schema(rename = "self")]
    pub this: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionRelationships)]
pub struct Relationships {
    #[serde(rename = "interactionData")]
    #[schema(rename = "interactionData")]
    interaction_data: DataRelationship,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DataRelationship {
    links: RelationshipLinks,
    /// The included items' identifiers, when `include=interactionData` asked for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Vec<Identifier>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RelationshipLinks {
    #[serde(rename = "self")]
    #[schema(rename = "self")]
    this: String,
    related: String,
}

/// A resource identifier object.
#[derive(Serialize, Clone, utoipa::ToSchema)]
#[schema(as = CoreIdentifier)]
pub struct Identifier {
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: &'static str,
    id: String,
}

/// One item the agent sees.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionData)]
pub struct DataResource {
    /// `interactionData`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: &'static str,
    /// `<interaction id>-<position>`: which interaction, and which of everything it was given.
    id: String,
    attributes: DataAttributes,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionDataAttributes)]
pub struct DataAttributes {
    /// Its key, when it had a name (data without one is keyed by its label).
    name: Option<String>,
    label: String,
    data: String,
    /// The item's `type` (JSON:API keeps `type` for the resource's own).
    data_type: String,
    /// Whether it arrived signed and verified.
    signed: bool,
    /// Why the agent has it: `signed`, `allowlisted`, `unsigned` (signing not enforced),
    /// `report_only`, or `server` (the Core API).
    provenance: Provenance,
    /// How it arrived: `start`, `append` (the page, during the interaction) or `core_api`.
    source: ArrivalKind,
    /// Which arrival brought it (0: what the interaction started with).
    arrival: i64,
    created_at: String,
}

/// Where the Core API is, as this request reached it: links are absolute, as Talkative's are.
pub struct Base(pub String);

impl Base {
    /// The Core API's base on the origin a client reached the emulator at
    /// (`http://127.0.0.1:8080`).
    pub fn on(origin: &str) -> Self {
        Self(format!("{origin}/api/core/v1"))
    }

    pub fn interaction(&self, id: i64) -> String {
        format!("{}/interactions/{id}", self.0)
    }

    /// The `interactionData` relationship's links of interaction `id`.
    pub fn data_relationship(&self, id: i64) -> RelationshipLinks {
        let this = self.interaction(id);
        RelationshipLinks {
            this: format!("{this}/relationships/{DATA_TYPE}"),
            related: format!("{this}/{DATA_TYPE}"),
        }
    }
}

pub const DATA_TYPE: &str = "interactionData";

impl InteractionResource {
    /// `data`: the included items' identifiers, when they are included.
    pub fn new(
        engagement: &StoredEngagement,
        kind: InteractionType,
        base: &Base,
        data: Option<Vec<Identifier>>,
    ) -> Self {
        let e = engagement;
        let ended = e.state != EngagementState::Active;
        let this = base.interaction(e.id);
        Self {
            kind,
            id: e.id.to_string(),
            attributes: InteractionAttributes {
                uuid: e.uuid,
                quick_ref: format!("{:06}", 100_000 + e.id.rem_euclid(900_000)),
                customer_id: e.id,
                queue_id: 1,
                user_id: Some(1),
                chat: e.channel == Channel::Chat,
                voice: false,
                call_me: false,
                video: e.channel == Channel::Video,
                cobrowse: false,
                channel: "Web",
                email: false,
                qos: Qos {
                    chat: true,
                    voice: true,
                    video: true,
                    cobrowse: true,
                },
                handled: true,
                ended,
                start_url: e.start_url.clone(),
                end_url: if ended { e.start_url.clone() } else { None },
                created_at: timestamp(e.started_at),
                updated_at: timestamp(e.updated_at),
                accepted_at: Some(timestamp(e.started_at)),
                ended_at: e.ended_at.map(timestamp),
                completed_at: e.completed_at.map(timestamp),
                cleaned_at: None,
            },
            relationships: Relationships {
                interaction_data: DataRelationship {
                    links: base.data_relationship(e.id),
                    data,
                },
            },
            links: SelfLink { this },
        }
    }
}

impl DataResource {
    pub fn identifier(&self) -> Identifier {
        Identifier {
            kind: self.kind,
            id: self.id.clone(),
        }
    }
}

/// What the agent of engagement `engagement` sees (its view), as resources, in the order keys
/// first came.
pub fn agent_data(engagement: i64, view: Vec<ViewItem>) -> Vec<DataResource> {
    view.into_iter()
        .map(|item| data_resource(engagement, item))
        .collect()
}

/// One item the agent sees, as a resource.
pub fn data_resource(engagement: i64, viewed: ViewItem) -> DataResource {
    let ViewItem {
        item,
        kind,
        received_at,
    } = viewed;
    DataResource {
        kind: DATA_TYPE,
        id: format!("{engagement}-{}", item.position),
        attributes: DataAttributes {
            signed: item.provenance.is_signed(),
            provenance: item.provenance,
            name: item.name,
            label: item.label,
            data: item.data,
            data_type: item.kind,
            source: kind,
            arrival: item.arrival,
            created_at: timestamp(received_at),
        },
    }
}

/// One interaction.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionDocument)]
pub struct OneDocument {
    data: InteractionResource,
    /// Its data as the agent sees it, with `include=interactionData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    included: Option<Vec<DataResource>>,
    links: SelfLink,
}

impl OneDocument {
    /// `GET /interactions/{id}`'s document, its data included when `view` (what the agent sees)
    /// is given; `this` is its `self` link.
    pub fn new(
        engagement: &StoredEngagement,
        base: &Base,
        view: Option<Vec<ViewItem>>,
        this: String,
    ) -> Self {
        let included = view.is_some();
        let (data, items) = resource(engagement, InteractionType::Interaction, base, view);
        Self {
            data,
            included: included.then_some(items),
            links: SelfLink { this },
        }
    }
}

/// An interaction as a resource, and its data as resources when `view` (what its agent sees)
/// is given: `include=interactionData`.
pub fn resource(
    engagement: &StoredEngagement,
    kind: InteractionType,
    base: &Base,
    view: Option<Vec<ViewItem>>,
) -> (InteractionResource, Vec<DataResource>) {
    let Some(view) = view else {
        return (
            InteractionResource::new(engagement, kind, base, None),
            Vec::new(),
        );
    };
    let items = agent_data(engagement.id, view);
    let identifiers = items.iter().map(DataResource::identifier).collect();
    let resource = InteractionResource::new(engagement, kind, base, Some(identifiers));
    (resource, items)
}
