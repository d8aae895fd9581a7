//! Reading verdicts and API errors, and building interaction data and encodings for requests.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// The code of a verdict's signature error, or of an API error body.
pub fn code(body: &Value) -> &str {
    body["signature"]["error"]["code"]
        .as_str()
        .or_else(|| body["error"]["code"].as_str())
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

/// (label, why) for each item of a verdict list: the reason code when rejected, else the source.
pub fn sources(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let why = i["reason"]["code"]
                .as_str()
                .unwrap_or(i["source"].as_str().unwrap());
            (i["label"].as_str().unwrap().to_owned(), why.to_owned())
        })
        .collect()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

pub fn items(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(label, data)| json!({ "label": label, "data": data, "type": "string" }))
            .collect(),
    )
}
