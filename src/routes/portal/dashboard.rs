//! The dashboard: whether signing is enforced, the allowlist's size, the last interactions and
//! the next step to take.

use actix_web::http::StatusCode;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::interactions::{Row, rows};
use super::{Layout, Refusal, render_page};
use crate::app::records::{Filter, Position};
use crate::app::{interaction_log, management};
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;
use crate::verdict::{Enforcement, SignatureStatus};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    active_keys: usize,
    total_keys: usize,
    allowlist: usize,
    recent: Vec<Row>,
    enforcement: Enforcement,
    next_step: &'static str,
    next_link: &'static str,
    /// No key stored yet: the page says how to make a pair, and offers a sample token.
    first_run: bool,
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let keys = management::list_signing_keys(&state.core).await?;
    let active_keys = keys.iter().filter(|k| k.active).count();
    let enforcement = state
        .core
        .cache
        .current()
        .enforcement(state.core.settings.report_only);
    let allowlist = management::list_unsigned_fields(&state.core).await?.len();
    let recent =
        interaction_log::browse(&state.core, &Filter::default(), 5, Position::Newest).await?;
    let recent = rows(recent.rows, &[]);
    let (next_step, next_link) = if keys.is_empty() {
        (
            "Paste your ec_public.pem on the Signing Keys page to turn signing on.",
            "/signing-keys",
        )
    } else if enforcement == Enforcement::Off {
        (
            "Every key is inactive, so signing is off: re-activate a key to enforce it.",
            "/signing-keys",
        )
    } else if recent.is_empty() {
        (
            "Signing is on. Paste a signed token into the Playground to see what the agent would get.",
            "/playground",
        )
    } else if allowlist == 0 {
        (
            "Signing is on and no unsigned field is allowed: pre-chat form fields will be dropped unless you list them.",
            "/unsigned-fields",
        )
    } else {
        (
            "Signing is on. Check the Interactions log for anything dropped.",
            "/interactions",
        )
    };
    render_page(
        &request,
        &state,
        Page::Dashboard,
        StatusCode::OK,
        |layout| DashboardPage {
            layout,
            active_keys,
            total_keys: keys.len(),
            allowlist,
            recent,
            enforcement,
            next_step,
            next_link,
            first_run: keys.is_empty(),
        },
    )
}
