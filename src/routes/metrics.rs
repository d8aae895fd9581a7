//! `GET /metrics`: Prometheus text exposition (format 0.0.4). Counters come from
//! `app::metrics` and the rate limiters; gauges are read when scraped. Behind the admin
//! password (Bearer) when one is set, like the management API.

use std::fmt::Write;

use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::app::interaction_log;
use crate::app::metrics::LATENCY_BUCKETS;
use crate::domain::problem::Code;
use crate::routes::error::ApiError;
use crate::routes::state::WebState;
use crate::verdict::SignatureStatus;

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "Service",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4.",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
    )
)]
pub async fn metrics(state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let core = &state.core;
    let (rows, bytes) = interaction_log::totals(core).await?;
    let policy = core.cache.current();
    let active_keys = policy.keys.active_count();
    let inactive_keys = policy.keys.entries().len() - active_keys;
    let log = core.recorder.health();
    let metrics = &core.metrics;

    // Writing to a String cannot fail: the results are ignored.
    let mut text = String::with_capacity(8 * 1024);
    let _ = writeln!(
        text,
        "# HELP talkative_verifications_total Verifications answered, by signature status.\n\
         # TYPE talkative_verifications_total counter"
    );
    for status in SignatureStatus::ALL {
        let _ = writeln!(
            text,
            "talkative_verifications_total{{status=\"{}\"}} {}",
            status.as_str(),
            metrics.verifications(status)
        );
    }
    let _ = writeln!(
        text,
        "# HELP talkative_verdict_codes_total Verdicts carrying each code (signature errors, \
         rejection reasons, warnings), each counted once per verdict.\n\
         # TYPE talkative_verdict_codes_total counter"
    );
    for code in Code::ALL.iter().filter(|c| c.appears_in_verdicts()) {
        let _ = writeln!(
            text,
            "talkative_verdict_codes_total{{code=\"{}\"}} {}",
            code.as_str(),
            metrics.code_count(*code)
        );
    }
    let latency = metrics.latency();
    let _ = writeln!(
        text,
        "# HELP talkative_verify_duration_seconds Time POST /api/v1/verify took to answer a \
         verification.\n# TYPE talkative_verify_duration_seconds histogram"
    );
    for (bound, count) in LATENCY_BUCKETS.iter().zip(&latency.cumulative) {
        let _ = writeln!(
            text,
            "talkative_verify_duration_seconds_bucket{{le=\"{bound}\"}} {count}"
        );
    }
    let total = latency.cumulative.last().copied().unwrap_or(0);
    let _ = writeln!(
        text,
        "talkative_verify_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
         talkative_verify_duration_seconds_sum {}\n\
         talkative_verify_duration_seconds_count {total}",
        latency.sum_seconds
    );
    let gauges: [(&str, &str, &str, String); 6] = [
        (
            "talkative_signing_keys",
            "gauge",
            "Stored signing keys, by state.",
            format!(
                "talkative_signing_keys{{state=\"active\"}} {active_keys}\n\
                 talkative_signing_keys{{state=\"inactive\"}} {inactive_keys}"
            ),
        ),
        (
            "talkative_unsigned_fields",
            "gauge",
            "Labels allowed to pass unsigned.",
            format!("talkative_unsigned_fields {}", policy.allowlist.len()),
        ),
        (
            "talkative_interaction_log_rows",
            "gauge",
            "Interactions the log holds.",
            format!("talkative_interaction_log_rows {rows}"),
        ),
        (
            "talkative_interaction_log_bytes",
            "gauge",
            "Bytes of the requests and verdicts the log holds.",
            format!("talkative_interaction_log_bytes {bytes}"),
        ),
        (
            "talkative_interaction_log_write_errors_total",
            "counter",
            "Writes of the interaction log that failed (each retried).",
            format!(
                "talkative_interaction_log_write_errors_total {}",
                log.write_errors
            ),
        ),
        (
            "talkative_interaction_log_lost_total",
            "counter",
            "Interactions dropped unwritten because writes failed for longer than the buffer holds.",
            format!("talkative_interaction_log_lost_total {}", log.lost),
        ),
    ];
    for (name, kind, help, samples) in gauges {
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{samples}"
        );
    }
    let verify_refused = state.verify_limiter.as_ref().map_or(0, |l| l.refused());
    let _ = writeln!(
        text,
        "# HELP talkative_rate_limited_total Requests refused by a rate limit, by limit.\n\
         # TYPE talkative_rate_limited_total counter\n\
         talkative_rate_limited_total{{limit=\"verify\"}} {verify_refused}\n\
         talkative_rate_limited_total{{limit=\"admin_password\"}} {}",
        state.password_attempts.refused()
    );
    let _ = writeln!(
        text,
        "# HELP talkative_build_info The running build.\n\
         # TYPE talkative_build_info gauge\n\
         talkative_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
