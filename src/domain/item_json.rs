//! Interaction data items read from JSON values, each member checked and named when it is
//! wrong: the signed payload's (`jws::payload`) and the unsigned items a request carries
//! ([`UnsignedItems`], with the limits applied).

use serde_json::Value;

use crate::domain::InteractionItem;
use crate::domain::interaction::check_limits;
use crate::domain::problem::{Code, Problem, Warning};
use crate::encoding::strict_json::kind;

pub const SHAPE_HINT: &str = "Sign a JSON array such as [{\"label\":\"email\",\"data\":\"a@b.c\",\"type\":\"string\"}], as Talkative's article shows.";
/// The same for data sent unsigned: nothing there is signed, so "sign" would mislead.
const UNSIGNED_SHAPE_HINT: &str = "Send each item as {\"name\":\"email\",\"label\":\"Email\",\"data\":\"a@b.c\",\"type\":\"string\"} (\"name\" optional, \"type\" required), as Talkative's widget examples do.";
/// What the signed payload is called in messages (`whose` of [`items_from_json`]).
pub const PAYLOAD: &str = "the payload";

/// The shape to follow, for the items `whose` names.
fn shape_hint(whose: &str) -> &'static str {
    if whose == PAYLOAD {
        SHAPE_HINT
    } else {
        UNSIGNED_SHAPE_HINT
    }
}

/// Items, and warnings for things that are accepted but probably unintended.
pub type ParsedItems = (Vec<InteractionItem>, Vec<Warning>);

/// Turns JSON values into items, naming the item and field that is wrong.
/// `whose` says where the items came from ("the payload", "interactionData").
pub fn items_from_json(elements: Vec<Value>, whose: &str) -> Result<ParsedItems, (String, String)> {
    let hint = shape_hint(whose);
    let mut items = Vec::with_capacity(elements.len());
    let mut warnings = Vec::new();
    for (index, element) in elements.into_iter().enumerate() {
        let Value::Object(mut object) = element else {
            return Err((
                format!(
                    "Item {index} of {whose} is {}, not an object.",
                    kind(&element)
                ),
                hint.to_owned(),
            ));
        };
        // `null` is no name, as the typed fast path reads it too.
        let name = match object.remove("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name),
            Some(other) => {
                return Err((
                    format!(
                        "Item {index} of {whose} has \"name\" as {}; it must be a string.",
                        kind(&other)
                    ),
                    format!("Leave \"name\" out, or send it as a string. {hint}"),
                ));
            }
        };
        let mut field = |name: &str| match object.remove(name) {
            Some(Value::String(s)) => Ok(s),
            None if name == "type" && whose != PAYLOAD => Err((
                format!("Item {index} of {whose} has no \"type\"."),
                format!(
                    "Add \"type\":\"string\" to it: Talkative's items always carry one. {hint}"
                ),
            )),
            None => Err((
                format!("Item {index} of {whose} has no \"{name}\"."),
                hint.to_owned(),
            )),
            Some(other) => Err((
                format!(
                    "Item {index} of {whose} has \"{name}\" as {}; it must be a string.",
                    kind(&other)
                ),
                format!("Send every value as a string, e.g. \"data\":\"42\". {hint}"),
            )),
        };
        let item = InteractionItem {
            name,
            label: field("label")?,
            data: field("data")?,
            kind: field("type")?,
        };
        for name in object.keys() {
            warnings.push(Warning::new(
                Code::UnknownItemField,
                format!("Item {index} of {whose} has an extra member \"{name}\"; it was ignored."),
            ));
        }
        items.push(item);
    }
    Ok((items, warnings))
}

/// Unsigned items a request carried (the verify endpoint's `interactionData`, the widget's, the
/// playground's, the Core API's), read and within the limits: a list is one only once it is
/// both.
#[derive(Debug)]
pub struct UnsignedItems {
    pub items: Vec<InteractionItem>,
    /// Things accepted but probably unintended (an item's extra member).
    pub warnings: Vec<Warning>,
}

impl UnsignedItems {
    /// From JSON values, `whose` naming the list in messages (`interactionData`): a shape error
    /// is `invalid_request`, naming the item and member; a list past a limit `too_many_items`
    /// or `item_too_large`.
    pub fn from_json(elements: Vec<Value>, whose: &str) -> Result<Self, Problem> {
        let (items, warnings) = items_from_json(elements, whose)
            .map_err(|(message, hint)| Problem::new(Code::InvalidRequest, message, hint))?;
        Self::checked(items, warnings, whose)
    }

    /// Items already read (a typed body), held to the limits.
    pub fn checked(
        items: Vec<InteractionItem>,
        warnings: Vec<Warning>,
        whose: &str,
    ) -> Result<Self, Problem> {
        check_limits(&items, whose)?;
        Ok(Self { items, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_items_are_read_and_held_to_the_limits_in_one_step() {
        let item =
            |label: &str| serde_json::json!({ "label": label, "data": "d", "type": "string" });
        let read = UnsignedItems::from_json(vec![item("a"), item("b")], "interactionData").unwrap();
        assert_eq!(read.items.len(), 2);
        let shape = UnsignedItems::from_json(vec![serde_json::json!(5)], "interactionData");
        assert_eq!(shape.unwrap_err().code, Code::InvalidRequest);
        let many = vec![item("a"); crate::domain::interaction::MAX_ITEMS + 1];
        let refused = UnsignedItems::from_json(many, "interactionData").unwrap_err();
        assert_eq!(refused.code, Code::TooManyItems);
        assert!(
            refused.message.starts_with("InteractionData has"),
            "{}",
            refused.message
        );
    }
}
