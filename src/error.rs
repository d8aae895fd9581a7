//! The HTTP API's one error type, mapped to status codes in one place. Rejections carry their
//! [`Problem`]; anything unexpected becomes a 500 that says nothing internal and is logged once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::problem::{Code, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Rejected(Problem),
    #[error("unexpected error")]
    Internal(#[from] anyhow::Error),
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Rejected(problem)
    }
}

impl From<crate::admin::AdminError> for ApiError {
    fn from(error: crate::admin::AdminError) -> Self {
        match error {
            crate::admin::AdminError::Rejected(problem) => Self::Rejected(problem),
            crate::admin::AdminError::Internal(error) => Self::Internal(error),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("database operation"))
    }
}

impl ApiError {
    pub fn invalid_request(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Rejected(Problem::new(Code::InvalidRequest, message, hint))
    }
}

/// The status for each rejection code. Codes not listed are input that parsed but was refused.
pub fn status_for(code: Code) -> StatusCode {
    match code {
        Code::InvalidRequest => StatusCode::BAD_REQUEST,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::NotFound | Code::SigningKeyNotFound | Code::UnsignedFieldNotFound => {
            StatusCode::NOT_FOUND
        }
        Code::AlreadyAllowlisted => StatusCode::CONFLICT,
        Code::CsrfRejected => StatusCode::FORBIDDEN,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a Problem,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Rejected(problem) => status_for(problem.code),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let internal;
        let problem = match self {
            Self::Rejected(problem) => problem,
            Self::Internal(error) => {
                tracing::error!(error = ?error, "request failed");
                internal = Problem::new(
                    Code::InternalError,
                    "The emulator hit an unexpected error.",
                    "Retry; if it persists, check the server log.",
                );
                &internal
            }
        };
        HttpResponse::build(self.status_code()).json(ErrorBody { error: problem })
    }
}
