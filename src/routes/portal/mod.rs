//! The admin portal: server-rendered askama pages that work without JavaScript. Every form
//! POSTs with CSRF protection and redirects after success; errors render inline.

mod api_docs;
mod dashboard;
mod demo;
mod docs;
mod flash;
mod interactions;
mod json_view;
mod login;
mod playground;
mod signing_keys;
mod unsigned_fields;

use actix_web::cookie::Cookie;
use actix_web::error::UrlencodedError;
use actix_web::http::StatusCode;
use actix_web::http::header::{ContentType, LOCATION};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use flash::Flash;

use crate::app::AppError;
use crate::domain::problem::{Code, Problem};
use crate::routes::get_or_head;
use crate::routes::state::WebState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(256 * 1024)
            .error_handler(|err, request| match err {
                // A script posting a form gets the API's JSON error; a browser gets the page.
                UrlencodedError::Overflow { .. } if !accepts_html(request) => {
                    crate::routes::error::ApiError::Rejected(Problem::new(
                        Code::PayloadTooLarge,
                        FORM_TOO_LARGE,
                        FORM_TOO_LARGE_HINT,
                    ))
                    .into()
                }
                UrlencodedError::Overflow { .. } => PortalError::TooLarge.into(),
                other => {
                    PortalError::BadRequest(format!("The form could not be read: {other}.")).into()
                }
            }),
    )
    .route("/", get_or_head().to(dashboard::show))
    .route("/signing-keys", get_or_head().to(signing_keys::show))
    .route("/signing-keys", web::post().to(signing_keys::add))
    .route(
        "/signing-keys/{id}/active",
        web::post().to(signing_keys::set_active),
    )
    .route(
        "/signing-keys/{id}/delete",
        get_or_head().to(signing_keys::confirm_delete),
    )
    .route(
        "/signing-keys/{id}/delete",
        web::post().to(signing_keys::delete),
    )
    .route("/unsigned-fields", get_or_head().to(unsigned_fields::show))
    .route("/unsigned-fields", web::post().to(unsigned_fields::add))
    .route(
        "/unsigned-fields/remove",
        web::post().to(unsigned_fields::remove),
    )
    .route("/playground", get_or_head().to(playground::show))
    .route("/playground", web::post().to(playground::run))
    .route("/playground/preview", web::post().to(playground::preview))
    .route("/playground/sample", web::post().to(playground::sample))
    .route("/playground/{id}", get_or_head().to(playground::result))
    .route("/interactions", get_or_head().to(interactions::list))
    // The API's stream behind the portal's session: EventSource cannot send a Bearer token.
    .route(
        "/interactions/stream",
        web::get().to(crate::routes::api::stream::stream),
    )
    .route(
        "/interactions/section",
        get_or_head().to(interactions::section),
    )
    .route(
        "/interactions/clear",
        get_or_head().to(interactions::confirm_clear),
    )
    .route("/interactions/clear", web::post().to(interactions::clear))
    .route("/interactions/{id}", get_or_head().to(interactions::detail))
    .route("/login", get_or_head().to(login::show))
    .route("/login", web::post().to(login::submit))
    .route("/logout", web::post().to(login::logout))
    .route("/demo", get_or_head().to(demo::show))
    .route("/docs/signing", get_or_head().to(docs::signing))
    .route("/docs/api", get_or_head().to(api_docs::show));
}

const FORM_TOO_LARGE: &str = "The form is larger than 256 KiB, so it was not read.";
const FORM_TOO_LARGE_HINT: &str =
    "A public key PEM is under 200 bytes and a token under 64 KiB: check what was pasted.";

/// Whether the client is a browser that wants a page rather than JSON.
pub fn accepts_html(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// What the shared layout (templates/base.html) needs from every page.
pub struct Layout {
    pub page: &'static str,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// Whether to offer "Log out": an admin password is set and this page is behind it.
    pub signed_in: bool,
}

/// Layout for a page, plus the cookies the response must carry (new CSRF cookie, flash removal).
pub fn layout(
    request: &HttpRequest,
    state: &WebState,
    page: &'static str,
) -> (Layout, Vec<Cookie<'static>>) {
    let (csrf_token, csrf_cookie) = crate::routes::csrf::issue(request, &state.csrf);
    let (flash, flash_removal) = flash::take(request);
    let cookies = csrf_cookie.into_iter().chain(flash_removal).collect();
    (
        Layout {
            page,
            csrf_token,
            flash,
            signed_in: state.access.is_some() && page != "login",
        },
        cookies,
    )
}

pub fn render(
    template: &impl Template,
    status: StatusCode,
    cookies: Vec<Cookie<'static>>,
) -> Result<HttpResponse, PortalError> {
    let html = template
        .render()
        .map_err(|e| PortalError::Internal(anyhow::Error::new(e).context("rendering a page")))?;
    let mut response = HttpResponse::build(status);
    for cookie in cookies {
        response.cookie(cookie);
    }
    Ok(response.content_type(ContentType::html()).body(html))
}

/// A page in the shared layout: `build` gets the layout (CSRF token, flash) and makes the page.
pub fn render_page<T: Template>(
    request: &HttpRequest,
    state: &WebState,
    name: &'static str,
    status: StatusCode,
    build: impl FnOnce(Layout) -> T,
) -> Result<HttpResponse, PortalError> {
    let (layout, cookies) = layout(request, state, name);
    render(&build(layout), status, cookies)
}

/// 303 to `to` with a success message for the next page.
pub fn redirect_with_flash(to: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .cookie(flash::success(message))
        .finish()
}

/// What every portal form does: check the CSRF token, then run `operation` (a future does
/// nothing until awaited, so nothing runs before the check). Success answers what `done` makes
/// of the result, usually [`redirect_with_flash`]; a refusal goes to `refused`, which shows the
/// page again with the problem beside the form; a failure of ours is a 500 page.
pub async fn submit_form<T>(
    request: &HttpRequest,
    state: &WebState,
    csrf_token: &str,
    operation: impl Future<Output = Result<T, AppError>>,
    done: impl FnOnce(T) -> HttpResponse,
    refused: impl AsyncFnOnce(Problem) -> Result<HttpResponse, PortalError>,
) -> Result<HttpResponse, PortalError> {
    check_csrf(request, state, csrf_token)?;
    match operation.await {
        Ok(value) => Ok(done(value)),
        Err(AppError::Rejected(problem)) => refused(problem).await,
        Err(AppError::Internal(error)) => Err(PortalError::Internal(error)),
    }
}

pub fn check_csrf(
    request: &HttpRequest,
    state: &WebState,
    form_token: &str,
) -> Result<(), PortalError> {
    crate::routes::csrf::verify(request, &state.csrf, form_token).map_err(PortalError::Csrf)
}

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error("CSRF check failed: {0:?}")]
    Csrf(crate::routes::csrf::Refusal),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("form too large")]
    TooLarge,
    /// Refused before reaching any page, e.g. a host this server does not answer to.
    #[error("{0}")]
    Refused(Problem),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<AppError> for PortalError {
    fn from(error: AppError) -> Self {
        match error {
            // A key or interaction named in the URL that does not exist: the page is not there.
            AppError::Rejected(problem) if problem.code.status() == StatusCode::NOT_FOUND => {
                Self::NotFound
            }
            AppError::Rejected(problem) => Self::Refused(problem),
            AppError::Internal(error) => Self::Internal(error),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    code: Code,
    title: &'static str,
    message: String,
    hint: &'a str,
}

impl ResponseError for PortalError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Refused(problem) => problem.code.status(),
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (code, title, message, hint) = match self {
            Self::NotFound => (
                Code::NotFound,
                "Page not found",
                "There is nothing at this address.".to_owned(),
                "Use the navigation above.",
            ),
            Self::Csrf(_) => (
                Code::CsrfRejected,
                "Form refused",
                "This form was not accepted: it expired (the emulator restarted) or was sent from another site.".to_owned(),
                "Go back, reload the page and submit again.",
            ),
            Self::BadRequest(message) => (
                Code::InvalidRequest,
                "Bad request",
                message.clone(),
                "Go back and check the form.",
            ),
            Self::TooLarge => (
                Code::PayloadTooLarge,
                "Form too large",
                FORM_TOO_LARGE.to_owned(),
                FORM_TOO_LARGE_HINT,
            ),
            Self::Refused(problem) => (
                problem.code,
                "Request refused",
                problem.message.clone(),
                problem.hint.as_str(),
            ),
            Self::Internal(error) => {
                tracing::error!(error = ?error, "portal request failed");
                (
                    Code::InternalError,
                    "Something went wrong",
                    "The emulator hit an unexpected error.".to_owned(),
                    "Retry; if it persists, check the server log.",
                )
            }
        };
        let page = ErrorPage {
            layout: Layout {
                page: "",
                csrf_token: String::new(),
                flash: None,
                signed_in: false,
            },
            code,
            title,
            message,
            hint,
        };
        match page.render() {
            Ok(html) => HttpResponse::build(self.status_code())
                .content_type(ContentType::html())
                .body(html),
            Err(_) => HttpResponse::build(self.status_code()).finish(),
        }
    }
}

pub async fn not_found() -> Result<HttpResponse, PortalError> {
    Err(PortalError::NotFound)
}
