//! Who sent a request that leaves something behind (a verification, a widget's arrival): the
//! per-client rate limit it is charged to, the source the log names it by, and the site whose
//! share of the budget it counts against. The verify endpoint and the widget's endpoints share
//! these.

use actix_web::HttpRequest;

use crate::domain::source::Source;
use crate::routes::kit::refusal::{Limit, Refusal};
use crate::routes::kit::same_origin::foreign_sender;
use crate::routes::kit::state::WebState;

/// The per-client limit. Loopback clients (local test suites, load tests) are exempt unless
/// `--rate-limit-loopback` says otherwise.
pub fn throttle(request: &HttpRequest, state: &WebState) -> Result<(), Refusal> {
    let (Some(limiter), Some(peer)) = (&state.verify_limiter, request.peer_addr()) else {
        return Ok(());
    };
    let client = peer.ip().to_canonical();
    if client.is_loopback() && !state.core.settings.rate_limit_loopback {
        return Ok(());
    }
    limiter
        .check(client)
        .map_err(|wait| Refusal::Throttled(wait, Limit::Verify))
}

/// The header the widget shim names itself with (`widget`, or `demo` on the portal's demo
/// page); anything else, or nothing, records the interaction as the API's. Only a label for the
/// log: it changes nothing in the verdict. `demo` is the portal's own page, so a page on another
/// origin that claims it is recorded as the widget (its own word for itself) instead.
pub const SOURCE_HEADER: &str = "x-talkative-emulator-source";

pub fn source(request: &HttpRequest) -> Source {
    let claimed = request
        .headers()
        .get(SOURCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(Source::parse);
    match claimed {
        Some(Source::Demo) if foreign_sender(request).is_none() => Source::Demo,
        Some(Source::Demo | Source::Widget) => Source::Widget,
        _ => Source::Api,
    }
}
