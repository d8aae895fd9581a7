//! The admin portal: server-rendered askama pages that work without JavaScript. Every form
//! POSTs and redirects after success; errors render inline. What protects them (session, CSRF
//! token, same-origin proof) is their family's guard (`routes/kit/family.rs`), run before any
//! handler here; the routes are in `routes/table.rs`.

pub mod api_docs;
pub mod api_keys;
pub mod dashboard;
pub mod demo;
pub mod docs;
pub mod engagements;
pub mod interactions;
mod json_view;
pub mod login;
pub mod moment;
pub mod playground;
pub mod signing_keys;
pub mod unsigned_fields;
pub mod webhooks;
pub mod widget_configs;

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse};

use crate::app::AppError;
use crate::domain::problem::Problem;
use crate::routes::kit::flash::{Flash, Undo};
use crate::routes::kit::state::WebState;

pub use crate::routes::kit::page::{Layout, layout, render, render_page};
pub use crate::routes::kit::refusal::Refusal;

/// Where a successful form sends the browser, and what the page there says.
pub struct Redirect {
    to: String,
    flash: Option<Flash>,
}

impl Redirect {
    pub fn to(path: impl Into<String>) -> Self {
        Self {
            to: path.into(),
            flash: None,
        }
    }

    /// With a success message for the next page.
    pub fn with_flash(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            flash: Some(Flash::success(message)),
            ..Self::to(path)
        }
    }

    /// With a success message and a button that takes the change back.
    pub fn with_undo(path: impl Into<String>, message: impl Into<String>, undo: Undo) -> Self {
        Self {
            flash: Some(Flash::success_with_undo(message, undo)),
            ..Self::to(path)
        }
    }

    /// The 303, its flash signed for this browser.
    fn respond(self, request: &HttpRequest, state: &WebState) -> HttpResponse {
        let mut response = HttpResponse::SeeOther();
        response.insert_header((LOCATION, self.to));
        if let Some(flash) = self.flash {
            response.cookie(flash.into_cookie(request, &state.portal_secret));
        }
        response.finish()
    }
}

/// What every portal form does once its guard let it through (CSRF token included): run
/// `operation`. Success goes where `done` says; a refusal goes to `refused`, which shows the
/// page again with the problem beside the form; a failure of ours is a 500 page.
pub async fn submit_form<T>(
    request: &HttpRequest,
    state: &WebState,
    operation: impl Future<Output = Result<T, AppError>>,
    done: impl FnOnce(T) -> Redirect,
    refused: impl AsyncFnOnce(Problem) -> Result<HttpResponse, Refusal>,
) -> Result<HttpResponse, Refusal> {
    match operation.await {
        Ok(value) => Ok(done(value).respond(request, state)),
        Err(AppError::Rejected(problem)) => refused(problem).await,
        Err(AppError::Internal(error)) => Err(Refusal::Internal(error)),
    }
}

pub async fn not_found() -> Result<HttpResponse, Refusal> {
    Err(Refusal::page_not_found())
}
