//! Counters for `/metrics`: verifications by outcome and by the codes their verdicts carry, and
//! the verify endpoint's latency. Relaxed atomics only, so the verify path pays a few
//! uncontended additions; everything else /metrics shows is read when it is scraped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::domain::problem::Code;
use crate::verdict::{SignatureStatus, Verdict};

/// Upper bounds (seconds) of the verify latency histogram's buckets; the last is +Inf.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

pub struct Metrics {
    by_status: [AtomicU64; 3],
    /// Indexed by `Code as usize` (declaration order, as in `Code::ALL`).
    by_code: Vec<AtomicU64>,
    /// Per bucket, not cumulative; one more for +Inf.
    latency: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_sum_nanos: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            by_status: Default::default(),
            by_code: Code::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            latency: Default::default(),
            latency_sum_nanos: AtomicU64::new(0),
        }
    }
}

/// A snapshot of the verify latency histogram: cumulative counts per bucket (the last is +Inf),
/// and the sum of the observed seconds.
pub struct Latency {
    pub cumulative: Vec<u64>,
    pub sum_seconds: f64,
}

impl Metrics {
    /// Counts a verdict: its signature status, and each distinct code it carries.
    pub fn record_verdict(&self, verdict: &Verdict) {
        self.by_status[status_index(verdict.signature.status)].fetch_add(1, Ordering::Relaxed);
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
            if let Some(counter) = self.by_code.get(index) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records how long the verify endpoint took to answer.
    pub fn observe_verify(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn verifications(&self, status: SignatureStatus) -> u64 {
        self.by_status[status_index(status)].load(Ordering::Relaxed)
    }

    pub fn code_count(&self, code: Code) -> u64 {
        self.by_code
            .get(code as usize)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    pub fn latency(&self) -> Latency {
        let mut total = 0;
        let cumulative = self
            .latency
            .iter()
            .map(|bucket| {
                total += bucket.load(Ordering::Relaxed);
                total
            })
            .collect();
        Latency {
            cumulative,
            sum_seconds: self.latency_sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
        }
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
    use crate::domain::problem::Code;

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
    fn latency_lands_in_the_first_bucket_that_holds_it() {
        let metrics = Metrics::default();
        metrics.observe_verify(Duration::from_micros(80));
        metrics.observe_verify(Duration::from_micros(300));
        metrics.observe_verify(Duration::from_secs(3));
        let latency = metrics.latency();
        assert_eq!(latency.cumulative[0], 1);
        assert_eq!(latency.cumulative[1], 1);
        assert_eq!(latency.cumulative[2], 2);
        assert_eq!(*latency.cumulative.last().unwrap(), 3);
        assert!((latency.sum_seconds - 3.00038).abs() < 1e-9);
    }
}
