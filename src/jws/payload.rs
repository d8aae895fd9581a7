//! The signed payload: a JSON array of `{label, data, type}` objects, all strings, each with an
//! optional `name` (what Talkative's widget examples send).

use serde_json::Value;

use crate::domain::InteractionItem;
use crate::domain::interaction::check_limits;
use crate::domain::item_json::{PAYLOAD, ParsedItems, SHAPE_HINT, items_from_json};
use crate::domain::problem::{Code, Problem};
use crate::encoding::strict_json::{self, kind};

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
