//! The HTTP status of each code, in one place.

use actix_web::http::StatusCode;

use crate::domain::problem::Code;

/// The HTTP status of each code, for the API and the portal alike. Exhaustive on purpose: a new
/// code must be given its status here. (An inherent impl of a domain type, written here because
/// statuses are HTTP's business; `domain` knows nothing of HTTP.)
impl Code {
    pub fn status(self) -> StatusCode {
        match self {
            Code::InvalidRequest | Code::UnsupportedInclude => StatusCode::BAD_REQUEST,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound
            | Code::SigningKeyNotFound
            | Code::UnsignedFieldNotFound
            | Code::WidgetConfigNotFound
            | Code::QueueNotFound
            | Code::ApiKeyNotFound
            | Code::WebhookNotFound
            | Code::DeliveryNotFound
            | Code::UnknownWidgetConfig
            | Code::InteractionNotFound => StatusCode::NOT_FOUND,
            Code::DefaultWidgetConfig
            | Code::QueueOffline
            | Code::InteractionFinalised
            | Code::InteractionFull => StatusCode::CONFLICT,
            Code::PathTooLong => StatusCode::UNPROCESSABLE_ENTITY,
            Code::UnknownAction => StatusCode::UNPROCESSABLE_ENTITY,
            Code::AlreadyAllowlisted | Code::TooManyActiveKeys => StatusCode::CONFLICT,
            Code::CsrfRejected | Code::HostNotAllowed | Code::CrossSiteRequest => {
                StatusCode::FORBIDDEN
            }
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::TooManyFollowers => StatusCode::SERVICE_UNAVAILABLE,
            Code::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Code::LogUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            // Input that parsed but was refused: a key or a label the user pasted.
            Code::InvalidPem
            | Code::PrivateKeyNotAccepted
            | Code::UnsupportedCurve
            | Code::UnsupportedKeyType
            | Code::InvalidPublicKey
            | Code::DuplicateKey
            | Code::InvalidKeyName
            | Code::InvalidWidgetConfig
            | Code::InvalidApiKey
            | Code::InvalidWebhook
            | Code::InvalidLabel => StatusCode::UNPROCESSABLE_ENTITY,
            // The receiver's failure, not the request's: what the emulator called answered
            // badly, or not at all (a webhook's validation POST; attempts are logged, not
            // answered, with these codes).
            Code::WebhookUnreachable
            | Code::ReceiverTimeout
            | Code::ReceiverUnreachable
            | Code::ReceiverCertificate
            | Code::ReceiverStatus
            | Code::FulfilmentInvalidJson
            | Code::FulfilmentInvalidShape
            | Code::FulfilmentNameTooLong
            | Code::FulfilmentDataTooLong => StatusCode::BAD_GATEWAY,
            // A token's refusals and the verdict's reasons and warnings are verdicts, answered
            // 200 by the verify endpoint; should one ever be an HTTP error, it is input refused.
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
            | Code::PastedKeyNotStored
            | Code::LookalikeLabel
            | Code::IdentityLabel => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}
