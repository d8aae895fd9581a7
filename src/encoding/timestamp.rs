//! Timestamps as every layer writes them: milliseconds since the Unix epoch in the database
//! and in memory, RFC 3339 UTC with milliseconds in JSON and on pages.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, the unit every timestamp column uses.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// RFC 3339 UTC with milliseconds, the form timestamps take in JSON.
pub fn format_millis(millis: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or_default());
    humantime::format_rfc3339_millis(time).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_milliseconds_as_rfc3339_utc() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_796_601_600_123), "2026-12-07T00:00:00.123Z");
        // A negative column value (never written, but read defensively) is the epoch.
        assert_eq!(format_millis(-5), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn now_is_after_this_code_was_written() {
        assert!(now_millis() > 1_796_601_600_000);
    }
}
