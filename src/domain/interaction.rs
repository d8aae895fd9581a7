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

/// One item: `{"label", "data", "type"}`, all three strings. In a request, other members are
/// ignored with an `unknown_item_field` warning (the API reference says so; the fast path's
/// derive refuses them and the strict path accepts them, with the warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionItem {
    pub label: String,
    pub data: String,
    /// Talkative documents only `"string"`; others are kept, with a `non_string_type` warning.
    #[serde(rename = "type")]
    pub kind: String,
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
        let label_chars = item.label.chars().count();
        if label_chars > MAX_LABEL_CHARS {
            return too_large("label", label_chars, MAX_LABEL_CHARS, "characters");
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

    fn item(label: &str, data: &str, kind: &str) -> InteractionItem {
        InteractionItem {
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
