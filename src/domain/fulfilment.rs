//! A chatbot fulfilment answer, as Talkative's article specifies it: a JSON array of
//! `{"name": …, "data": …}` entries, `name` a string of at most 191 characters and `data` at most
//! 510, stored as interaction data. Parsed here; each way an answer can be wrong has its code.

use serde_json::Value;

use crate::domain::problem::{Code, Problem};
use crate::encoding::strict_json::kind;

/// One entry of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfilmentItem {
    pub name: String,
    pub data: String,
}

/// Talkative's limits on an entry.
pub const NAME_MAX_CHARS: usize = 191;
pub const DATA_MAX_CHARS: usize = 510;
/// Entries one answer may give: as many as an interaction's agent view may hold keys
/// (`domain::engagement::Limits::KEYS`).
pub const MAX_ITEMS: usize = 200;

/// Parses a receiver's answer body.
pub fn parse_answer(body: &[u8]) -> Result<Vec<FulfilmentItem>, Problem> {
    let shape_hint = "Answer with a JSON array of objects, each with a string \"name\" (at most \
                      191 characters) and a string \"data\" (at most 510): \
                      [{\"name\": \"order_status\", \"data\": \"shipped\"}].";
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        Problem::new(
            Code::FulfilmentInvalidJson,
            format!("The fulfilment answer is not JSON: {error}."),
            shape_hint,
        )
    })?;
    let Value::Array(entries) = value else {
        return Err(Problem::new(
            Code::FulfilmentInvalidShape,
            format!("The fulfilment answer is {}, not an array.", kind(&value)),
            shape_hint,
        ));
    };
    if entries.len() > MAX_ITEMS {
        return Err(Problem::new(
            Code::FulfilmentInvalidShape,
            format!(
                "The fulfilment answer has {} entries; an interaction holds at most {MAX_ITEMS}.",
                entries.len()
            ),
            shape_hint,
        ));
    }
    let mut items = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let member = |name: &str| -> Result<String, Problem> {
            match entry.get(name) {
                Some(Value::String(text)) => Ok(text.clone()),
                Some(other) => Err(Problem::new(
                    Code::FulfilmentInvalidShape,
                    format!("Entry {index}'s {name:?} is {}, not a string.", kind(other)),
                    shape_hint,
                )),
                None => Err(Problem::new(
                    Code::FulfilmentInvalidShape,
                    if entry.is_object() {
                        format!("Entry {index} has no {name:?}.")
                    } else {
                        format!("Entry {index} is {}, not an object.", kind(entry))
                    },
                    shape_hint,
                )),
            }
        };
        let name = member("name")?;
        let data = member("data")?;
        if name.trim().is_empty() {
            return Err(Problem::new(
                Code::FulfilmentInvalidShape,
                format!("Entry {index}'s name is blank."),
                shape_hint,
            ));
        }
        let chars = name.chars().count();
        if chars > NAME_MAX_CHARS {
            return Err(Problem::new(
                Code::FulfilmentNameTooLong,
                format!(
                    "Entry {index}'s name is {chars} characters; Talkative takes at most \
                     {NAME_MAX_CHARS}."
                ),
                "Shorten the name: it is the key the data is stored under.",
            ));
        }
        let chars = data.chars().count();
        if chars > DATA_MAX_CHARS {
            return Err(Problem::new(
                Code::FulfilmentDataTooLong,
                format!(
                    "Entry {index} ({name:?})'s data is {chars} characters; Talkative takes at \
                     most {DATA_MAX_CHARS}."
                ),
                "Send less, or split it over several names.",
            ));
        }
        items.push(FulfilmentItem { name, data });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_an_array_of_names_and_data_within_talkatives_limits() {
        let items = parse_answer(
            br#"[{"name":"order_status","data":"shipped"},{"name":"eta","data":"","extra":1}]"#,
        )
        .unwrap();
        assert_eq!(
            items,
            [
                FulfilmentItem {
                    name: "order_status".into(),
                    data: "shipped".into()
                },
                FulfilmentItem {
                    name: "eta".into(),
                    data: String::new()
                },
            ]
        );
        assert!(parse_answer(b"[]").unwrap().is_empty());
        let at_limits = format!(
            r#"[{{"name":"{}","data":"{}"}}]"#,
            "é".repeat(NAME_MAX_CHARS),
            "d".repeat(DATA_MAX_CHARS)
        );
        assert!(parse_answer(at_limits.as_bytes()).is_ok());
    }

    #[test]
    fn each_wrong_answer_has_its_code() {
        for (body, code, says) in [
            ("<html>", Code::FulfilmentInvalidJson, "not JSON"),
            (
                r#"{"name":"a","data":"b"}"#,
                Code::FulfilmentInvalidShape,
                "an object, not an array",
            ),
            (
                r#"["a"]"#,
                Code::FulfilmentInvalidShape,
                "a string, not an object",
            ),
            (
                r#"[{"name":"a"}]"#,
                Code::FulfilmentInvalidShape,
                "has no \"data\"",
            ),
            (
                r#"[{"name":"a","data":5}]"#,
                Code::FulfilmentInvalidShape,
                "a number, not a string",
            ),
            (
                r#"[{"name":" ","data":"x"}]"#,
                Code::FulfilmentInvalidShape,
                "blank",
            ),
        ] {
            let problem = parse_answer(body.as_bytes()).unwrap_err();
            assert_eq!(problem.code, code, "{body}");
            assert!(
                problem.message.contains(says),
                "{body}: {}",
                problem.message
            );
        }
        let long_name = format!(
            r#"[{{"name":"{}","data":"x"}}]"#,
            "n".repeat(NAME_MAX_CHARS + 1)
        );
        assert_eq!(
            parse_answer(long_name.as_bytes()).unwrap_err().code,
            Code::FulfilmentNameTooLong
        );
        let long_data = format!(
            r#"[{{"name":"n","data":"{}"}}]"#,
            "d".repeat(DATA_MAX_CHARS + 1)
        );
        assert_eq!(
            parse_answer(long_data.as_bytes()).unwrap_err().code,
            Code::FulfilmentDataTooLong
        );
    }
}
