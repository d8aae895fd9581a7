//! `/api/v1`: the verify endpoint integrators hit, and the management API behind the portal.

mod body;
mod interactions;
mod signing_keys;
mod unsigned_fields;
mod verify;

use actix_web::web;

use crate::error::ApiError;
use crate::problem::{Code, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::invalid_request(
                    format!("The query string is invalid: {err}."),
                    "Check the parameter names and values against the README.",
                )
                .into()
            }))
            .service(
                web::resource("/verify")
                    // Customer pages on any origin call this through the widget shim; it takes
                    // no credentials, so any origin may read the answer, errors included.
                    .wrap(
                        actix_web::middleware::DefaultHeaders::new()
                            .add((actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")),
                    )
                    .route(web::post().to(verify::verify))
                    .route(web::method(actix_web::http::Method::OPTIONS).to(verify::preflight)),
            )
            .route("/reset", web::post().to(reset))
            .route("/interactions", web::get().to(interactions::list))
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

/// Wipes keys, fields and interactions, then installs the config file's keys and fields again.
async fn reset(
    state: web::Data<crate::startup::AppState>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let seeded = crate::admin::apply_seed(&state, true).await?;
    Ok(actix_web::HttpResponse::Ok().json(serde_json::json!({
        "signingKeys": seeded.signing_keys,
        "unsignedFields": seeded.unsigned_fields,
        "reportOnly": state.settings.report_only,
    })))
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::Rejected(Problem::new(
        Code::NotFound,
        "No such API route (or method).",
        "See the README for the routes under /api/v1.",
    )))
}
