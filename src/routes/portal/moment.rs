//! One way the portal shows a time (#32): relative ("2 min ago", kept current by portal.js),
//! the local time and UTC on hover, never broken across lines. `macros.html`'s `moment` renders
//! it; every page's times go through it.

use crate::encoding::timestamp::{format_millis, now_millis};

pub struct Moment {
    /// RFC 3339, UTC: the `datetime` attribute, and the title until portal.js adds local time.
    pub utc: String,
    /// Unix milliseconds, for the page's clock.
    pub millis: i64,
    /// As the server would say it now; portal.js keeps it current.
    pub ago: String,
}

impl Moment {
    pub fn at(millis: i64) -> Self {
        Self {
            utc: format_millis(millis),
            millis,
            ago: ago(now_millis() - millis),
        }
    }
}

/// "12 s ago", as Mailpit and mail clients show it (the exact time is in the title).
pub fn ago(elapsed_millis: i64) -> String {
    let seconds = elapsed_millis.max(0) / 1000;
    match seconds {
        0..5 => "just now".to_owned(),
        5..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_as_a_person_would_say_them() {
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(4_999), "just now");
        assert_eq!(ago(12_000), "12 s ago");
        assert_eq!(ago(125_000), "2 min ago");
        assert_eq!(ago(2 * 3_600_000), "2 h ago");
        assert_eq!(ago(3 * 86_400_000), "3 d ago");
        let moment = Moment::at(1_796_601_600_123);
        assert_eq!(moment.utc, "2026-12-07T00:00:00.123Z");
        assert!(moment.ago.ends_with("ago") || moment.ago == "just now");
    }
}
