//! Admin access control, when an admin password is configured: a session cookie for the portal
//! (from `/login`), and `Authorization: Bearer <password>` for the management API. The API never
//! takes the cookie: SameSite does not separate ports, so a page on another port of 127.0.0.1
//! would send it. Which routes need which is their family's (`family.rs`), checked by `guard.rs`;
//! without a password (loopback only, see `Settings::check_exposure`) neither is asked for.

use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpResponse, ResponseError};

use crate::domain::problem::{Code, Problem};
use crate::routes::cookies;
use crate::routes::error::ApiError;
use crate::routes::state::WebState;

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
pub async fn password_refusal(request: &ServiceRequest, state: &WebState) -> Option<HttpResponse> {
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
        return Some(ApiError::Throttled(wait).error_response());
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

fn unauthorized(message: &str) -> HttpResponse {
    ApiError::Rejected(Problem::new(
        Code::Unauthorized,
        message,
        "Send `Authorization: Bearer <admin password>` (the server's TALKATIVE_ADMIN_PASSWORD).",
    ))
    .error_response()
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
