//! The JOSE header, checked as RFC 8725 recommends: the algorithm is pinned to ES256 before anything
//! else is trusted, extensions we do not implement are refused, and keys carried in the header are
//! never used to verify (a token must not choose its own key).

use serde_json::{Map, Value};

use crate::domain::problem::{Code, Problem, Warning};
use crate::encoding::strict_json;

/// Header parameters that name or carry a key. We always verify with stored keys only.
const EMBEDDED_KEY_PARAMETERS: &[&str] = &["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];

#[derive(Debug, Clone)]
pub struct Header {
    pub parameters: Map<String, Value>,
    pub kid: Option<String>,
}

/// Decoded header bytes. `{"alg":"ES256","kid":"<uuid>"}` is 50; a header hundreds of times that
/// is an attack on the parser or a mistake (a key or certificate pasted into it).
pub const MAX_HEADER_BYTES: usize = 4 * 1024;

/// Decodes and parses the header; stops at the first problem, in the order a reader would check.
pub fn parse(bytes: &[u8]) -> Result<Map<String, Value>, Problem> {
    if bytes.len() > MAX_HEADER_BYTES {
        return Err(Problem::new(
            Code::HeaderTooLarge,
            format!(
                "The header is {} bytes decoded; the limit is {MAX_HEADER_BYTES}.",
                bytes.len()
            ),
            "The header needs only {\"alg\":\"ES256\"} and optionally \"kid\"; do not embed keys or certificate chains.",
        ));
    }
    if bytes.is_empty() {
        return Err(invalid(
            "The header is empty (zero bytes).",
            "The first part of the token must be base64url of a JSON object such as {\"alg\":\"ES256\"}.",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        invalid(
            "The header is not UTF-8 text.",
            "The first part of the token must be base64url of a JSON object such as {\"alg\":\"ES256\"}.",
        )
    })?;
    let value = strict_json::parse(text.as_bytes()).map_err(|e| {
        invalid(
            format!("The header is not valid JSON: {e}."),
            "The first part of the token must be base64url of a JSON object such as {\"alg\":\"ES256\"}; member names must not repeat (RFC 7515 §4).",
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(invalid(
            format!("The header is {}, not an object.", kind(&other)),
            "The first part of the token must be base64url of a JSON object such as {\"alg\":\"ES256\"}.",
        )),
    }
}

/// Pins `alg` to ES256.
pub fn check_algorithm(parameters: &Map<String, Value>) -> Result<(), Problem> {
    let alg = match parameters.get("alg") {
        None => {
            return Err(invalid(
                "The header has no \"alg\".",
                "Set the header to {\"alg\":\"ES256\"} when signing.",
            ));
        }
        Some(Value::String(alg)) => alg.as_str(),
        Some(other) => {
            return Err(invalid(
                format!("The header's \"alg\" is {}, not a string.", kind(other)),
                "Set the header to {\"alg\":\"ES256\"} when signing.",
            ));
        }
    };
    if alg == "ES256" {
        return Ok(());
    }
    let hint = match alg {
        a if a.eq_ignore_ascii_case("none") => {
            "Unsecured JWS (alg \"none\") is never accepted. Sign with your EC private key using ES256."
        }
        a if a.eq_ignore_ascii_case("ES256") => {
            "\"alg\" is case-sensitive: it must be exactly \"ES256\"."
        }
        "HS256" | "HS384" | "HS512" => {
            "HMAC algorithms are refused: using the public key as an HMAC secret is the classic key-confusion attack (RFC 8725 §2.1). Sign with your EC private key using ES256."
        }
        "ES384" | "ES512" | "ES256K" => {
            "Talkative verifies ES256 only: generate a prime256v1 key (`openssl ecparam -genkey -name prime256v1 -noout -out ec_private.pem`) and sign with ES256."
        }
        a if a.starts_with("RS") || a.starts_with("PS") => {
            "RSA algorithms are not supported: Talkative uses ECDSA P-256. Generate an EC key and sign with ES256."
        }
        _ => "Set \"alg\" to \"ES256\" and sign with your P-256 EC private key.",
    };
    Err(Problem::new(
        Code::UnsupportedAlgorithm,
        format!("The header's \"alg\" is {alg:?}; only \"ES256\" is accepted."),
        hint,
    ))
}

/// Refuses extensions that change how the token must be processed, and warns about embedded keys.
pub fn check_parameters(parameters: &Map<String, Value>) -> Result<Vec<Warning>, Problem> {
    if parameters.contains_key("crit") {
        return Err(Problem::new(
            Code::UnsupportedHeader,
            "The header has \"crit\"; this verifier implements no critical extensions, so it must reject the token (RFC 7515 §4.1.11).",
            "Remove \"crit\" from the header when signing.",
        ));
    }
    if parameters.contains_key("b64") {
        return Err(Problem::new(
            Code::UnsupportedHeader,
            "The header has \"b64\" (RFC 7797 unencoded payload), which Talkative does not use.",
            "Remove \"b64\" and sign the base64url-encoded JSON array as a normal compact JWS.",
        ));
    }
    let mut warnings = Vec::new();
    for name in EMBEDDED_KEY_PARAMETERS {
        if parameters.contains_key(*name) {
            warnings.push(Warning::new(
                Code::EmbeddedKeyIgnored,
                format!("The header carries \"{name}\"; it was ignored. Only keys on the Signing Keys page are used to verify."),
            ));
        }
    }
    Ok(warnings)
}

/// The optional `kid`, which must be a string when present.
pub fn key_id(parameters: &Map<String, Value>) -> Result<Option<&str>, Problem> {
    match parameters.get("kid") {
        None => Ok(None),
        Some(Value::String(kid)) => Ok(Some(kid)),
        Some(other) => Err(invalid(
            format!("The header's \"kid\" is {}, not a string.", kind(other)),
            "Leave \"kid\" out, or set it to the key's id, fingerprint or name from the Signing Keys page.",
        )),
    }
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem::new(Code::InvalidHeader, message, hint)
}

pub(crate) use crate::encoding::strict_json::kind;
