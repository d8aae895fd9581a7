//! `/login` and `/logout`, when an admin password is configured. A login always issues a new
//! session token (and closes the one the browser came with), so a token planted before login
//! is worthless. Attempts are rate-limited per client address.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Form, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Refusal, layout, render};
use crate::auth::SESSION_LIFETIME;
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::cookies;
use crate::routes::kit::credentials::safe_next;
use crate::routes::kit::layout::Page;
use crate::routes::kit::refusal::retry_seconds;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    error: Option<Problem>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn show(
    request: HttpRequest,
    query: Query<LoginQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    if state.access.is_none() {
        // Nothing to log in to: the portal is open.
        return Ok(see_other("/"));
    }
    let next = safe_next(query.next.as_deref()).to_owned();
    page(&request, &state, next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn submit(
    request: HttpRequest,
    form: Form<LoginForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let Some(access) = state.access.as_ref() else {
        return Ok(see_other("/"));
    };
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref()).to_owned();
    // Only wrong passwords count against the allowance: checked now, charged below.
    if let Some(peer) = request.peer_addr()
        && let Err(wait) = state.password_attempts.peek(peer.ip())
    {
        tracing::warn!(client = %peer.ip(), "login attempts throttled");
        let problem = Problem::new(
            Code::RateLimited,
            format!(
                "Too many login attempts from this address; try again in {} s.",
                retry_seconds(wait)
            ),
            "Check the password the server was started with (TALKATIVE_ADMIN_PASSWORD).",
        );
        return page(
            &request,
            &state,
            next,
            Some(problem),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    if !access.check_password(&form.password).await {
        if let Some(peer) = request.peer_addr() {
            let _ = state.password_attempts.check(peer.ip());
        }
        let problem = Problem::new(
            Code::Unauthorized,
            "That is not the admin password.",
            "Use the password the server was started with (TALKATIVE_ADMIN_PASSWORD).",
        );
        return page(
            &request,
            &state,
            next,
            Some(problem),
            StatusCode::UNAUTHORIZED,
        );
    }
    let previous = request.cookie(cookies::SESSION);
    let token = access.open_session(previous.as_ref().map(Cookie::value));
    let mut response = see_other(&next);
    response
        .add_cookie(&session_cookie(&request, token))
        .map_err(|e| Refusal::Internal(anyhow::Error::new(e).context("setting a cookie")))?;
    Ok(response)
}

pub async fn logout(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    if let (Some(access), Some(cookie)) = (state.access.as_ref(), request.cookie(cookies::SESSION))
    {
        access.close_session(cookie.value());
    }
    let mut expired = session_cookie(&request, String::new());
    expired.make_removal();
    let mut response = see_other("/login");
    response
        .add_cookie(&expired)
        .map_err(|e| Refusal::Internal(anyhow::Error::new(e).context("setting a cookie")))?;
    Ok(response)
}

fn page(
    request: &HttpRequest,
    state: &WebState,
    next: String,
    error: Option<Problem>,
    status: StatusCode,
) -> Result<HttpResponse, Refusal> {
    let (layout, cookies) = layout(request, state, Page::Login);
    render(
        &LoginPage {
            layout,
            next,
            error,
        },
        status,
        cookies,
    )
}

/// HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure when the
/// portal is reached over HTTPS (through a TLS proxy).
fn session_cookie(request: &HttpRequest, token: String) -> Cookie<'static> {
    let lifetime = i64::try_from(SESSION_LIFETIME.as_secs()).unwrap_or(i64::MAX);
    Cookie::build(cookies::SESSION, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(ServedOrigin::of(request).scheme() == "https")
        .max_age(time::Duration::seconds(lifetime))
        .finish()
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .finish()
}
