//! One row of the Interactions list as the page shows it: what it carried (search matches
//! marked, long data cut around them), when (relative), and from where.

use crate::app::records::BrowseRow;
use crate::domain::source::Source;
use crate::encoding::timestamp::{format_millis, now_millis};
use crate::verdict::SignatureStatus;

/// Items a row shows of the previews the log gives it (`storage::interactions::PREVIEW_ITEMS`,
/// 20, is what the live stream carries), and characters of data each.
const ITEMS_SHOWN: usize = 4;
const DATA_CHARS_SHOWN: usize = 40;

/// One line of the interactions table, from the log's browse columns (no verdict is read).
pub struct Row {
    /// Its position in the log (newer rows have larger values).
    pub seq: i64,
    pub id: String,
    /// Exact time (ISO 8601, UTC), and its Unix milliseconds for the page's clock.
    pub received_at: String,
    pub received_millis: i64,
    pub ago: String,
    pub source: &'static str,
    pub status: SignatureStatus,
    /// The signature's error code, when it was refused.
    pub error_code: String,
    /// The other codes the verdict carries (rejection reasons, warnings).
    pub other_codes: Vec<String>,
    pub accepted: i64,
    pub rejected: i64,
    /// (label, data cut short) of the first items, each in pieces with the search's matches
    /// marked, and how many more there were.
    pub items: Vec<(Marked, Marked)>,
    pub more_items: usize,
    /// The engagement it was an arrival of, when the widget sent it.
    pub engagement: Option<String>,
}

/// Text in pieces, `true` for each piece that matches the search (shown as `<mark>`).
pub type Marked = Vec<(bool, String)>;

/// `text` in pieces where `q` occurs, ASCII case-insensitively (as the log's search matches).
pub fn marked(text: &str, q: &str) -> Marked {
    if q.is_empty() {
        return vec![(false, text.to_owned())];
    }
    let haystack = text.to_ascii_lowercase();
    let needle = q.to_ascii_lowercase();
    let mut pieces = Vec::new();
    let mut at = 0;
    // ASCII lower-casing keeps every byte offset, and a UTF-8 needle only matches at character
    // boundaries, so these offsets cut `text` cleanly.
    while let Some(found) = haystack[at..].find(&needle) {
        let start = at + found;
        let end = start + needle.len();
        if start > at {
            pieces.push((false, text[at..start].to_owned()));
        }
        pieces.push((true, text[start..end].to_owned()));
        at = end;
    }
    if at < text.len() {
        pieces.push((false, text[at..].to_owned()));
    }
    pieces
}

/// `text` cut to `max` characters around the first match of `q`, so that a match far into
/// long data still shows: "…before match after…".
fn excerpt(text: &str, q: &str, max: usize) -> String {
    let found = (!q.is_empty())
        .then(|| text.to_ascii_lowercase().find(&q.to_ascii_lowercase()))
        .flatten();
    let Some(byte) = found else {
        return shorten(text, max);
    };
    let char_index = text[..byte].chars().count();
    if char_index + q.chars().count() <= max {
        return shorten(text, max);
    }
    let start = char_index.saturating_sub(10);
    let rest: String = text.chars().skip(start).collect();
    format!("…{}", shorten(&rest, max))
}

pub fn rows(browsed: Vec<BrowseRow>, q: &str) -> Vec<Row> {
    let now = now_millis();
    browsed
        .into_iter()
        .map(|row| {
            let status = row.status;
            let mut codes = row.codes.iter().map(|code| code.as_str().to_owned());
            // codes_of puts the signature's error first.
            let error_code = match status {
                SignatureStatus::Invalid => codes.next().unwrap_or_default(),
                _ => String::new(),
            };
            let items = row
                .items
                .into_iter()
                .take(ITEMS_SHOWN)
                .map(|item| {
                    let data = excerpt(&item.data, q, DATA_CHARS_SHOWN);
                    (marked(&item.label, q), marked(&data, q))
                })
                .collect::<Vec<_>>();
            let shown = items.len();
            // The previews are the first items; the counts say how many there were.
            let carried = usize::try_from(row.accepted + row.rejected).unwrap_or(0);
            Row {
                seq: row.seq,
                id: row.id,
                received_at: format_millis(row.received_at),
                received_millis: row.received_at,
                ago: ago(now - row.received_at),
                source: row.source.map_or("unknown", source_title),
                status,
                error_code,
                other_codes: codes.collect(),
                accepted: row.accepted,
                rejected: row.rejected,
                more_items: carried.saturating_sub(shown),
                items,
                engagement: row.engagement.map(|uuid| uuid.to_string()),
            }
        })
        .collect()
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(super) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
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

/// The portal's words for where an interaction came from.
pub fn source_title(source: Source) -> &'static str {
    match source {
        Source::Api => "API",
        Source::Widget => "Widget",
        Source::Demo => "Demo page",
        Source::Playground => "Playground",
        Source::CoreApi => "Core API",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_are_marked_and_long_data_is_cut_around_them() {
        assert_eq!(
            marked("Ada@Example.com", "example"),
            [
                (false, "Ada@".to_owned()),
                (true, "Example".to_owned()),
                (false, ".com".to_owned())
            ]
        );
        assert_eq!(
            marked("é-x-É", "x"),
            [
                (false, "é-".to_owned()),
                (true, "x".to_owned()),
                (false, "-É".to_owned())
            ]
        );
        assert_eq!(marked("abc", ""), [(false, "abc".to_owned())]);
        let long = format!("{}needle{}", "a".repeat(100), "b".repeat(100));
        let cut = excerpt(&long, "NEEDLE", 40);
        assert!(cut.starts_with('…') && cut.contains("needle"), "{cut}");
        assert_eq!(excerpt("short needle", "needle", 40), "short needle");
    }

    #[test]
    fn relative_times_read_as_a_person_would_say_them() {
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(4_999), "just now");
        assert_eq!(ago(12_000), "12 s ago");
        assert_eq!(ago(125_000), "2 min ago");
        assert_eq!(ago(2 * 3_600_000), "2 h ago");
        assert_eq!(ago(3 * 86_400_000), "3 d ago");
    }
}
