//! One piece of interaction data, as Talkative's widget carries it, and the limits on how much
//! of it one chat may carry.

use serde::{Deserialize, Serialize};

use crate::domain::problem::{Code, Problem};
use crate::domain::unsigned_field_label::MAX_LABEL_CHARS;

/// Items per list (signed payload or unsigned data). A chat widget carries a handful.
pub const MAX_ITEMS: usize = 100;
/// UTF-8 bytes of one item's `data`.
pub const MAX_DATA_BYTES: usize = 8 * 1024;
/// Characters of one item's `type`.
pub const MAX_TYPE_CHARS: usize = 64;
/// Characters of one item's `name`: what Talkative's chatbot article gives for the names its
/// own systems write (docs/talkative-compat.md); a longer key would not fit Talkative's.
pub const MAX_NAME_CHARS: usize = 191;

/// One item: `{"name", "label", "data", "type"}`, all strings, `name` optional. The article's
/// signed format has no `name`; Talkative's widget examples always send one. In a request, other
/// members are ignored with an `unknown_item_field` warning (the API reference says so; the fast
/// path's derive refuses them and the strict path accepts them, with the warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionItem {
    /// The item's key, as Talkative's widget examples send it: it pre-fills the widget config's
    /// field of that name, and data sent again under the same name replaces it. Without one, the
    /// label is the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the agent console shows beside the data.
    pub label: String,
    pub data: String,
    /// Talkative documents only `"string"`; others are kept, with a `non_string_type` warning.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Which member of an item the Unsigned fields page is matched against. Talkative does not say
/// whether its page lists names or labels (docs/talkative-compat.md): by default the item's key
/// (its `name`, else its `label`), overridable with `--unsigned-field-match label`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemMember {
    /// The `name`, or the `label` of an item without one.
    #[default]
    Name,
    /// The `label` always.
    Label,
}

impl ItemMember {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Label => "label",
        }
    }
}

impl std::str::FromStr for ItemMember {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "name" => Ok(Self::Name),
            "label" => Ok(Self::Label),
            other => Err(format!("{other:?} is neither name nor label")),
        }
    }
}

impl InteractionItem {
    /// The member the Unsigned fields page is matched against under `rule`, and its value.
    pub fn member(&self, rule: ItemMember) -> (ItemMember, &str) {
        match (rule, &self.name) {
            (ItemMember::Name, Some(name)) => (ItemMember::Name, name),
            _ => (ItemMember::Label, &self.label),
        }
    }

    /// What identifies the item: its `name`, else its `label`. Duplicates, and signed data
    /// winning over unsigned data, are decided on it.
    pub fn key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.label)
    }
}

/// Refuses lists beyond the limits, naming the list (`whose`), the item and the field.
pub fn check_limits(items: &[InteractionItem], whose: &str) -> Result<(), Problem> {
    if items.len() > MAX_ITEMS {
        return Err(Problem::new(
            Code::TooManyItems,
            format!(
                "{} has {} items; the limit is {MAX_ITEMS}.",
                capitalized(whose),
                items.len()
            ),
            "Send only the fields the agent needs; a chat carries a handful of interaction data items.",
        ));
    }
    for (index, item) in items.iter().enumerate() {
        let too_large = |field: &str, size: usize, limit: usize, unit: &str| {
            Err(Problem::new(
                Code::ItemTooLarge,
                format!(
                    "Item {index} of {whose} has a \"{field}\" of {size} {unit}; the limit is {limit}."
                ),
                "Shorten it: interaction data is shown to an agent, not a place for documents or blobs.",
            ))
        };
        for (field, text, limit) in [
            ("name", item.name.as_deref(), MAX_NAME_CHARS),
            ("label", Some(item.label.as_str()), MAX_LABEL_CHARS),
        ] {
            let chars = text.map_or(0, |t| t.chars().count());
            if chars > limit {
                return too_large(field, chars, limit, "characters");
            }
        }
        if item.data.len() > MAX_DATA_BYTES {
            return too_large("data", item.data.len(), MAX_DATA_BYTES, "bytes");
        }
        let type_chars = item.kind.chars().count();
        if type_chars > MAX_TYPE_CHARS {
            return too_large("type", type_chars, MAX_TYPE_CHARS, "characters");
        }
    }
    Ok(())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_name_else_the_label() {
        let mut email = item("Email Address", "a@b.c", "string");
        assert_eq!(email.key(), "Email Address");
        email.name = Some("email".into());
        assert_eq!(email.key(), "email");
        let parsed: InteractionItem = serde_json::from_str(
            r#"{"name":"email","label":"Email Address","type":"string","data":"a@b.c"}"#,
        )
        .unwrap();
        assert_eq!(parsed, email);
        assert_eq!(
            serde_json::to_string(&item("l", "d", "string")).unwrap(),
            r#"{"label":"l","data":"d","type":"string"}"#,
            "no name, no member"
        );
    }

    fn item(label: &str, data: &str, kind: &str) -> InteractionItem {
        InteractionItem {
            name: None,
            label: label.into(),
            data: data.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn limits_are_inclusive_and_name_what_is_over() {
        let at_limit = vec![
            item(
                &"l".repeat(MAX_LABEL_CHARS),
                &"d".repeat(MAX_DATA_BYTES),
                &"t".repeat(MAX_TYPE_CHARS)
            );
            MAX_ITEMS
        ];
        assert_eq!(check_limits(&at_limit, "the payload"), Ok(()));

        let too_many = vec![item("a", "b", "string"); MAX_ITEMS + 1];
        let problem = check_limits(&too_many, "the payload").unwrap_err();
        assert_eq!(problem.code, Code::TooManyItems);
        assert!(problem.message.starts_with("The payload has 101 items"));

        for (over, field) in [
            (
                item(&"é".repeat(MAX_LABEL_CHARS + 1), "", "string"),
                "label",
            ),
            (item("a", &"d".repeat(MAX_DATA_BYTES + 1), "string"), "data"),
            (item("a", "", &"t".repeat(MAX_TYPE_CHARS + 1)), "type"),
            (
                InteractionItem {
                    name: Some("n".repeat(MAX_NAME_CHARS + 1)),
                    ..item("a", "", "string")
                },
                "name",
            ),
        ] {
            let problem =
                check_limits(&[item("ok", "", "string"), over], "interactionData").unwrap_err();
            assert_eq!(problem.code, Code::ItemTooLarge);
            assert!(
                problem
                    .message
                    .starts_with(&format!("Item 1 of interactionData has a \"{field}\"")),
                "{}",
                problem.message
            );
        }
    }
}
