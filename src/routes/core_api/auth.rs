//! Who calls the Core API: the API key whose token is the request's `Authorization: Bearer`,
//! checked by the family guard (`routes/guard.rs`) for every Core API route, then charged
//! against that key's rate limit. Handlers read the caller from the request's extensions.
//! The token itself is never logged: only the key's name and id are.

use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::document::CoreApiError;
use crate::app::api_keys::{self, AuthError, Refusal};
use crate::routes::error::ApiError;
use crate::routes::require_admin::bearer;
use crate::routes::state::WebState;

/// The API key a Core API request was made with.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub key_name: String,
    /// When the key was last noted in use, as read: [`note_use`] decides from it.
    last_used_at: Option<i64>,
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
///
/// A token that opens no key is a guess: charged to its client, whose guesses are refused
/// (`429`) before the lookup each would cost once it has made too many. Loopback clients (test
/// suites trying their error handling) are exempt unless `--rate-limit-loopback`, as for the
/// verify endpoint; pages never get this far (their requests are refused as cross-site first).
pub async fn api_key_refusal(request: &ServiceRequest, state: &WebState) -> Option<HttpResponse> {
    let refused = |error: ApiError| Some(CoreApiError::from(error).error_response());
    let peer = request
        .peer_addr()
        .map(|peer| peer.ip().to_canonical())
        .filter(|ip| !ip.is_loopback() || state.core.settings.rate_limit_loopback);
    if let Some(peer) = peer
        && let Err(wait) = state.api_key_guesses.peek(peer)
    {
        tracing::warn!(client = %peer, "Core API token guesses throttled");
        return refused(ApiError::Throttled(wait));
    }
    let key = match api_keys::authenticate(&state.core, bearer(request)).await {
        Ok(key) => key,
        Err(AuthError::Refused(refusal)) => {
            if refusal == Refusal::Unknown
                && let Some(peer) = peer
            {
                let _ = state.api_key_guesses.check(peer);
            }
            return refused(ApiError::Rejected(refusal.problem()));
        }
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
        last_used_at: key.last_used_at,
    });
    None
}

/// Notes that the request's key was used, once every guard has let the request through: a
/// request refused later (a cross-site page holding a valid key, a rebound host) leaves no mark.
pub async fn note_use(request: &ServiceRequest, state: &WebState) {
    let caller = request.extensions().get::<Caller>().cloned();
    if let Some(caller) = caller {
        api_keys::note_use(&state.core, caller.key_id, caller.last_used_at).await;
    }
}
