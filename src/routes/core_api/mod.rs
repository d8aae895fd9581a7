//! `/api/core/v1`: Talkative's Core API, emulated, for customers' backends. Interactions (the
//! emulator's engagements) as JSON:API resources, read by numeric id as Talkative's articles
//! show, and interaction data added to one under way from the server. Every route needs a Core
//! API key (`kit/credentials.rs`, checked by the family guard); answers and refusals are JSON:API
//! (`kit/json_api.rs`, the family's rendering). What is emulated, and what is a constant, is in
//! docs/talkative-compat.md.

pub mod interactions;
mod query;

use actix_web::HttpResponse;

use crate::app::core_document::Base;
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::refusal::Refusal;
use crate::routes::kit::served_origin::ServedOrigin;

/// Where the Core API is, as this request reached it: links are absolute, as Talkative's are.
pub fn base_of(request: &actix_web::HttpRequest) -> Base {
    Base::on(&ServedOrigin::of(request).url())
}

/// Any other path or method under `/api/core/v1`.
pub async fn not_found() -> Result<HttpResponse, Refusal> {
    Err(Problem::new(
        Code::NotFound,
        "No such Core API route (or method).",
        "The emulated Core API has GET /interactions, GET /interactions/{id} and POST \
         /interactions/{uuid}/interaction-data; see /docs/api.",
    )
    .into())
}
