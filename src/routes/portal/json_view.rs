//! Decoded JSON for display: indented, and cut into classed pieces so the template can colour
//! keys, strings, numbers and literals. The pieces are text; the template escapes each one, so
//! highlighting never builds HTML from what a token carried.

use serde_json::Value;

/// One piece of displayed JSON. `class` is empty for punctuation and whitespace.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece {
    pub class: &'static str,
    pub text: String,
}

/// `value` indented, in pieces.
pub fn highlighted(value: &Value) -> Vec<Piece> {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    pieces(&pretty)
}

/// Bytes that decoded to text: highlighted JSON when they are JSON, plain text when not.
pub fn decoded_text(text: &str) -> Vec<Piece> {
    match crate::encoding::strict_json::parse(text.as_bytes()) {
        Ok(value) => highlighted(&value),
        Err(_) => vec![Piece {
            class: "",
            text: text.to_owned(),
        }],
    }
}

/// Cuts serde_json's pretty output (well-formed by construction) into pieces.
fn pieces(json: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut rest = json;
    while let Some(first) = rest.chars().next() {
        let (class, len) = match first {
            '"' => {
                let len = string_len(rest);
                let after = rest[len..].trim_start_matches([' ', '\n']);
                let class = if after.starts_with(':') {
                    "key"
                } else {
                    "string"
                };
                (class, len)
            }
            '-' | '0'..='9' => ("number", run_len(rest, |c| "+-.eE0123456789".contains(c))),
            't' | 'f' | 'n' => ("literal", run_len(rest, |c| c.is_ascii_alphabetic())),
            _ => (
                "",
                run_len(rest, |c| {
                    !matches!(c, '"' | '-' | '0'..='9' | 't' | 'f' | 'n')
                }),
            ),
        };
        let len = len.max(first.len_utf8());
        let (text, tail) = rest.split_at(len);
        match out.last_mut() {
            Some(last) if last.class.is_empty() && class.is_empty() => last.text.push_str(text),
            _ => out.push(Piece {
                class,
                text: text.to_owned(),
            }),
        }
        rest = tail;
    }
    out
}

/// Length in bytes of the JSON string at the start of `s`, quotes included.
fn string_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn run_len(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.find(|c| !keep(c)).unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classes(pieces: &[Piece]) -> Vec<(&str, &str)> {
        pieces
            .iter()
            .filter(|p| !p.class.is_empty())
            .map(|p| (p.class, p.text.as_str()))
            .collect()
    }

    #[test]
    fn keys_strings_numbers_and_literals_are_told_apart() {
        let value = json!({"label": "a \"quoted\": b", "n": -1.5e3, "ok": true, "none": null, "list": ["x", 2]});
        let pieces = highlighted(&value);
        assert_eq!(
            classes(&pieces),
            vec![
                ("key", "\"label\""),
                ("string", "\"a \\\"quoted\\\": b\""),
                ("key", "\"n\""),
                ("number", "-1500.0"),
                ("key", "\"ok\""),
                ("literal", "true"),
                ("key", "\"none\""),
                ("literal", "null"),
                ("key", "\"list\""),
                ("string", "\"x\""),
                ("number", "2"),
            ]
        );
        // Nothing is lost or added: the pieces are the pretty text.
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, serde_json::to_string_pretty(&value).unwrap());
    }

    #[test]
    fn text_that_is_not_json_stays_one_plain_piece() {
        let pieces = decoded_text("<script>not json");
        assert_eq!(
            pieces,
            vec![Piece {
                class: "",
                text: "<script>not json".to_owned()
            }]
        );
        assert_eq!(
            classes(&decoded_text("[\"é\\\\\"]")),
            vec![("string", "\"é\\\\\"")]
        );
    }
}
