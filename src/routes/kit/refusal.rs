//! The one refusal every front end and guard makes, and its three renderings: the API's JSON
//! (`{"error": {code, message, hint}}`), JSON:API's error document (the Core API), and a page
//! (the portal). Which rendering a route's refusals get is its family's, chosen where the family
//! is mounted (`mount.rs`, `guard.rs`): a handler only says what was refused. Rate limits' and
//! internal errors' words, `Retry-After` and `WWW-Authenticate` are written here, once.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, ContentType, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

use crate::app::AppError;
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::json_api::{ErrorDocument, ErrorSource};
use crate::routes::kit::layout::Layout;

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Something the client can act on: the code says what (and its status), the hint how.
    #[error("{0}")]
    Rejected(Problem),
    /// The same, at a place in the request the client named (JSON:API says where: `source`).
    #[error("{0}")]
    At(Problem, ErrorSource),
    /// Over a rate limit: retry after this long.
    #[error("rate limited ({1:?})")]
    Throttled(Duration, Limit),
    /// A failure of ours: logged once, said as nothing internal.
    #[error("unexpected error")]
    Internal(#[from] anyhow::Error),
}

/// Which rate limit a request passed: each says what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Verifications (and the widget's arrivals) per client address.
    Verify,
    /// Wrong admin passwords per client address.
    Password,
    /// Core API tokens that open no key, per client address.
    TokenGuesses,
    /// Core API requests per API key.
    CoreApiKey,
}

/// How a family says its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// The API's `{"error": {code, message, hint}}`.
    Json,
    /// JSON:API's error document, as Talkative's Core API answers.
    JsonApi,
    /// A page in the portal's layout.
    Page,
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Self::Rejected(problem)
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(problem) => Self::Rejected(problem),
            AppError::Internal(error) => Self::Internal(error),
        }
    }
}

impl From<crate::app::recorder::LogUnavailable> for Refusal {
    fn from(unavailable: crate::app::recorder::LogUnavailable) -> Self {
        Self::Rejected(unavailable.problem())
    }
}

impl Refusal {
    pub fn invalid_request(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Rejected(Problem::new(Code::InvalidRequest, message, hint))
    }

    pub fn at(problem: Problem, source: ErrorSource) -> Self {
        Self::At(problem, source)
    }

    /// A page that is not there (the portal's fallback).
    pub fn page_not_found() -> Self {
        Self::Rejected(Problem::new(
            Code::NotFound,
            "There is nothing at this address.",
            "Use the navigation above.",
        ))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Rejected(problem) | Self::At(problem, _) => problem.code.status(),
            Self::Throttled(..) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What to say, in every rendering.
    fn problem(&self) -> Problem {
        match self {
            Self::Rejected(problem) | Self::At(problem, _) => problem.clone(),
            Self::Throttled(wait, limit) => {
                let seconds = retry_seconds(*wait);
                let (what, hint) = match limit {
                    Limit::Verify | Limit::Password => (
                        "Too many requests from this address",
                        "Slow down, or raise --verify-rate-limit (0 turns it off) for load tests \
                         from another host.",
                    ),
                    Limit::TokenGuesses => (
                        "Too many Core API tokens that open no key from this address",
                        "Use the token the API Keys page showed when the key was made; wrong \
                         tokens are limited to ten, then one every six seconds.",
                    ),
                    Limit::CoreApiKey => (
                        "Too many Core API requests with this API key",
                        "Slow down, or raise --core-api-rate-limit (0 turns it off).",
                    ),
                };
                Problem::new(
                    Code::RateLimited,
                    format!("{what}; retry in {seconds} s."),
                    hint,
                )
            }
            Self::Internal(_) => Problem::new(
                Code::InternalError,
                "The emulator hit an unexpected error.",
                "Retry; if it persists, check the server log.",
            ),
        }
    }

    /// The cause chain of an internal error, logged once: where the refusal is first rendered.
    fn log(&self) {
        if let Self::Internal(error) = self {
            tracing::error!(error = ?error, "request failed");
        }
    }

    /// The refusal as `rendering` says it, logged (an internal error's cause chain) once here.
    pub fn respond(&self, rendering: Rendering) -> HttpResponse {
        self.log();
        self.render(rendering)
    }

    /// The refusal as `rendering` says it, not logged: a handler's refusal, already logged when
    /// actix first rendered it, rendered again in its family's way (`guard::check`).
    pub fn render(&self, rendering: Rendering) -> HttpResponse {
        let status = self.status();
        let problem = self.problem();
        let mut response = HttpResponse::build(status);
        if let Self::Throttled(wait, _) = self {
            response.insert_header((RETRY_AFTER, retry_seconds(*wait).to_string()));
        }
        let challenge = problem.code == Code::Unauthorized;
        match rendering {
            Rendering::Json => {
                if challenge {
                    response
                        .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"talkative-emulator\""));
                }
                response.json(ErrorBody { error: &problem })
            }
            Rendering::JsonApi => {
                if challenge {
                    response
                        .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"talkative-core-api\""));
                }
                let source = match self {
                    Self::At(_, source) => Some(source),
                    _ => None,
                };
                let document = ErrorDocument::new(status, problem, source);
                // Refusals are always `application/json`: the guard makes some before the
                // request is read, and every JSON:API client reads that too.
                response
                    .insert_header((CONTENT_TYPE, "application/json"))
                    .body(serde_json::to_vec(&document).unwrap_or_default())
            }
            Rendering::Page => match page(status, &problem).render() {
                Ok(html) => response.content_type(ContentType::html()).body(html),
                Err(_) => response.finish(),
            },
        }
    }
}

/// Rendered first as the API's JSON, the rendering of the families without a guard (the open
/// ones): a family with one renders it again its own way.
impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.respond(Rendering::Json)
    }
}

/// Every refusal's body in the API: `{"error": {"code", "message", "hint"}}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    #[schema(value_type = Problem)]
    error: &'a Problem,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    code: Code,
    title: &'static str,
    message: &'a str,
    hint: &'a str,
}

/// The error page for `problem`: its title by what went wrong; a page that is not there says
/// so in the portal's words, whichever resource was missing.
fn page(status: StatusCode, problem: &Problem) -> ErrorPage<'_> {
    let (title, message, hint) = match problem.code {
        _ if status == StatusCode::NOT_FOUND => (
            "Page not found",
            "There is nothing at this address.",
            "Use the navigation above.",
        ),
        Code::CsrfRejected => (
            "Form refused",
            "This form was not accepted: it expired (the emulator restarted) or was sent from \
             another site.",
            "Go back, reload the page and submit again.",
        ),
        Code::InvalidRequest => (
            "Bad request",
            problem.message.as_str(),
            problem.hint.as_str(),
        ),
        Code::PayloadTooLarge => (
            "Form too large",
            problem.message.as_str(),
            problem.hint.as_str(),
        ),
        Code::InternalError => (
            "Something went wrong",
            problem.message.as_str(),
            problem.hint.as_str(),
        ),
        _ => (
            "Request refused",
            problem.message.as_str(),
            problem.hint.as_str(),
        ),
    };
    ErrorPage {
        layout: Layout {
            page: None,
            csrf_token: String::new(),
            flash: None,
            signed_in: false,
        },
        code: if status == StatusCode::NOT_FOUND {
            Code::NotFound
        } else {
            problem.code
        },
        title,
        message,
        hint,
    }
}

/// Whole seconds for `Retry-After`, rounded up so a client that waits that long gets through.
pub fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_refusal_is_said_three_ways_with_its_headers() {
        let throttled = Refusal::Throttled(Duration::from_millis(1_500), Limit::CoreApiKey);
        for rendering in [Rendering::Json, Rendering::JsonApi, Rendering::Page] {
            let response = throttled.render(rendering);
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(
                response.headers().get(RETRY_AFTER).unwrap(),
                "2",
                "{rendering:?}"
            );
        }
        let unauthorized = Refusal::Rejected(Problem::new(Code::Unauthorized, "m", "h"));
        let json = unauthorized.render(Rendering::Json);
        assert_eq!(
            json.headers().get(WWW_AUTHENTICATE).unwrap(),
            "Bearer realm=\"talkative-emulator\""
        );
        let json_api = unauthorized.render(Rendering::JsonApi);
        assert_eq!(
            json_api.headers().get(WWW_AUTHENTICATE).unwrap(),
            "Bearer realm=\"talkative-core-api\""
        );
        let page = unauthorized.render(Rendering::Page);
        assert_eq!(
            page.headers().get(CONTENT_TYPE).unwrap(),
            "text/html; charset=utf-8"
        );
        assert_eq!(retry_seconds(Duration::from_secs(3)), 3);
    }
}
