//! The JSON media types requests may be written in: `application/json`, and JSON:API's own
//! `application/vnd.api+json` (Core API clients send it). One list for the body reader
//! (`api/body.rs`), the JSON-writes guard (`trust_boundary.rs`) and the Core API's answers.

pub const JSON_API: &str = "application/vnd.api+json";

/// Whether a `Content-Type` value (parameters allowed) is JSON.
pub fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json") || essence.eq_ignore_ascii_case(JSON_API)
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_and_json_api_with_parameters_are_json() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/vnd.api+json",
        ] {
            assert!(super::is_json(json), "{json}");
        }
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "application/jsonx",
        ] {
            assert!(!super::is_json(other), "{other}");
        }
    }
}
