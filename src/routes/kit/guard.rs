//! The one middleware that protects a route, run with the family it is mounted in (`mount.rs`).
//! Its checks, in order, each answering before the next looks at what the request sent:
//!
//! 1. The Host allowlist (DNS rebinding), outermost, so a rebound page gets nothing, not even an
//!    argon2 run on the password it guessed.
//! 2. The credential when an admin password is set: the session cookie or the Bearer password;
//!    a Core API key always (after the same-origin proof: a page's request looks up no key).
//! 3. A same-origin proof: always, or for everything but a top-level navigation.
//! 4. Writes in JSON (the management API).
//! 5. A form's CSRF token, read from the form body before the handler (which then reads the same
//!    bytes): no handler can forget it.
//!
//! Refusals come as the family answers: a page for a browser asking for HTML on the portal's
//! families, the API's JSON error otherwise.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::domain::problem::{Code, Problem};
use crate::routes::kit::credentials::{
    api_key_refusal, note_use, password_refusal, session_refusal,
};
use crate::routes::kit::csrf::{self, FORM_FIELD};
use crate::routes::kit::family::{Credential, Family, SameOrigin};
use crate::routes::kit::page::{FORM_LIMIT, accepts_html, too_large_response};
use crate::routes::kit::refusal::{Refusal, Rendering};
use crate::routes::kit::state::WebState;
use crate::routes::kit::trust_boundary::{
    cross_site_refusal, host_refusal, is_top_level_navigation, media_type_refusal,
};

pub async fn check<B: MessageBody + 'static>(
    family: Family,
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let refusal = match request.app_data::<Data<WebState>>().cloned() {
        Some(state) => first_refusal(family, &mut request, &state).await,
        // Fails closed: without the state there is no way to check, so nothing passes.
        None => Some(
            Refusal::Internal(anyhow::anyhow!("a route guard runs without WebState"))
                .respond(Rendering::Json),
        ),
    };
    let Some(response) = refusal else {
        return Ok(in_family_rendering(family, next.call(request).await?));
    };
    Ok(request.into_response(response).map_into_right_body())
}

/// A handler's refusal, said the family's way: handlers only say what was refused, and actix
/// first renders it as the API's JSON (`Refusal`'s `ResponseError`).
fn in_family_rendering<B>(
    family: Family,
    response: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    let rendering = family.rendering();
    let refusal = response
        .response()
        .error()
        .and_then(|error| error.as_error::<Refusal>());
    match refusal {
        Some(refusal) if rendering != Rendering::Json => {
            let rendered = refusal.render(rendering);
            let (request, _) = response.into_parts();
            ServiceResponse::new(request, rendered).map_into_right_body()
        }
        _ => response.map_into_left_body(),
    }
}

/// How the guard says its own refusals: the family's way, except that a page family answers a
/// client that does not ask for HTML (a script) with the API's JSON.
fn guard_rendering(family: Family, request: &HttpRequest) -> Rendering {
    match family.rendering() {
        Rendering::Page if !accepts_html(request) => Rendering::Json,
        rendering => rendering,
    }
}

async fn first_refusal(
    family: Family,
    request: &mut ServiceRequest,
    state: &WebState,
) -> Option<HttpResponse> {
    let answer = |request: &ServiceRequest, refusal: Refusal| {
        refusal.respond(guard_rendering(family, request.request()))
    };
    if family.checks_host()
        && let Some(problem) = host_refusal(
            request.headers(),
            request.uri(),
            &state.core.settings.allowed_hosts,
        )
    {
        return Some(answer(request, problem.into()));
    }
    let wants_proof = match family.same_origin() {
        SameOrigin::Never => false,
        SameOrigin::UnlessNavigation => !is_top_level_navigation(request.request()),
        SameOrigin::Always => true,
    };
    // A Core API key is looked up only for a request that may use it: a page's is refused
    // first, so a page can neither make the server look tokens up nor mark a key used.
    let proof_first = family.credential() == Credential::ApiKey;
    if wants_proof
        && proof_first
        && let Some(problem) = cross_site_refusal(request.request(), family)
    {
        return Some(answer(request, problem.into()));
    }
    let credential = match family.credential() {
        Credential::None => None,
        Credential::Session => {
            // Not a refusal: the browser is sent to the login form.
            if let Some(to_login) = session_refusal(request, state) {
                return Some(to_login);
            }
            None
        }
        Credential::Password => password_refusal(request, state).await,
        Credential::ApiKey => api_key_refusal(request, state).await,
    };
    if let Some(refusal) = credential {
        return Some(answer(request, refusal));
    }
    if wants_proof
        && !proof_first
        && let Some(problem) = cross_site_refusal(request.request(), family)
    {
        return Some(answer(request, problem.into()));
    }
    if family.writes_json()
        && let Some(problem) = media_type_refusal(request.method(), request.headers())
    {
        return Some(answer(request, problem.into()));
    }
    if family.writes_need_csrf_token() && is_write(request.method()) {
        return form_token_refusal(request, state).await;
    }
    if family.credential() == Credential::ApiKey {
        note_use(request, state).await;
    }
    None
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Reads the form (at most [`FORM_LIMIT`]), checks its `csrf_token`, and puts the bytes back for
/// the handler's own `Form` extractor.
async fn form_token_refusal(
    request: &mut ServiceRequest,
    state: &WebState,
) -> Option<HttpResponse> {
    let body = match read_form(request.take_payload()).await {
        Ok(Some(body)) => body,
        Ok(None) => return Some(too_large_response(request.request())),
        Err(error) => {
            return Some(
                Refusal::invalid_request(
                    format!("The form could not be read: {error}."),
                    "Go back and check the form.",
                )
                .respond(Rendering::Page),
            );
        }
    };
    let token = form_field(&body, FORM_FIELD);
    let checked = csrf::verify(request.request(), &state.portal_secret, token.as_deref());
    request.set_payload(Payload::from(body));
    checked.err().map(|refusal| {
        tracing::debug!(?refusal, "a form's CSRF token was refused");
        Refusal::Rejected(Problem::new(
            Code::CsrfRejected,
            "This form was not accepted: it expired (the emulator restarted) or was sent from \
             another site.",
            "Go back, reload the page and submit again.",
        ))
        .respond(Rendering::Page)
    })
}

/// The whole body, or `None` once it passes [`FORM_LIMIT`].
async fn read_form(mut payload: Payload) -> Result<Option<Bytes>, actix_web::error::PayloadError> {
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// The first value of `name` in a urlencoded form (percent-decoded), if any.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}
