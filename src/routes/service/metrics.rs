//! `GET /metrics`: the OpenMetrics text exposition, written by the Prometheus project's Rust
//! client (`prometheus-client`). The verify path's counters and latency histogram live in
//! `app::metrics`; the rest (keys, the log's size, the rate limiters' refusals, the build) are
//! read when scraped, into a registry made for that scrape. Behind the admin password (Bearer)
//! when one is set, like the management API.

use actix_web::HttpResponse;
use actix_web::web::Data;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::app::interaction_log;
use crate::app::metrics::Label;
use crate::routes::kit::refusal::Refusal;
use crate::routes::kit::state::WebState;

/// What Prometheus asks for and what this answers: OpenMetrics 1.0.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "Service",
    responses(
        (status = 200, description = "OpenMetrics 1.0 text exposition (what Prometheus scrapes).",
            content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String),
    )
)]
pub async fn metrics(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let core = &state.core;
    let (rows, bytes) = interaction_log::totals(core).await?;
    let policy = core.cache.current();
    let active_keys = policy.keys.active_count();
    let inactive_keys = policy.keys.entries().len() - active_keys;
    let log = core.recorder.health();
    let metrics = &core.metrics;

    let mut registry = Registry::default();
    registry.register(
        "talkative_verifications",
        "Verifications answered, by signature status",
        metrics.verifications.clone(),
    );
    registry.register(
        "talkative_verdict_codes",
        "Verdicts carrying each code (signature errors, rejection reasons, warnings), each \
         counted once per verdict",
        metrics.verdict_codes.clone(),
    );
    registry.register(
        "talkative_verify_duration_seconds",
        "Time POST /api/v1/verify took to answer a verification",
        metrics.latency.clone(),
    );
    let keys = Family::<Label, Gauge>::default();
    keys.get_or_create(&[("state", "active")])
        .set(gauge(active_keys));
    keys.get_or_create(&[("state", "inactive")])
        .set(gauge(inactive_keys));
    registry.register(
        "talkative_signing_keys",
        "Stored signing keys, by state",
        keys,
    );
    let fields = Gauge::<i64>::default();
    fields.set(gauge(policy.allowlist.len()));
    registry.register(
        "talkative_unsigned_fields",
        "Labels allowed to pass unsigned",
        fields,
    );
    let log_rows = Gauge::<i64>::default();
    log_rows.set(rows);
    registry.register(
        "talkative_interaction_log_rows",
        "Interactions the log holds",
        log_rows,
    );
    let log_bytes = Gauge::<i64>::default();
    log_bytes.set(bytes);
    registry.register(
        "talkative_interaction_log_bytes",
        "Bytes the log's interactions keep (requests, verdicts, the items they carried)",
        log_bytes,
    );
    registry.register(
        "talkative_interaction_log_write_errors",
        "Writes of the interaction log that failed (each retried)",
        counter(log.write_errors),
    );
    registry.register(
        "talkative_interaction_log_lost",
        "Interactions dropped unwritten because writes failed for longer than the buffer holds",
        counter(log.lost),
    );
    let limited = Family::<Label, Counter>::default();
    limited
        .get_or_create(&[("limit", "verify")])
        .inc_by(state.verify_limiter.as_ref().map_or(0, |l| l.refused()));
    limited
        .get_or_create(&[("limit", "admin_password")])
        .inc_by(state.password_attempts.refused());
    registry.register(
        "talkative_rate_limited",
        "Requests refused by a rate limit, by limit",
        limited,
    );
    let followers = Gauge::<i64>::default();
    followers.set(gauge(core.followers.following()));
    registry.register(
        "talkative_log_followers",
        "Clients following the interaction log now (streams and waits)",
        followers,
    );
    registry.register(
        "talkative_build",
        "The running build",
        Info::new([("version", env!("CARGO_PKG_VERSION"))]),
    );

    let mut text = String::with_capacity(8 * 1024);
    encode(&mut text, &registry)
        .map_err(|e| Refusal::Internal(anyhow::anyhow!("encoding the metrics: {e}")))?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}

/// A count as a gauge's value.
fn gauge(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A counter that reads `value`: for totals kept elsewhere (the recorder, the rate limiters).
fn counter(value: u64) -> Counter {
    let counter = Counter::default();
    counter.inc_by(value);
    counter
}
