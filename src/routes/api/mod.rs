//! `/api/v1`: the verify endpoint integrators hit, and the management API behind the portal.

mod body;
mod interactions;
pub mod openapi;
mod signing_keys;
pub mod stream;
mod unsigned_fields;
mod verify;

use actix_web::middleware::from_fn;
use actix_web::web::{self, Payload};
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::problem::{Code, Problem};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::state::WebState;
use crate::routes::trust_boundary;

/// The open endpoint: customer pages on any origin call it through the widget shim, through
/// whatever name points at the emulator, so it sits outside the trust boundary. It takes no
/// credentials and changes nothing but the interaction log, so any origin may read its answers,
/// errors included.
pub fn configure_open(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/verify")
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")),
            )
            .route(web::post().to(verify::verify))
            .route(web::method(actix_web::http::Method::OPTIONS).to(verify::preflight)),
    );
}

/// The management API, for scripts and the portal's own origin only (`trust_boundary`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap(from_fn(trust_boundary::require_same_origin_json))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::invalid_request(
                    format!("The query string is invalid: {err}."),
                    "Check the parameter names and values against docs/api.md.",
                )
                .into()
            }))
            .route("/openapi.json", web::get().to(openapi::serve))
            .route("/reset", web::post().to(reset))
            .route("/interactions", web::get().to(interactions::list))
            .route("/interactions", web::delete().to(interactions::clear))
            .route("/interactions/stream", web::get().to(stream::stream))
            .route("/interactions/{id}", web::get().to(interactions::get))
            .route("/signing-keys", web::get().to(signing_keys::list))
            .route("/signing-keys", web::post().to(signing_keys::create))
            .route("/signing-keys/{id}", web::get().to(signing_keys::get))
            .route("/signing-keys/{id}", web::patch().to(signing_keys::update))
            .route("/signing-keys/{id}", web::delete().to(signing_keys::delete))
            .route("/unsigned-fields", web::get().to(unsigned_fields::list))
            .route("/unsigned-fields", web::post().to(unsigned_fields::create))
            .route(
                "/unsigned-fields/{label}",
                web::delete().to(unsigned_fields::delete),
            )
            .default_service(web::to(not_found)),
    );
}

/// What a reset left: the config file's keys and fields, installed again.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetView {
    signing_keys: i64,
    unsigned_fields: i64,
    report_only: bool,
}

/// Reset has no options: send no body, or `{}`.
// Deserialize only for its `deny_unknown_fields`, which the schema turns into
// `additionalProperties: false`: the handler refuses unknown members.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

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
async fn reset(
    request: HttpRequest,
    payload: Payload,
    state: web::Data<WebState>,
) -> Result<HttpResponse, ApiError> {
    let raw = body::read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    if !raw.iter().all(u8::is_ascii_whitespace) {
        body::parse_object(&raw, &[])?;
    }
    let seeded = crate::app::management::apply_config_file(&state.core, true).await?;
    Ok(HttpResponse::Ok().json(ResetView {
        signing_keys: seeded.signing_keys,
        unsigned_fields: seeded.unsigned_fields,
        report_only: state.core.settings.report_only,
    }))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::Rejected(Problem::new(
        Code::NotFound,
        "No such API route (or method).",
        "See docs/api.md for the routes under /api/v1.",
    )))
}
