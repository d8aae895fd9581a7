//! Counters for `/metrics`, as the Prometheus project's Rust client (`prometheus-client`) keeps
//! them: verifications by outcome and by the codes their verdicts carry, and the verify
//! endpoint's latency. The verify path's handles are made once, here, so it pays what it paid
//! when these were bare atomics (an atomic add each; the histogram takes an uncontended lock):
//! no label lookup per request. Everything else `/metrics` shows is read when it is scraped.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

use crate::domain::problem::Code;
use crate::verdict::{SignatureStatus, Verdict};

/// Upper bounds (seconds) of the verify latency histogram's buckets; +Inf follows.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// A label set of one label.
pub type Label = [(&'static str, &'static str); 1];

pub struct Metrics {
    /// `talkative_verifications_total{status}`.
    pub verifications: Family<Label, Counter>,
    /// `talkative_verdict_codes_total{code}`: only codes a verdict can carry.
    pub verdict_codes: Family<Label, Counter>,
    /// `talkative_verify_duration_seconds`.
    pub latency: Histogram,
    /// The verify path's handles into the families above: by status, and by code (indexed by
    /// `Code as usize`, declaration order, as in `Code::ALL`; `None` for codes no verdict
    /// carries).
    by_status: [Counter; 3],
    by_code: Vec<Option<Counter>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let verifications = Family::<Label, Counter>::default();
        let by_status = SignatureStatus::ALL
            .map(|status| verifications.get_or_create_owned(&[("status", status.as_str())]));
        let verdict_codes = Family::<Label, Counter>::default();
        let by_code = Code::ALL
            .iter()
            .map(|code| {
                code.appears_in_verdicts()
                    .then(|| verdict_codes.get_or_create_owned(&[("code", code.as_str())]))
            })
            .collect();
        Self {
            verifications,
            verdict_codes,
            latency: Histogram::new(LATENCY_BUCKETS),
            by_status,
            by_code,
        }
    }
}

impl Metrics {
    /// Counts a verdict: its signature status, and each distinct code it carries.
    pub fn record_verdict(&self, verdict: &Verdict) {
        self.by_status[status_index(verdict.signature.status)].inc();
        let codes = (verdict.signature.error.iter().map(|p| p.code))
            .chain(verdict.rejected.iter().map(|r| r.reason.code))
            .chain(verdict.warnings.iter().map(|w| w.code));
        // Each code counted once per verdict (a verdict may drop several items for one reason).
        let mut seen: u128 = 0;
        for code in codes {
            let index = code as usize;
            let bit = 1u128 << (index % 128);
            if seen & bit != 0 {
                continue;
            }
            seen |= bit;
            if let Some(Some(counter)) = self.by_code.get(index) {
                counter.inc();
            }
        }
    }

    /// Records how long the verify endpoint took to answer.
    pub fn observe_verify(&self, elapsed: Duration) {
        self.latency.observe(elapsed.as_secs_f64());
    }

    pub fn verifications(&self, status: SignatureStatus) -> u64 {
        self.by_status[status_index(status)].get()
    }
}

fn status_index(status: SignatureStatus) -> usize {
    match status {
        SignatureStatus::Valid => 0,
        SignatureStatus::Invalid => 1,
        SignatureStatus::Absent => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_indexes_follow_the_declaration_order_of_code_all() {
        for (index, code) in Code::ALL.iter().enumerate() {
            assert_eq!(*code as usize, index, "{code}");
        }
        assert!(
            Code::ALL.len() <= 128,
            "record_verdict's bitmap has a bit per code"
        );
    }

    #[test]
    fn the_handles_are_the_familys_counters() {
        let metrics = Metrics::default();
        metrics.by_status[0].inc();
        assert_eq!(
            metrics
                .verifications
                .get_or_create(&[("status", "valid")])
                .get(),
            1
        );
        assert_eq!(metrics.verifications(SignatureStatus::Valid), 1);
    }
}
