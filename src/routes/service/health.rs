//! `GET /health`: whether the emulator can do all its jobs. 200 `ok`, or 503 `degraded` while
//! the interaction log cannot be written (verification still works then; reading the log does
//! not), so `curl -f` in a CI job notices a full disk.

use actix_web::HttpResponse;
use actix_web::web::Data;
use serde::Serialize;

use crate::routes::kit::state::WebState;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok`, or `degraded` while the interaction log cannot be written.
    #[schema(pattern = "^(ok|degraded)$")]
    status: &'static str,
    /// The emulator's version, e.g. `0.1.0`.
    #[schema(example = "0.1.0")]
    version: &'static str,
    /// The git commit it was built from, when known (a build from a checkout, or a package).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "3f2a9c41d0b7")]
    revision: Option<&'static str>,
    interaction_log: LogView,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InteractionLogHealth)]
pub struct LogView {
    /// `ok`, or `unavailable` while writes fail.
    #[schema(pattern = "^(ok|unavailable)$")]
    status: &'static str,
    /// The last write's error, while writes fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Verified but not yet written.
    unwritten: usize,
    /// Answered and never written, since this start: shed because writes failed for longer
    /// than memory could hold them, and what the last run answered and had not written when it
    /// was killed (counted at this start).
    lost: u64,
    /// What runs killed before writing lost (answered, never written), counted at each start,
    /// in the database's life.
    lost_in_crashes: u64,
}

#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "Service",
    responses(
        (status = 200, description = "Every job works.", body = Health),
        (status = 503, description = "The interaction log cannot be written; verification still works.", body = Health),
    ),
    security(())
)]
pub async fn health(state: Data<WebState>) -> HttpResponse {
    let log = state.core.recorder.health();
    let failing = log.failing.is_some();
    let body = Health {
        status: if failing { "degraded" } else { "ok" },
        version: crate::build_info::VERSION,
        revision: crate::build_info::REVISION,
        interaction_log: LogView {
            status: if failing { "unavailable" } else { "ok" },
            error: log.failing,
            unwritten: log.unwritten,
            lost: log.lost,
            lost_in_crashes: log.lost_in_crashes,
        },
    };
    if failing {
        HttpResponse::ServiceUnavailable().json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}
