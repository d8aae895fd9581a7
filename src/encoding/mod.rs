//! Strict decoders shared by the JWS engine, the domain types and the web layer's cookies:
//! base64url without padding or stray characters, JSON that refuses duplicate member names, and
//! the one form timestamps take.

pub mod base64url;
pub mod strict_json;
pub mod timestamp;
