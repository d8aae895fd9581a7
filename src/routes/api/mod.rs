//! `/api/v1`: the verify endpoint integrators hit, and the management API behind the portal.
//! Their routes and what protects them are in `routes/table.rs`.

pub mod api_keys;
pub mod engagements;
pub mod interactions;
pub mod openapi;
pub mod signing_keys;
pub mod stream;
pub mod unsigned_fields;
pub mod verify;
pub mod webhooks;
pub mod widget_configs;

use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::problem::{Code, Problem};
use crate::routes::kit::body::{NoOptions, no_options};
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// What a reset left: the config file's keys and fields, installed again.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetView {
    signing_keys: i64,
    unsigned_fields: i64,
    widget_configs: i64,
    report_only: bool,
}

/// Wipes keys, fields and interactions, then installs the config file's keys and fields again.
/// Takes an empty body or `{}`: it has no options, and anything else is a mistake worth naming.
#[utoipa::path(
    post,
    path = "/api/v1/reset",
    operation_id = "reset",
    tag = "Service",
    request_body(content = Option<NoOptions>, description = "Empty, or `{}`."),
    responses(
        (status = 200, description = "Wiped and seeded again from the config file.", body = ResetView),
        (status = 400, description = "`invalid_request`: a body other than `{}`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
    )
)]
pub async fn reset(
    request: HttpRequest,
    payload: Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    no_options(&request, payload, &state).await?;
    let seeded = crate::app::management::apply_config_file(&state.core, true).await?;
    Ok(HttpResponse::Ok().json(ResetView {
        signing_keys: seeded.signing_keys,
        unsigned_fields: seeded.unsigned_fields,
        widget_configs: seeded.widget_configs,
        report_only: state.core.settings.report_only,
    }))
}

pub async fn not_found() -> Result<HttpResponse, Refusal> {
    Err(Refusal::Rejected(Problem::new(
        Code::NotFound,
        "No such API route (or method).",
        "See docs/api.md for the routes under /api/v1.",
    )))
}
