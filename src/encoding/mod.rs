//! Strict decoders shared by the JWS engine, the domain types and the web layer's cookies:
//! base64url without padding or stray characters, and JSON that refuses duplicate member names.

pub mod base64url;
pub mod strict_json;
