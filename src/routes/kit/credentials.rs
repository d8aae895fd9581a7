//! What proves a caller may use a route, checked by `guard.rs` as its family says (`family.rs`).
//! With an admin password configured: a session cookie for the portal (from `/login`), and
//! `Authorization: Bearer <password>` for the management API. The API never takes the cookie:
//! SameSite does not separate ports, so a page on another port of 127.0.0.1 would send it.
//! Without a password (loopback only, see `Settings::check_exposure`) neither is asked for. The
//! Core API always wants an API key's token ([`api_key_refusal`]).

use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use crate::app::api_keys::{self, AuthError};
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::cookies;
use crate::routes::kit::refusal::{Limit, Refusal};
use crate::routes::kit::state::WebState;

/// Why this request may not see the portal: `None` when no password is configured or it
/// carries a valid session; else the browser is sent to the login form, which brings it back.
pub fn session_refusal(request: &ServiceRequest, state: &WebState) -> Option<HttpResponse> {
    let access = state.access.as_ref()?;
    let signed_in = request
        .cookie(cookies::SESSION)
        .is_some_and(|cookie| access.session_is_valid(cookie.value()));
    (!signed_in).then(|| to_login(request))
}

/// Why this request may not use the API: `None` when no password is configured or it carries
/// the password as a Bearer credential. Wrong passwords are throttled per client.
pub async fn password_refusal(request: &ServiceRequest, state: &WebState) -> Option<Refusal> {
    let access = state.access.as_ref()?;
    let Some(password) = bearer(request) else {
        return Some(unauthorized("This route needs the admin password."));
    };
    if access.is_recently_accepted(password) {
        return None;
    }
    // Only wrong passwords count against the allowance: checked now, charged below.
    let peer = request.peer_addr().map(|peer| peer.ip());
    if let Some(peer) = peer
        && let Err(wait) = state.password_attempts.peek(peer)
    {
        tracing::warn!(client = %peer, "admin password attempts throttled");
        return Some(Refusal::Throttled(wait, Limit::Password));
    }
    if access.check_password(password).await {
        None
    } else {
        if let Some(peer) = peer {
            let _ = state.password_attempts.check(peer);
        }
        Some(unauthorized("The admin password is wrong."))
    }
}

/// The credentials after `Bearer `, exactly as sent: a password may begin or end with spaces.
pub fn bearer(request: &ServiceRequest) -> Option<&str> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(credentials)
}

fn unauthorized(message: &str) -> Refusal {
    Refusal::Rejected(Problem::new(
        Code::Unauthorized,
        message,
        "Send `Authorization: Bearer <admin password>` (the server's TALKATIVE_ADMIN_PASSWORD).",
    ))
}

/// The API key a Core API request was made with. The token itself is never logged: only the
/// key's name and id are.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub key_name: String,
    /// When the key was last noted in use, as read: [`note_use`] decides from it.
    last_used_at: Option<i64>,
}

impl Caller {
    /// The caller of a request the guard let through.
    pub fn of(request: &HttpRequest) -> Result<Self, Refusal> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| {
                Refusal::Internal(anyhow::anyhow!("a Core API route ran without its guard"))
            })
    }
}

/// Why this request may not use the Core API, or `None` (and its [`Caller`] noted): the API key
/// whose token is its `Authorization: Bearer`, then charged against that key's rate limit.
///
/// A token that opens no key is a guess: charged to its client, whose guesses are refused
/// (`429`) before the lookup each would cost once it has made too many. Loopback clients (test
/// suites trying their error handling) are exempt unless `--rate-limit-loopback`, as for the
/// verify endpoint; pages never get this far (their requests are refused as cross-site first).
pub async fn api_key_refusal(request: &ServiceRequest, state: &WebState) -> Option<Refusal> {
    let peer = request
        .peer_addr()
        .map(|peer| peer.ip().to_canonical())
        .filter(|ip| !ip.is_loopback() || state.core.settings.rate_limit_loopback);
    if let Some(peer) = peer
        && let Err(wait) = state.api_key_guesses.peek(peer)
    {
        tracing::warn!(client = %peer, "Core API token guesses throttled");
        return Some(Refusal::Throttled(wait, Limit::TokenGuesses));
    }
    let key = match api_keys::authenticate(&state.core, bearer(request)).await {
        Ok(key) => key,
        Err(AuthError::Refused(refusal)) => {
            if refusal == api_keys::Refusal::Unknown
                && let Some(peer) = peer
            {
                let _ = state.api_key_guesses.check(peer);
            }
            return Some(Refusal::Rejected(refusal.problem()));
        }
        Err(AuthError::Internal(error)) => return Some(Refusal::Internal(error)),
    };
    if let Some(limiter) = &state.core_api_limiter
        && let Err(wait) = limiter.check(key.id)
    {
        tracing::warn!(api_key = %key.name, "Core API requests throttled");
        return Some(Refusal::Throttled(wait, Limit::CoreApiKey));
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

/// Portal pages send the browser to the login form, which brings it back afterwards.
fn to_login(request: &ServiceRequest) -> HttpResponse {
    let back = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let location = if request.method() == Method::GET && back != "/" {
        format!("/login?next={}", percent_encode(back))
    } else {
        "/login".to_owned()
    };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where to go after logging in: only a path on this site (never `//host` or a scheme).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_kept_on_this_site() {
        assert_eq!(safe_next(Some("/signing-keys?x=1")), "/signing-keys?x=1");
        for hostile in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
