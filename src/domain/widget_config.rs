//! A chat widget config, as Talkative's admin portal keeps one: the UUID a page's loader URL
//! names, its API actions (an "API Reference" name that starts a chat or a video on a queue),
//! its queues with their presence, and its pre-chat fields. The emulator keeps what a page
//! needs to behave as it would against Talkative: which actions exist, whether their queues are
//! online, and which field names pre-fill. A [`WidgetConfig`] is always consistent: parsing
//! refuses duplicate names, actions on queues it does not have, and text no page could show.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::problem::{Code, Problem};
use crate::domain::webhook::{Endpoint, Header, mask};

/// A queue's presence, as `talkativeApi.queues.getPresences()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Presence {
    Online,
    OfflineBusinessHours,
    OfflineNoUsers,
    OfflineQueueCap,
    OfflineUnknown,
}

impl Presence {
    pub const ALL: [Presence; 5] = [
        Self::Online,
        Self::OfflineBusinessHours,
        Self::OfflineNoUsers,
        Self::OfflineQueueCap,
        Self::OfflineUnknown,
    ];

    /// The wire name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "ONLINE",
            Self::OfflineBusinessHours => "OFFLINE_BUSINESS_HOURS",
            Self::OfflineNoUsers => "OFFLINE_NO_USERS",
            Self::OfflineQueueCap => "OFFLINE_QUEUE_CAP",
            Self::OfflineUnknown => "OFFLINE_UNKNOWN",
        }
    }

    pub fn is_online(self) -> bool {
        self == Self::Online
    }
}

impl std::str::FromStr for Presence {
    type Err = Problem;

    fn from_str(name: &str) -> Result<Self, Problem> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| {
                invalid(
                    format!("{name:?} is not a queue status."),
                    "Use ONLINE, OFFLINE_BUSINESS_HOURS, OFFLINE_NO_USERS, OFFLINE_QUEUE_CAP or \
                     OFFLINE_UNKNOWN (what talkativeApi.queues.getPresences() reports).",
                )
            })
    }
}

/// What an API action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    StartChat,
    StartVideo,
    /// A chatbot fulfilment node: during an interaction, POSTs it to the action's `url` and
    /// stores the answer's `[{name, data}]` as interaction data (`app/fulfilment.rs`).
    Fulfilment,
}

impl ActionKind {
    /// The channel an interaction it starts is on; `None` for one that starts nothing.
    pub fn channel(self) -> Option<Channel> {
        match self {
            Self::StartChat => Some(Channel::Chat),
            Self::StartVideo => Some(Channel::Video),
            Self::Fulfilment => None,
        }
    }

    /// What the portal says it does.
    pub fn title(self) -> &'static str {
        match self {
            Self::StartChat => "chat",
            Self::StartVideo => "video",
            Self::Fulfilment => "chatbot fulfilment",
        }
    }
}

/// A header a fulfilment action sends. Its value is a secret: views show it masked
/// ([`WidgetConfigParts::masked`]), and a masked value sent back keeps the stored one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionHeader {
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for ActionHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.name,
            crate::domain::webhook::mask(&self.value)
        )
    }
}

/// What an interaction is: a chat or a video.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    Chat,
    Video,
}

impl Channel {
    /// The wire name, as serialized and stored.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Queue {
    pub uuid: Uuid,
    pub name: String,
    pub status: Presence,
}

/// An API action: what `talkativeApi.actions.triggerAction(reference)` runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Action {
    /// The "API Reference" name a page triggers it by, e.g. `start-chat`.
    pub reference: String,
    pub kind: ActionKind,
    /// The queue it starts the interaction on (for a fulfilment action, the queue whose chatbot
    /// runs it): one of the config's.
    pub queue: Uuid,
    /// A fulfilment action's endpoint: https, or http to this machine (as a webhook's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Headers a fulfilment action sends, exactly as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<ActionHeader>,
}

impl Action {
    /// A fulfilment action's endpoint and headers, checked as a webhook's are.
    pub fn fulfilment_target(&self) -> Result<(Endpoint, Vec<Header>), Problem> {
        let about = |p: Problem| {
            invalid(
                format!("Action {:?}: {}", self.reference, p.message),
                p.hint,
            )
        };
        let endpoint = Endpoint::parse(self.url.as_deref().unwrap_or_default()).map_err(about)?;
        let headers = Header::parse_all(
            self.headers
                .iter()
                .map(|h| (h.name.as_str(), h.value.as_str())),
        )
        .map_err(about)?;
        Ok((endpoint, headers))
    }
}

/// A pre-chat form field: interaction data whose `name` matches pre-fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreChatField {
    pub name: String,
    pub label: String,
}

/// What a config is made of, before it is checked (a request body, the config file, a row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WidgetConfigParts {
    pub name: String,
    #[serde(default)]
    pub queues: Vec<Queue>,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub fields: Vec<PreChatField>,
}

impl WidgetConfigParts {
    /// The parts as views show them: fulfilment actions' header values masked.
    pub fn masked(&self) -> Self {
        let mut parts = self.clone();
        for action in &mut parts.actions {
            for header in &mut action.headers {
                header.value = mask(&header.value);
            }
        }
        parts
    }

    /// Puts back the values a view masked: a header sent with exactly the mask `stored` shows
    /// for the same action and name keeps its stored value (an edited config sent back whole).
    pub fn unmask_from(&mut self, stored: &WidgetConfigParts) {
        for action in &mut self.actions {
            let Some(before) = stored
                .actions
                .iter()
                .find(|a| a.reference == action.reference)
            else {
                continue;
            };
            for header in &mut action.headers {
                if let Some(kept) = before.headers.iter().find(|h| {
                    h.name.eq_ignore_ascii_case(&header.name) && mask(&h.value) == header.value
                }) {
                    header.value = kept.value.clone();
                }
            }
        }
    }
}

/// A checked config: see [`WidgetConfig::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    uuid: Uuid,
    parts: WidgetConfigParts,
}

/// Longest name of a config, queue, action reference or field, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most queues, actions or fields one config may have.
pub const MAX_ENTRIES: usize = 50;

impl WidgetConfig {
    /// The config the emulator has when nothing else is set up, and what a page naming an
    /// unknown config gets unless `--strict-widget-configs`: `start-chat` and `start-video` on
    /// one queue that is online, as a new account on Talkative offers after its first queue.
    pub const DEFAULT_UUID: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001);
    pub const DEFAULT_QUEUE: Uuid = Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0002);

    pub fn default_config() -> Self {
        let action = |kind| Action {
            reference: match kind {
                ActionKind::StartChat => "start-chat",
                ActionKind::StartVideo => "start-video",
                ActionKind::Fulfilment => "fulfilment",
            }
            .to_owned(),
            kind,
            queue: Self::DEFAULT_QUEUE,
            url: None,
            headers: Vec::new(),
        };
        Self {
            uuid: Self::DEFAULT_UUID,
            parts: WidgetConfigParts {
                name: "Default".to_owned(),
                queues: vec![Queue {
                    uuid: Self::DEFAULT_QUEUE,
                    name: "Support".to_owned(),
                    status: Presence::Online,
                }],
                actions: vec![
                    action(ActionKind::StartChat),
                    action(ActionKind::StartVideo),
                ],
                fields: vec![
                    PreChatField {
                        name: "name".to_owned(),
                        label: "Name".to_owned(),
                    },
                    PreChatField {
                        name: "email".to_owned(),
                        label: "Email".to_owned(),
                    },
                ],
            },
        }
    }

    /// Checks `parts`: names within limits and free of control characters, each queue's UUID,
    /// each action's reference and each field's name used once, each action on a queue of this
    /// config. The first problem found is named, with where it is.
    pub fn new(uuid: Uuid, mut parts: WidgetConfigParts) -> Result<Self, Problem> {
        parts.name = plain(&parts.name, "The config's name")?;
        for (what, count) in [
            ("queues", parts.queues.len()),
            ("actions", parts.actions.len()),
            ("fields", parts.fields.len()),
        ] {
            if count > MAX_ENTRIES {
                return Err(invalid(
                    format!("The config has {count} {what}; the limit is {MAX_ENTRIES}."),
                    "A chat widget config has a handful of each.",
                ));
            }
        }
        let mut queues = HashSet::new();
        for (index, queue) in parts.queues.iter_mut().enumerate() {
            queue.name = plain(&queue.name, &format!("Queue {index}'s name"))?;
            if !queues.insert(queue.uuid) {
                return Err(invalid(
                    format!(
                        "Queue {index} has the UUID {} of an earlier queue.",
                        queue.uuid
                    ),
                    "Give each queue its own UUID (Talkative's queue management page shows them).",
                ));
            }
        }
        let mut references = HashSet::new();
        for (index, action) in parts.actions.iter_mut().enumerate() {
            action.reference = reference(&action.reference, index)?;
            if !references.insert(action.reference.clone()) {
                return Err(invalid(
                    format!(
                        "Action {index}'s reference {:?} is an earlier action's.",
                        action.reference
                    ),
                    "A page triggers an action by its reference name: each must be unique.",
                ));
            }
            if action.kind == ActionKind::Fulfilment {
                action.fulfilment_target()?;
            } else if action.url.is_some() || !action.headers.is_empty() {
                return Err(invalid(
                    format!(
                        "Action {:?} starts a {}: only a fulfilment action has a url and headers.",
                        action.reference,
                        action.kind.title()
                    ),
                    "Leave url and headers out, or make its kind \"fulfilment\".",
                ));
            }
            if !queues.contains(&action.queue) {
                return Err(invalid(
                    format!(
                        "Action {:?} starts on the queue {}, which this config does not have.",
                        action.reference, action.queue
                    ),
                    "Add the queue to the config's queues, or use one of its queues' UUIDs.",
                ));
            }
        }
        let mut fields = HashSet::new();
        for (index, field) in parts.fields.iter_mut().enumerate() {
            field.name = plain(&field.name, &format!("Field {index}'s name"))?;
            field.label = plain(&field.label, &format!("Field {index}'s label"))?;
            if !fields.insert(field.name.clone()) {
                return Err(invalid(
                    format!(
                        "Field {index}'s name {:?} is an earlier field's.",
                        field.name
                    ),
                    "Interaction data pre-fills a field by its name: each must be unique.",
                ));
            }
        }
        Ok(Self { uuid, parts })
    }

    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    pub fn name(&self) -> &str {
        &self.parts.name
    }

    pub fn queues(&self) -> &[Queue] {
        &self.parts.queues
    }

    pub fn actions(&self) -> &[Action] {
        &self.parts.actions
    }

    pub fn fields(&self) -> &[PreChatField] {
        &self.parts.fields
    }

    pub fn parts(&self) -> &WidgetConfigParts {
        &self.parts
    }

    pub fn into_parts(self) -> WidgetConfigParts {
        self.parts
    }

    /// The action a page triggers by `reference`, and the queue it starts on.
    pub fn action(&self, reference: &str) -> Option<(&Action, &Queue)> {
        let action = self.actions().iter().find(|a| a.reference == reference)?;
        let queue = self.queues().iter().find(|q| q.uuid == action.queue)?;
        Some((action, queue))
    }

    /// The config with `queue`'s status set to `status`; `None` when it has no such queue.
    pub fn with_presence(mut self, queue: Uuid, status: Presence) -> Option<Self> {
        let entry = self.parts.queues.iter_mut().find(|q| q.uuid == queue)?;
        entry.status = status;
        Some(self)
    }
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem::new(Code::InvalidWidgetConfig, message, hint)
}

/// `raw` trimmed, refused when blank, too long, or holding control characters.
fn plain(raw: &str, what: &str) -> Result<String, Problem> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(invalid(
            format!("{what} is empty."),
            "Give it a short name.",
        ));
    }
    if chars > MAX_NAME_CHARS {
        return Err(invalid(
            format!("{what} is {chars} characters long; the limit is {MAX_NAME_CHARS}."),
            "Shorten it.",
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(invalid(
            format!("{what} contains the control character U+{:04X}.", c as u32),
            "Remove it: names are shown on pages and in the agent console.",
        ));
    }
    Ok(text.to_owned())
}

/// An action's reference: a page passes it to `triggerAction` as a string, so it is kept as
/// typed but must be non-blank, of printable characters, without surrounding spaces.
fn reference(raw: &str, index: usize) -> Result<String, Problem> {
    if raw != raw.trim() {
        return Err(invalid(
            format!("Action {index}'s reference {raw:?} begins or ends with whitespace."),
            "A page passes the reference to triggerAction exactly: remove the spaces.",
        ));
    }
    plain(raw, &format!("Action {index}'s reference"))
}

/// A config to store: its name, queues, actions and fields (and, on create, an optional UUID:
/// the one Talkative's portal shows, so a page's loader URL can stay as it is).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWidgetConfig {
    #[schema(format = Uuid)]
    uuid: Option<Uuid>,
    name: String,
    #[serde(default)]
    queues: Vec<Queue>,
    #[serde(default)]
    actions: Vec<Action>,
    #[serde(default)]
    fields: Vec<PreChatField>,
}

impl NewWidgetConfig {
    pub fn into_parts(self) -> (Option<Uuid>, WidgetConfigParts) {
        (
            self.uuid,
            WidgetConfigParts {
                name: self.name,
                queues: self.queues,
                actions: self.actions,
                fields: self.fields,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> WidgetConfigParts {
        WidgetConfig::default_config().into_parts()
    }

    #[test]
    fn a_fulfilment_action_needs_a_url_and_its_header_values_are_masked_in_views() {
        let queue = WidgetConfig::DEFAULT_QUEUE;
        let mut parts = WidgetConfig::default_config().into_parts();
        parts.actions.push(Action {
            reference: "lookup-order".into(),
            kind: ActionKind::Fulfilment,
            queue,
            url: Some("http://127.0.0.1:9000/fulfil".into()),
            headers: vec![ActionHeader {
                name: "Authorization".into(),
                value: "Bearer secret-0123456789".into(),
            }],
        });
        let config = WidgetConfig::new(WidgetConfig::DEFAULT_UUID, parts.clone()).unwrap();
        assert_eq!(config.actions()[2].kind.channel(), None);
        let shown = config.parts().masked();
        assert_eq!(shown.actions[2].headers[0].value, "••••6789");
        assert!(!format!("{:?}", config.parts()).contains("secret"));
        // Sent back as shown, the stored value is kept.
        let mut edited = shown.clone();
        edited.unmask_from(config.parts());
        assert_eq!(
            edited.actions[2].headers[0].value,
            "Bearer secret-0123456789"
        );

        let mut no_url = parts.clone();
        no_url.actions[2].url = None;
        let problem = WidgetConfig::new(WidgetConfig::DEFAULT_UUID, no_url).unwrap_err();
        assert!(problem.message.contains("lookup-order"), "{problem}");
        let mut remote_http = parts.clone();
        remote_http.actions[2].url = Some("http://crm.example/fulfil".into());
        assert!(WidgetConfig::new(WidgetConfig::DEFAULT_UUID, remote_http).is_err());
        let mut start_with_url = parts;
        start_with_url.actions[0].url = Some("https://crm.example/".into());
        let problem = WidgetConfig::new(WidgetConfig::DEFAULT_UUID, start_with_url).unwrap_err();
        assert!(
            problem.message.contains("only a fulfilment action"),
            "{problem}"
        );
    }

    #[test]
    fn the_default_config_is_a_valid_config_with_both_actions_online() {
        let default = WidgetConfig::default_config();
        let checked = WidgetConfig::new(default.uuid(), default.parts().clone()).unwrap();
        assert_eq!(checked, default);
        let (chat, queue) = default.action("start-chat").unwrap();
        assert_eq!(chat.kind, ActionKind::StartChat);
        assert!(queue.status.is_online());
        assert_eq!(
            default.action("start-video").unwrap().0.kind.channel(),
            Some(Channel::Video)
        );
        for channel in [Channel::Chat, Channel::Video] {
            assert_eq!(channel.as_str().parse::<Channel>().unwrap(), channel);
            assert_eq!(serde_json::to_value(channel).unwrap(), channel.as_str());
        }
        assert!(
            default.action("Start-Chat").is_none(),
            "references match exactly"
        );
    }

    #[test]
    fn inconsistent_configs_are_refused_naming_what_is_wrong() {
        let uuid = Uuid::new_v4();
        let mut cases: Vec<(WidgetConfigParts, &str)> = Vec::new();
        let mut blank = parts();
        blank.name = "  ".into();
        cases.push((blank, "The config's name is empty"));
        let mut orphan = parts();
        orphan.actions[0].queue = Uuid::nil();
        cases.push((orphan, "which this config does not have"));
        let mut twice = parts();
        twice.actions[1].reference = "start-chat".into();
        cases.push((twice, "is an earlier action's"));
        let mut spaced = parts();
        spaced.actions[0].reference = "start-chat ".into();
        cases.push((spaced, "begins or ends with whitespace"));
        let mut queue_twice = parts();
        queue_twice.queues.push(queue_twice.queues[0].clone());
        cases.push((queue_twice, "of an earlier queue"));
        let mut field_twice = parts();
        field_twice.fields.push(field_twice.fields[0].clone());
        cases.push((field_twice, "is an earlier field's"));
        let mut control = parts();
        control.fields[0].label = "Na\u{7}me".into();
        cases.push((control, "control character U+0007"));
        for (parts, expected) in cases {
            let problem = WidgetConfig::new(uuid, parts).unwrap_err();
            assert_eq!(problem.code, Code::InvalidWidgetConfig);
            assert!(problem.message.contains(expected), "{}", problem.message);
        }
    }

    #[test]
    fn presences_read_and_write_talkatives_names() {
        for presence in Presence::ALL {
            assert_eq!(presence.as_str().parse::<Presence>().unwrap(), presence);
            assert_eq!(serde_json::to_value(presence).unwrap(), presence.as_str());
        }
        assert!("online".parse::<Presence>().is_err());
        let offline = WidgetConfig::default_config()
            .with_presence(WidgetConfig::DEFAULT_QUEUE, Presence::OfflineNoUsers)
            .unwrap();
        assert!(!offline.action("start-chat").unwrap().1.status.is_online());
        assert!(
            WidgetConfig::default_config()
                .with_presence(Uuid::nil(), Presence::Online)
                .is_none()
        );
    }
}
