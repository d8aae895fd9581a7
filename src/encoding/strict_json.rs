//! JSON parsing that refuses duplicate object keys anywhere in the document.
//!
//! RFC 7515 §4 requires a JWS header to be rejected when a member name repeats, and RFC 8725 §3.2
//! warns that parsers disagree on which duplicate wins: one library reads `"alg":"ES256"`, another
//! reads the later `"alg":"none"`. serde_json keeps the last silently, so we check ourselves.
//! Lone surrogates and nesting beyond serde_json's recursion limit are already errors there.
//!
//! Use this, not `serde_json::Value`'s own `Deserialize`, for any JSON that came from outside,
//! including JSON we stored earlier: with serde_json's `raw_value` feature (which this crate
//! enables), `Value` refuses an object whose first member is named
//! `$serde_json::private::RawValue`, a name any user can put in a header or a request. The fuzz
//! target `strict_json` found pages answering 500 because of it.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(bytes).map(|v| v.0)
}

struct StrictValue(Value);

/// For `#[serde(deserialize_with)]` on an optional JSON object field.
pub fn deserialize_optional_object<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    match Option::<StrictValue>::deserialize(deserializer)?.map(|v| v.0) {
        None => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(de::Error::custom("expected a JSON object")),
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate member name {key:?}")));
            }
            let StrictValue(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// What a JSON value is, in words for a message: "a number", "an object".
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_serde_json_without_duplicates() {
        let text = br#"{"a":[1,-2,3.5,"x",null,true,{"b":{}}]}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
    }

    #[test]
    fn rejects_duplicates_at_any_depth() {
        assert!(parse(br#"{"alg":"ES256","alg":"none"}"#).is_err());
        assert!(parse(br#"[{"label":"a","label":"b"}]"#).is_err());
    }

    #[test]
    fn serde_json_private_marker_is_an_ordinary_member_name() {
        let text = br#"{"$serde_json::private::RawValue":1,"alg":"ES256"}"#;
        assert!(
            serde_json::from_slice::<Value>(text).is_err(),
            "serde_json changed"
        );
        let value = parse(text).unwrap();
        assert_eq!(value["$serde_json::private::RawValue"], 1);
    }

    #[test]
    fn numbers_survive_a_round_trip_exactly() {
        // Found by the fuzz target: without serde_json's float_roundtrip, this drifted by an ulp.
        let value = parse(b"33333333333333333330e33").unwrap();
        let again = parse(serde_json::to_string(&value).unwrap().as_bytes()).unwrap();
        assert_eq!(value, again);
    }

    #[test]
    fn rejects_lone_surrogates_and_deep_nesting() {
        assert!(parse(br#"{"a":"\ud800"}"#).is_err());
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
