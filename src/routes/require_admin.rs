//! Admin access control. When an admin password is configured, everything but the
//! widget-facing surface requires it: a session cookie for the portal (from `/login`), and
//! `Authorization: Bearer <password>` for the management API. The API never takes the cookie:
//! SameSite does not separate ports, so a page on another port of 127.0.0.1 would send it.
//! Without a password (loopback only, see `Settings::check_exposure`) every route is open, as on
//! a developer's machine. The verify endpoint is registered outside this middleware.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::problem::{Code, Problem};
use crate::routes::error::ApiError;
use crate::routes::state::WebState;

/// The portal's session cookie.
pub const SESSION_COOKIE: &str = "te_session";

/// Routes anyone may use: what a customer page, a health check or the login itself needs.
/// (`POST /api/v1/verify` never reaches this middleware.) `path` is the path as routed, with
/// percent-encoded letters decoded, so `/%61pi/…` is classified as the `/api/…` it routes to.
fn is_open(method: &Method, path: &str) -> bool {
    path == "/health"
        || path == "/favicon.ico"
        || path.starts_with("/static/")
        || (path == "/login" && [Method::GET, Method::HEAD, Method::POST].contains(method))
}

pub async fn require_admin(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let refusal = if is_open(request.method(), request.match_info().as_str()) {
        None
    } else {
        match request.app_data::<Data<WebState>>().cloned() {
            Some(state) => authenticate(&request, &state).await.err(),
            // Fails closed: without the state there is no way to check, so nothing passes.
            None => Some(
                ApiError::Internal(anyhow::anyhow!("require_admin runs without WebState"))
                    .error_response(),
            ),
        }
    };
    match refusal {
        None => Ok(next.call(request).await?.map_into_left_body()),
        Some(response) => Ok(request.into_response(response).map_into_right_body()),
    }
}

/// `Ok` when no password is configured, or the request carries a valid session (portal) or the
/// admin password as a Bearer credential (API).
async fn authenticate(request: &ServiceRequest, state: &WebState) -> Result<(), HttpResponse> {
    let Some(access) = state.access.as_ref() else {
        return Ok(());
    };
    // The API and /metrics are for scripts and scrapers: a Bearer password, never the portal's
    // cookie.
    let path = request.match_info().as_str();
    if !path.starts_with("/api/") && path != "/metrics" {
        let signed_in = request
            .cookie(SESSION_COOKIE)
            .is_some_and(|cookie| access.session_is_valid(cookie.value()));
        return if signed_in {
            Ok(())
        } else {
            Err(to_login(request))
        };
    }
    let Some(password) = bearer(request) else {
        return Err(unauthorized("This route needs the admin password."));
    };
    if access.is_recently_accepted(password) {
        return Ok(());
    }
    // Only wrong passwords count against the allowance: checked now, charged below.
    let peer = request.peer_addr().map(|peer| peer.ip());
    if let Some(peer) = peer
        && let Err(wait) = state.password_attempts.peek(peer)
    {
        tracing::warn!(client = %peer, "admin password attempts throttled");
        return Err(ApiError::Throttled(wait).error_response());
    }
    if access.check_password(password).await {
        Ok(())
    } else {
        if let Some(peer) = peer {
            let _ = state.password_attempts.check(peer);
        }
        Err(unauthorized("The admin password is wrong."))
    }
}

/// The credentials after `Bearer `, exactly as sent: a password may begin or end with spaces.
fn bearer(request: &ServiceRequest) -> Option<&str> {
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
    fn only_the_widget_facing_routes_are_open() {
        assert!(is_open(&Method::GET, "/static/portal.css"));
        assert!(is_open(&Method::GET, "/health"));
        assert!(is_open(&Method::HEAD, "/health"));
        assert!(is_open(&Method::GET, "/favicon.ico"));
        assert!(is_open(&Method::POST, "/login"));
        for (method, path) in [
            (Method::GET, "/"),
            (Method::POST, "/logout"),
            (Method::GET, "/api/v1/signing-keys"),
            (Method::POST, "/api/v1/reset"),
            (Method::GET, "/api/v1/verify/../signing-keys"),
            (Method::GET, "/demo"),
        ] {
            assert!(!is_open(&method, path), "{method} {path}");
        }
    }

    #[actix_web::test]
    async fn without_its_state_it_refuses_instead_of_letting_requests_through() {
        use actix_web::{App, test, web};
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(require_admin))
                .route("/signing-keys", web::get().to(HttpResponse::Ok))
                .route("/health", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let guarded = test::call_service(
            &app,
            test::TestRequest::get().uri("/signing-keys").to_request(),
        )
        .await;
        assert_eq!(guarded.status(), 500);
        let open =
            test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        assert_eq!(open.status(), 200, "open routes need no state");
    }

    #[test]
    fn next_is_kept_on_this_site() {
        assert_eq!(safe_next(Some("/signing-keys?x=1")), "/signing-keys?x=1");
        for hostile in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
