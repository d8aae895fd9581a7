//! One row of the Interactions list as the page shows it: what it carried (search matches
//! marked, long data cut around them), when (relative), and from where.

use crate::app::records::BrowseRow;
use crate::domain::source::Source;
use crate::routes::portal::moment::Moment;
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
    pub received: Moment,
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

/// The first place in `haystack` (already lower-cased) where one of `needles` (lower-cased)
/// occurs: its byte range, the longest needle on a tie.
fn first_match(haystack: &str, needles: &[String], from: usize) -> Option<(usize, usize)> {
    needles
        .iter()
        .filter(|needle| !needle.is_empty())
        .filter_map(|needle| {
            let start = from + haystack[from..].find(needle.as_str())?;
            Some((start, start + needle.len()))
        })
        .min_by_key(|&(start, end)| (start, usize::MAX - end))
}

fn lowered(words: &[String]) -> Vec<String> {
    words.iter().map(|word| word.to_ascii_lowercase()).collect()
}

/// `text` in pieces where any of `words` occurs, ASCII case-insensitively (as the log's search
/// matches).
pub fn marked(text: &str, words: &[String]) -> Marked {
    let haystack = text.to_ascii_lowercase();
    let needles = lowered(words);
    let mut pieces = Vec::new();
    let mut at = 0;
    // ASCII lower-casing keeps every byte offset, and a UTF-8 needle only matches at character
    // boundaries, so these offsets cut `text` cleanly.
    while let Some((start, end)) = first_match(&haystack, &needles, at) {
        if start > at {
            pieces.push((false, text[at..start].to_owned()));
        }
        pieces.push((true, text[start..end].to_owned()));
        at = end;
    }
    if at < text.len() || pieces.is_empty() {
        pieces.push((false, text[at..].to_owned()));
    }
    pieces
}

/// `text` cut to `max` characters around the first match of `words`, so that a match far into
/// long data still shows: "…before match after…".
fn excerpt(text: &str, words: &[String], max: usize) -> String {
    let Some((byte, end)) = first_match(&text.to_ascii_lowercase(), &lowered(words), 0) else {
        return shorten(text, max);
    };
    let char_index = text[..byte].chars().count();
    if char_index + text[byte..end].chars().count() <= max {
        return shorten(text, max);
    }
    let start = char_index.saturating_sub(10);
    let rest: String = text.chars().skip(start).collect();
    format!("…{}", shorten(&rest, max))
}

pub fn rows(browsed: Vec<BrowseRow>, words: &[String]) -> Vec<Row> {
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
                    let data = excerpt(&item.data, words, DATA_CHARS_SHOWN);
                    (marked(&item.label, words), marked(&data, words))
                })
                .collect::<Vec<_>>();
            let shown = items.len();
            // The previews are the first items; the counts say how many there were.
            let carried = usize::try_from(row.accepted + row.rejected).unwrap_or(0);
            Row {
                seq: row.seq,
                id: row.id,
                received: Moment::at(row.received_at),
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

/// The portal's words for where an interaction came from.
pub fn source_title(source: Source) -> &'static str {
    match source {
        Source::Api => "API",
        Source::Widget => "Widget",
        Source::Demo => "Demo page",
        Source::Playground => "Playground",
        Source::CoreApi => "Core API",
        Source::Fulfilment => "Fulfilment",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_are_marked_and_long_data_is_cut_around_them() {
        let words = |list: &[&str]| list.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            marked("Ada@Example.com", &words(&["example"])),
            [
                (false, "Ada@".to_owned()),
                (true, "Example".to_owned()),
                (false, ".com".to_owned())
            ]
        );
        assert_eq!(
            marked("é-x-É", &words(&["x"])),
            [
                (false, "é-".to_owned()),
                (true, "x".to_owned()),
                (false, "-É".to_owned())
            ]
        );
        assert_eq!(marked("abc", &[]), [(false, "abc".to_owned())]);
        assert_eq!(
            marked("ada lovelace", &words(&["love", "ada", "lovelace"])),
            [
                (true, "ada".to_owned()),
                (false, " ".to_owned()),
                (true, "lovelace".to_owned())
            ]
        );
        let long = format!("{}needle{}", "a".repeat(100), "b".repeat(100));
        let cut = excerpt(&long, &words(&["NEEDLE"]), 40);
        assert!(cut.starts_with('…') && cut.contains("needle"), "{cut}");
        assert_eq!(
            excerpt("short needle", &words(&["needle"]), 40),
            "short needle"
        );
    }
}
