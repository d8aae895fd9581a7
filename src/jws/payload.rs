//! The signed payload: a JSON array of `{label, data, type}` objects, all strings, each with an
//! optional `name` (what Talkative's widget examples send).

use serde_json::Value;

use super::header::kind;
use crate::domain::InteractionItem;
use crate::domain::interaction::check_limits;
use crate::domain::problem::{Code, Problem, Warning};
use crate::encoding::strict_json;

const SHAPE_HINT: &str = "Sign a JSON array such as [{\"label\":\"email\",\"data\":\"a@b.c\",\"type\":\"string\"}], as Talkative's article shows.";
/// The same for data sent unsigned: nothing there is signed, so "sign" would mislead.
const UNSIGNED_SHAPE_HINT: &str = "Send each item as {\"name\":\"email\",\"label\":\"Email\",\"data\":\"a@b.c\",\"type\":\"string\"} (\"name\" optional, \"type\" required), as Talkative's widget examples do.";
/// What the signed payload is called in messages (`whose` of [`items_from_json`]).
const PAYLOAD: &str = "the payload";

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

/// Parses the payload.
pub fn parse(bytes: &[u8]) -> Result<ParsedItems, Problem> {
    let parsed = parse_items(bytes)?;
    check_limits(&parsed.0, PAYLOAD)?;
    Ok(parsed)
}

fn parse_items(bytes: &[u8]) -> Result<ParsedItems, Problem> {
    // Fast path for the well-formed case: straight into typed items. serde's derive already
    // refuses duplicate and unknown members, so anything it accepts is exactly what the slow
    // path would accept without warnings. Anything else takes the slow path, which names the
    // item and field at fault.
    if let Ok(items) = serde_json::from_slice::<Vec<InteractionItem>>(bytes) {
        return Ok((items, Vec::new()));
    }
    let value = strict_json::parse(bytes).map_err(|e| {
        Problem::new(
            Code::InvalidPayload,
            format!("The payload is not valid JSON: {e}."),
            SHAPE_HINT,
        )
    })?;
    let Value::Array(elements) = value else {
        let extra = if value.is_object() {
            " Talkative expects the interaction data array itself, not a JWT claims object."
        } else {
            ""
        };
        return Err(Problem::new(
            Code::InvalidPayload,
            format!("The payload is {}, not an array.{extra}", kind(&value)),
            SHAPE_HINT,
        ));
    };
    items_from_json(elements, PAYLOAD)
        .map_err(|(message, hint)| Problem::new(Code::InvalidPayload, message, hint))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_articles_shape() {
        let (items, warnings) =
            parse(br#"[{"label":"email","data":"a@b.c","type":"string"}]"#).unwrap();
        assert_eq!(items[0].label, "email");
        assert!(warnings.is_empty());
    }

    #[test]
    fn names_the_item_and_field() {
        let cases: &[(&[u8], &str)] = &[
            (b"{}", "not an array"),
            (b"[1]", "Item 0"),
            (
                br#"[{"label":"a","data":"b","type":"string"},{"label":"c","type":"string"}]"#,
                "Item 1 of the payload has no \"data\"",
            ),
            (
                br#"[{"label":"a","data":5,"type":"string"}]"#,
                "\"data\" as a number",
            ),
            (
                br#"[{"label":"a","label":"b","data":"","type":"string"}]"#,
                "duplicate",
            ),
            (b"not json", "not valid JSON"),
        ];
        for (input, expected) in cases {
            let problem = parse(input).unwrap_err();
            assert_eq!(problem.code, Code::InvalidPayload);
            assert!(
                problem.message.contains(expected),
                "{} lacks {expected}",
                problem.message
            );
        }
    }

    #[test]
    fn takes_the_widget_examples_name_and_refuses_one_that_is_not_a_string() {
        let (items, warnings) = parse(
            br#"[{"name":"email","label":"Email Address","type":"string","data":"a@b.c","x":1}]"#,
        )
        .unwrap();
        assert_eq!(items[0].name.as_deref(), Some("email"));
        assert_eq!(items[0].key(), "email");
        assert_eq!(warnings.len(), 1, "only x is extra: {warnings:?}");
        let (items, _) =
            parse(br#"[{"name":null,"label":"a","data":"b","type":"string","z":0}]"#).unwrap();
        assert_eq!(
            items[0].name, None,
            "null is no name, on the slow path as on the fast one"
        );
        let problem = parse(br#"[{"name":7,"label":"a","data":"b","type":"string"}]"#).unwrap_err();
        assert!(
            problem.message.contains("\"name\" as a number"),
            "{problem}"
        );
    }

    #[test]
    fn warns_about_extra_members() {
        let (_, warnings) = parse(br#"[{"label":"a","data":"b","type":"string","x":1}]"#).unwrap();
        assert_eq!(warnings[0].code, Code::UnknownItemField);
    }
}
