//! The HTTP API's one error type, mapped to status codes in one place. Rejections carry their
//! [`Problem`]; anything unexpected becomes a 500 that says nothing internal and is logged once.

use actix_web::http::StatusCode;
use actix_web::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::app::AppError;
use crate::domain::problem::{Code, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Rejected(Problem),
    /// Over a rate limit; the client may retry after this long.
    #[error("rate limited")]
    Throttled(std::time::Duration),
    #[error("unexpected error")]
    Internal(#[from] anyhow::Error),
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Rejected(problem)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(problem) => Self::Rejected(problem),
            AppError::Internal(error) => Self::Internal(error),
        }
    }
}

impl ApiError {
    pub fn invalid_request(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Rejected(Problem::new(Code::InvalidRequest, message, hint))
    }
}

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
            | Code::InvalidLabel => StatusCode::UNPROCESSABLE_ENTITY,
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

/// Every refusal's body: `{"error": {"code", "message", "hint"}}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    #[schema(value_type = Problem)]
    error: &'a Problem,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Rejected(problem) => problem.code.status(),
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let owned;
        let problem = match self {
            Self::Rejected(problem) => problem,
            Self::Throttled(retry_after) => {
                owned = Problem::new(
                    Code::RateLimited,
                    format!(
                        "Too many requests from this address; retry in {} s.",
                        retry_seconds(*retry_after)
                    ),
                    "Slow down, or raise --verify-rate-limit (0 turns it off) for load tests from another host.",
                );
                &owned
            }
            Self::Internal(error) => {
                tracing::error!(error = ?error, "request failed");
                owned = Problem::new(
                    Code::InternalError,
                    "The emulator hit an unexpected error.",
                    "Retry; if it persists, check the server log.",
                );
                &owned
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::Throttled(retry_after) => {
                response.insert_header((RETRY_AFTER, retry_seconds(*retry_after).to_string()));
            }
            Self::Rejected(p) if p.code == Code::Unauthorized => {
                response.insert_header((WWW_AUTHENTICATE, "Bearer realm=\"talkative-emulator\""));
            }
            _ => {}
        }
        response.json(ErrorBody { error: problem })
    }
}

/// Whole seconds for `Retry-After`, rounded up so a client that waits that long gets through.
pub fn retry_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}
