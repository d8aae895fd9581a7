//! Every rejection the emulator makes, at any boundary, is a [`Problem`]: a stable machine-readable
//! [`Code`], a human message and a hint that says what to do about it.
//!
//! The codes are the public contract (integrators match on them in CI), so they are listed here and
//! nowhere else, and never renamed once released.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, snake_case error codes. `as_str()` is what goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    // Request shape
    InvalidRequest,
    PayloadTooLarge,
    NotFound,
    InternalError,
    LogUnavailable,
    CsrfRejected,
    Unauthorized,
    RateLimited,
    /// Too many clients follow the interaction log at once (streams).
    TooManyFollowers,
    // The browser trust boundary
    HostNotAllowed,
    CrossSiteRequest,
    UnsupportedMediaType,
    // Signing keys
    InvalidPem,
    PrivateKeyNotAccepted,
    UnsupportedCurve,
    UnsupportedKeyType,
    InvalidPublicKey,
    DuplicateKey,
    InvalidKeyName,
    SigningKeyNotFound,
    TooManyActiveKeys,
    // Unsigned fields
    InvalidLabel,
    AlreadyAllowlisted,
    UnsignedFieldNotFound,
    // JWS verification
    TokenTooLarge,
    InvalidSegments,
    InvalidBase64url,
    InvalidHeader,
    UnsupportedAlgorithm,
    UnsupportedHeader,
    UnknownKeyId,
    KeyInactive,
    DerSignature,
    InvalidSignatureLength,
    SignatureOutOfRange,
    SignatureMismatch,
    NoSigningKeys,
    InvalidPayload,
    HeaderTooLarge,
    TooManyItems,
    ItemTooLarge,
    // Per-item verdict reasons
    NotAllowlisted,
    OverriddenBySigned,
    InvalidSignature,
    DuplicateLabel,
    // Warnings
    NonStringType,
    EmbeddedKeyIgnored,
    EmptySignedInteractionData,
    UnknownItemField,
    // Warnings when adding an unsigned field
    LookalikeLabel,
    IdentityLabel,
}

impl Code {
    pub const ALL: &'static [Code] = &[
        Code::InvalidRequest,
        Code::PayloadTooLarge,
        Code::NotFound,
        Code::InternalError,
        Code::LogUnavailable,
        Code::CsrfRejected,
        Code::Unauthorized,
        Code::RateLimited,
        Code::TooManyFollowers,
        Code::HostNotAllowed,
        Code::CrossSiteRequest,
        Code::UnsupportedMediaType,
        Code::InvalidPem,
        Code::PrivateKeyNotAccepted,
        Code::UnsupportedCurve,
        Code::UnsupportedKeyType,
        Code::InvalidPublicKey,
        Code::DuplicateKey,
        Code::InvalidKeyName,
        Code::SigningKeyNotFound,
        Code::TooManyActiveKeys,
        Code::InvalidLabel,
        Code::AlreadyAllowlisted,
        Code::UnsignedFieldNotFound,
        Code::TokenTooLarge,
        Code::InvalidSegments,
        Code::InvalidBase64url,
        Code::InvalidHeader,
        Code::UnsupportedAlgorithm,
        Code::UnsupportedHeader,
        Code::UnknownKeyId,
        Code::KeyInactive,
        Code::DerSignature,
        Code::InvalidSignatureLength,
        Code::SignatureOutOfRange,
        Code::SignatureMismatch,
        Code::NoSigningKeys,
        Code::InvalidPayload,
        Code::HeaderTooLarge,
        Code::TooManyItems,
        Code::ItemTooLarge,
        Code::NotAllowlisted,
        Code::OverriddenBySigned,
        Code::InvalidSignature,
        Code::DuplicateLabel,
        Code::NonStringType,
        Code::EmbeddedKeyIgnored,
        Code::EmptySignedInteractionData,
        Code::UnknownItemField,
        Code::LookalikeLabel,
        Code::IdentityLabel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidRequest => "invalid_request",
            Code::PayloadTooLarge => "payload_too_large",
            Code::NotFound => "not_found",
            Code::InternalError => "internal_error",
            Code::LogUnavailable => "log_unavailable",
            Code::CsrfRejected => "csrf_rejected",
            Code::Unauthorized => "unauthorized",
            Code::RateLimited => "rate_limited",
            Code::TooManyFollowers => "too_many_followers",
            Code::HostNotAllowed => "host_not_allowed",
            Code::CrossSiteRequest => "cross_site_request",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::InvalidPem => "invalid_pem",
            Code::PrivateKeyNotAccepted => "private_key_not_accepted",
            Code::UnsupportedCurve => "unsupported_curve",
            Code::UnsupportedKeyType => "unsupported_key_type",
            Code::InvalidPublicKey => "invalid_public_key",
            Code::DuplicateKey => "duplicate_key",
            Code::InvalidKeyName => "invalid_key_name",
            Code::SigningKeyNotFound => "signing_key_not_found",
            Code::TooManyActiveKeys => "too_many_active_keys",
            Code::InvalidLabel => "invalid_label",
            Code::AlreadyAllowlisted => "already_allowlisted",
            Code::UnsignedFieldNotFound => "unsigned_field_not_found",
            Code::TokenTooLarge => "token_too_large",
            Code::InvalidSegments => "invalid_segments",
            Code::InvalidBase64url => "invalid_base64url",
            Code::InvalidHeader => "invalid_header",
            Code::UnsupportedAlgorithm => "unsupported_algorithm",
            Code::UnsupportedHeader => "unsupported_header",
            Code::UnknownKeyId => "unknown_key_id",
            Code::KeyInactive => "key_inactive",
            Code::DerSignature => "der_signature",
            Code::InvalidSignatureLength => "invalid_signature_length",
            Code::SignatureOutOfRange => "signature_out_of_range",
            Code::SignatureMismatch => "signature_mismatch",
            Code::NoSigningKeys => "no_signing_keys",
            Code::InvalidPayload => "invalid_payload",
            Code::HeaderTooLarge => "header_too_large",
            Code::TooManyItems => "too_many_items",
            Code::ItemTooLarge => "item_too_large",
            Code::NotAllowlisted => "not_allowlisted",
            Code::OverriddenBySigned => "overridden_by_signed",
            Code::InvalidSignature => "invalid_signature",
            Code::DuplicateLabel => "duplicate_label",
            Code::NonStringType => "non_string_type",
            Code::EmbeddedKeyIgnored => "embedded_key_ignored",
            Code::EmptySignedInteractionData => "empty_signed_interaction_data",
            Code::UnknownItemField => "unknown_item_field",
            Code::LookalikeLabel => "lookalike_label",
            Code::IdentityLabel => "identity_label",
        }
    }
}

impl Code {
    /// Whether a verdict can carry this code: a signature error, a rejection reason or a
    /// warning (as opposed to a refused request). The interaction log filters by these.
    pub fn appears_in_verdicts(self) -> bool {
        matches!(
            self,
            Code::TokenTooLarge
                | Code::InvalidSegments
                | Code::InvalidBase64url
                | Code::InvalidHeader
                | Code::UnsupportedAlgorithm
                | Code::UnsupportedHeader
                | Code::UnknownKeyId
                | Code::KeyInactive
                | Code::DerSignature
                | Code::InvalidSignatureLength
                | Code::SignatureOutOfRange
                | Code::SignatureMismatch
                | Code::NoSigningKeys
                | Code::InvalidPayload
                | Code::HeaderTooLarge
                | Code::TooManyItems
                | Code::ItemTooLarge
                | Code::NotAllowlisted
                | Code::OverriddenBySigned
                | Code::InvalidSignature
                | Code::DuplicateLabel
                | Code::NonStringType
                | Code::EmbeddedKeyIgnored
                | Code::EmptySignedInteractionData
                | Code::UnknownItemField
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = String;

    /// The code with this wire name (what [`Code::as_str`] gives).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == name)
            .ok_or_else(|| format!("unknown code {name:?}"))
    }
}

/// The API reference's schema for a code: a string, one of [`Code::ALL`]'s wire names, so the
/// list in the document is this enum, not a copy of it.
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Code::ALL.iter().map(|code| code.as_str())))
            .description(Some(
                "A stable, machine-readable code: integrators match on it. Never renamed once released.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Code {}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A rejection with everything an integrator needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub code: Code,
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn new(code: Code, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (hint: {})", self.code, self.message, self.hint)
    }
}

impl std::error::Error for Problem {}

/// A note that does not change the verdict but that an integrator should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Warning {
    pub code: Code,
    pub message: String,
}

impl Warning {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{s} is not snake_case"
            );
            assert_eq!(serde_json::to_value(code).unwrap(), s);
        }
    }

    #[test]
    fn every_code_is_documented_in_the_api_reference() {
        let readme = include_str!("../../docs/api.md");
        for code in Code::ALL {
            let row = format!("| `{}` |", code.as_str());
            assert!(
                readme.contains(&row),
                "docs/api.md has no table row for {code}"
            );
            // The table's "where" says the same as appears_in_verdicts.
            let place = readme
                .split(&row)
                .nth(1)
                .and_then(|rest| rest.split('|').next())
                .unwrap()
                .trim();
            let in_verdicts = ["verdict", "rejected item", "warning"]
                .iter()
                .any(|p| place.starts_with(p));
            assert_eq!(code.appears_in_verdicts(), in_verdicts, "{code}: {place}");
        }
    }
}
