//! Who calls the Core API: the API key whose token is the request's `Authorization: Bearer`,
//! checked by the family guard (`routes/guard.rs`) for every Core API route, then charged
//! against that key's rate limit. Handlers read the caller from the request's extensions.
//! The token itself is never logged: only the key's name and id are.

use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::document::CoreApiError;
use crate::app::api_keys::{self, AuthError};
use crate::routes::error::ApiError;
use crate::routes::require_admin::bearer;
use crate::routes::state::WebState;

/// The API key a Core API request was made with.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub key_name: String,
}

impl Caller {
    /// The caller of a request the guard let through.
    pub fn of(request: &HttpRequest) -> Result<Self, CoreApiError> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("a Core API route ran without its guard")).into()
            })
    }
}

/// Why this request may not use the Core API, or `None` (and its [`Caller`] noted).
pub async fn api_key_refusal(request: &ServiceRequest, state: &WebState) -> Option<HttpResponse> {
    let refused = |error: ApiError| Some(CoreApiError::from(error).error_response());
    let key = match api_keys::authenticate(&state.core, bearer(request)).await {
        Ok(key) => key,
        Err(AuthError::Refused(refusal)) => return refused(ApiError::Rejected(refusal.problem())),
        Err(AuthError::Internal(error)) => return refused(ApiError::Internal(error)),
    };
    if let Some(limiter) = &state.core_api_limiter
        && let Err(wait) = limiter.check(key.id)
    {
        tracing::warn!(api_key = %key.name, "Core API requests throttled");
        return refused(ApiError::Throttled(wait));
    }
    request.extensions_mut().insert(Caller {
        key_id: key.id,
        key_name: key.name,
    });
    None
}
