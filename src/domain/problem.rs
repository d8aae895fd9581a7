//! Every rejection the emulator makes, at any boundary, is a [`Problem`]: a stable machine-readable
//! [`Code`], a human message and a hint that says what to do about it.
//!
//! The codes are the public contract (integrators match on them in CI), so they are listed here and
//! nowhere else, and never renamed once released.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable, snake_case error codes. `as_str()` is what goes on the wire: the variant's name in
/// snake case, derived (strum), so the enum is the only list of codes. docs/api.md's table is
/// the released list: a test holds the two together both ways, so a renamed variant (a changed
/// wire name) fails it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
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
    // Widget configs
    InvalidWidgetConfig,
    WidgetConfigNotFound,
    /// A queue a request names is not one of the config's.
    QueueNotFound,
    /// The built-in default config cannot be deleted (it is what unknown configs get).
    DefaultWidgetConfig,
    // Interactions that last (the widget's and the Core API's)
    /// A page named a widget config the emulator does not know, with `--strict-widget-configs`.
    UnknownWidgetConfig,
    /// `triggerAction` named an action the config does not have.
    UnknownAction,
    /// The action's queue is not online (the page gets `presenceFail`).
    QueueOffline,
    InteractionNotFound,
    /// The interaction has ended or completed: it takes no more data, and ends once.
    InteractionFinalised,
    /// The interaction holds as much as one interaction may (arrivals, keys or bytes): it takes
    /// no more data (domain/engagement.rs, `Limits`).
    InteractionFull,
    /// The page a start names (the loader's `path`) is longer than a page address can be.
    PathTooLong,
    // Core API keys and requests
    /// A Core API key's name or chosen token was refused.
    InvalidApiKey,
    ApiKeyNotFound,
    /// `?include=` named a relationship the Core API does not have, or one the emulator does
    /// not emulate (JSON:API: 400).
    UnsupportedInclude,
    // Webhooks and chatbot fulfilment: Talkative calling the customer's backend
    /// A webhook's label, endpoint, send condition, queues or headers were refused.
    InvalidWebhook,
    WebhookNotFound,
    /// The validation POST made on saving a webhook did not get a 2xx answer.
    WebhookUnreachable,
    DeliveryNotFound,
    /// An attempt got no answer in time.
    ReceiverTimeout,
    /// An attempt could not connect (refused, no such host, a reset).
    ReceiverUnreachable,
    /// An attempt's TLS handshake failed: the receiver's certificate is not valid.
    ReceiverCertificate,
    /// An attempt was answered with a status other than 2xx.
    ReceiverStatus,
    /// A fulfilment answer is not JSON.
    FulfilmentInvalidJson,
    /// A fulfilment answer is JSON, but not an array of `{name, data}` objects.
    FulfilmentInvalidShape,
    /// A fulfilment answer's `name` is longer than 191 characters.
    FulfilmentNameTooLong,
    /// A fulfilment answer's `data` is longer than 510 characters.
    FulfilmentDataTooLong,
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
    /// The signature verifies with a key deleted lately; deleted keys verify nothing.
    KeyDeleted,
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
    /// An item's name and label differ, and matching the other one against the Unsigned fields
    /// page would have decided otherwise.
    NameLabelDisagree,
    /// A widget start named a config the emulator does not have, and got the default one.
    WidgetConfigDefaulted,
    /// The playground checked a token against a pasted public key that is not stored.
    PastedKeyNotStored,
    // Warnings when adding an unsigned field
    LookalikeLabel,
    IdentityLabel,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: &'static [Code] = <Code as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a verdict can carry this code: a signature error, a rejection reason or a
    /// warning (as opposed to a refused request). The interaction log filters by these.
    /// Exhaustive, without a wildcard: a new code must be placed here.
    pub fn appears_in_verdicts(self) -> bool {
        match self {
            Code::TokenTooLarge
            | Code::InvalidSegments
            | Code::InvalidBase64url
            | Code::InvalidHeader
            | Code::UnsupportedAlgorithm
            | Code::UnsupportedHeader
            | Code::UnknownKeyId
            | Code::KeyInactive
            | Code::KeyDeleted
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
            | Code::NameLabelDisagree
            | Code::WidgetConfigDefaulted
            | Code::PastedKeyNotStored => true,
            Code::InvalidRequest
            | Code::PayloadTooLarge
            | Code::NotFound
            | Code::InternalError
            | Code::LogUnavailable
            | Code::CsrfRejected
            | Code::Unauthorized
            | Code::RateLimited
            | Code::TooManyFollowers
            | Code::HostNotAllowed
            | Code::CrossSiteRequest
            | Code::UnsupportedMediaType
            | Code::InvalidPem
            | Code::PrivateKeyNotAccepted
            | Code::UnsupportedCurve
            | Code::UnsupportedKeyType
            | Code::InvalidPublicKey
            | Code::DuplicateKey
            | Code::InvalidKeyName
            | Code::SigningKeyNotFound
            | Code::TooManyActiveKeys
            | Code::InvalidLabel
            | Code::AlreadyAllowlisted
            | Code::UnsignedFieldNotFound
            | Code::LookalikeLabel
            | Code::InvalidWidgetConfig
            | Code::WidgetConfigNotFound
            | Code::QueueNotFound
            | Code::DefaultWidgetConfig
            | Code::UnknownWidgetConfig
            | Code::UnknownAction
            | Code::QueueOffline
            | Code::InteractionNotFound
            | Code::InteractionFinalised
            | Code::InteractionFull
            | Code::PathTooLong
            | Code::InvalidApiKey
            | Code::ApiKeyNotFound
            | Code::UnsupportedInclude
            | Code::InvalidWebhook
            | Code::WebhookNotFound
            | Code::WebhookUnreachable
            | Code::DeliveryNotFound
            | Code::ReceiverTimeout
            | Code::ReceiverUnreachable
            | Code::ReceiverCertificate
            | Code::ReceiverStatus
            | Code::FulfilmentInvalidJson
            | Code::FulfilmentInvalidShape
            | Code::FulfilmentNameTooLong
            | Code::FulfilmentDataTooLong
            | Code::IdentityLabel => false,
        }
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
        name.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown code {name:?}")))
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
        // And the other way: every code the table lists is one the server still sends, so a
        // renamed variant (its wire name changed) fails here instead of breaking integrators.
        let table = readme
            .split("\n## Every code")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/api.md has an \"Every code\" section");
        let documented: Vec<&str> = table
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split_once("` |"))
            .map(|(name, _)| name)
            .collect();
        for name in documented {
            assert!(
                name.parse::<Code>().is_ok(),
                "docs/api.md lists {name:?}, which is no code"
            );
        }
    }

    #[test]
    fn a_wire_name_parses_back_to_its_code() {
        for code in Code::ALL {
            assert_eq!(code.as_str().parse::<Code>(), Ok(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), *code);
        }
        assert!(
            "InvalidPem".parse::<Code>().is_err(),
            "only wire names parse"
        );
        assert!(serde_json::from_str::<Code>("\"no_such_code\"").is_err());
    }
}
