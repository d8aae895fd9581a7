//! The server log's WARN lines for refusals (#31), bounded: a page or a load test that sends a
//! dropped item with every request would otherwise write a line per request: under
//! `benches/load.sh` (18,000 requests a second, each dropping a coupon) the lines raised the
//! server's CPU per request by 8 % (93–95 to 101–103 µs) and made the log unreadable.
//! At most [`RefusalLog::PER_SECOND`] verdicts a second are logged line by line; past that, one
//! line a second says how many were not. The portal and `/api/v1/interactions` keep them all.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct RefusalLog {
    /// The second (unix) the counts are for.
    second: AtomicU64,
    written: AtomicU32,
    suppressed: AtomicU64,
}

impl RefusalLog {
    pub const PER_SECOND: u32 = 20;

    /// Whether a verdict's lines may be written now.
    pub fn admit(&self) -> bool {
        let now = crate::encoding::timestamp::now_millis().max(0) as u64 / 1000;
        match self.admit_at(now) {
            Admission::Write { suppressed_before } => {
                report(suppressed_before);
                true
            }
            Admission::Suppress { suppressed_before } => {
                report(suppressed_before);
                false
            }
        }
    }

    /// As [`admit`](Self::admit), in the given second; what a new second found suppressed in
    /// the last is handed back once, to be said.
    fn admit_at(&self, second: u64) -> Admission {
        let mut suppressed_before = 0;
        let current = self.second.load(Ordering::Relaxed);
        if second != current
            && self
                .second
                .compare_exchange(current, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.written.store(0, Ordering::Relaxed);
            suppressed_before = self.suppressed.swap(0, Ordering::Relaxed);
        }
        if self.written.fetch_add(1, Ordering::Relaxed) < Self::PER_SECOND {
            Admission::Write { suppressed_before }
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            Admission::Suppress { suppressed_before }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Write { suppressed_before: u64 },
    Suppress { suppressed_before: u64 },
}

fn report(suppressed: u64) {
    if suppressed > 0 {
        tracing::warn!(
            suppressed,
            "{suppressed} more refused or partly dropped arrivals were not logged line by line in \
             the last second (at most {} a second are); every one is in the portal's \
             Interactions log and /api/v1/interactions",
            RefusalLog::PER_SECOND
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_verdicts_a_second_are_logged_and_the_rest_counted_once_the_next_second() {
        let log = RefusalLog::default();
        let first: Vec<Admission> = (0..25).map(|_| log.admit_at(100)).collect();
        let written = first
            .iter()
            .filter(|a| matches!(a, Admission::Write { .. }))
            .count();
        assert_eq!(written, 20);
        assert_eq!(
            first[24],
            Admission::Suppress {
                suppressed_before: 0
            }
        );
        // The next second: writing again, and the five not written are handed back once.
        assert_eq!(
            log.admit_at(101),
            Admission::Write {
                suppressed_before: 5
            }
        );
        assert_eq!(
            log.admit_at(101),
            Admission::Write {
                suppressed_before: 0
            }
        );
    }
}
