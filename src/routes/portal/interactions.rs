//! The Interactions pages: the log, filtered and paged, and one interaction's verdict and request.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Redirect, Refusal, render, render_page, submit_form};
use crate::app::interaction_log;
use crate::domain::ItemMember;
use crate::domain::problem::Code;
use crate::domain::source::Source;
use crate::encoding::strict_json;
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;
use crate::storage::interactions::{Browse, BrowseRow, Filter, Position, StoredInteraction};
use crate::storage::{format_millis, now_millis};
use crate::verdict::{SignatureStatus, Verdict};

/// Rows per page of the list.
const PAGE_ROWS: u32 = 50;
/// The page sizes a person may choose (`per=`): fewer on a phone, more to skim.
const PAGE_SIZES: [u32; 4] = [20, 50, 100, 200];
/// Items previewed per row, and characters of data per item.
const PREVIEW_ITEMS: usize = 4;
const PREVIEW_DATA_CHARS: usize = 40;

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
                .take(PREVIEW_ITEMS)
                .map(|item| {
                    let data = excerpt(&item.data, q, PREVIEW_DATA_CHARS);
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
fn shorten(text: &str, max: usize) -> String {
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

/// What the list shows, from `?filter=`: everything, one signature status, or only
/// interactions where something was dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    All,
    Status(SignatureStatus),
    Dropped,
}

impl Shown {
    const ALL: [Shown; 5] = [
        Self::All,
        Self::Status(SignatureStatus::Valid),
        Self::Status(SignatureStatus::Invalid),
        Self::Status(SignatureStatus::Absent),
        Self::Dropped,
    ];

    /// The `?filter=` value: a signature status by its wire name.
    fn value(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Status(status) => status.as_str(),
            Self::Dropped => "dropped",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Status(SignatureStatus::Valid) => "Valid signature",
            Self::Status(SignatureStatus::Invalid) => "Invalid signature",
            Self::Status(SignatureStatus::Absent) => "Unsigned only",
            Self::Dropped => "Something dropped",
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    source: Option<String>,
    code: Option<String>,
    /// Text to find in labels and data.
    q: Option<String>,
    /// The page just older than this row (the "Older" link).
    cursor: Option<i64>,
    /// The page just newer than this row (the "Newer" link).
    after: Option<i64>,
    /// Rows a page: one of [`PAGE_SIZES`], 50 unless chosen.
    per: Option<String>,
}

/// The list's query, parsed: what is shown, and the links that keep it.
struct ListRequest {
    shown: Shown,
    source: Option<Source>,
    code: Option<Code>,
    q: String,
    per: u32,
}

impl ListRequest {
    fn parse(query: &ListQuery) -> Result<Self, Refusal> {
        fn given(value: &Option<String>) -> Option<&str> {
            value.as_deref().filter(|v| !v.is_empty())
        }
        let unknown = |what: &str, value: &str| {
            Refusal::invalid_request(
                format!("Unknown {what} {value:?}."),
                "Go back and check the form.",
            )
        };
        let shown = match given(&query.filter) {
            None => Shown::All,
            Some(value) => Shown::ALL
                .into_iter()
                .find(|shown| shown.value() == value)
                .ok_or_else(|| unknown("filter", value))?,
        };
        let source = given(&query.source)
            .map(|value| Source::parse(value).ok_or_else(|| unknown("source", value)))
            .transpose()?;
        let code = given(&query.code)
            .map(|value| {
                value
                    .parse::<Code>()
                    .ok()
                    .filter(|code| code.appears_in_verdicts())
                    .ok_or_else(|| unknown("code", value))
            })
            .transpose()?;
        let per = match given(&query.per) {
            None => PAGE_ROWS,
            Some(value) => value
                .parse::<u32>()
                .ok()
                .filter(|per| PAGE_SIZES.contains(per))
                .ok_or_else(|| unknown("page size", value))?,
        };
        Ok(Self {
            shown,
            source,
            code,
            q: query.q.as_deref().unwrap_or_default().trim().to_owned(),
            per,
        })
    }

    fn filter(&self) -> Filter {
        Filter {
            status: match self.shown {
                Shown::Status(status) => Some(status),
                Shown::All | Shown::Dropped => None,
            },
            rejected_only: self.shown == Shown::Dropped,
            source: self.source,
            code: self.code,
            search: (!self.q.is_empty()).then(|| self.q.clone()),
            ..Filter::default()
        }
    }

    /// `/interactions?…` with this query, `shown` in place of its own, and `extra` pairs.
    fn link(&self, shown: Shown, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if shown != Shown::All {
            pairs.push(("filter", shown.value().to_owned()));
        }
        if let Some(source) = self.source {
            pairs.push(("source", source.as_str().to_owned()));
        }
        if let Some(code) = self.code {
            pairs.push(("code", code.as_str().to_owned()));
        }
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if self.per != PAGE_ROWS {
            pairs.push(("per", self.per.to_string()));
        }
        pairs.extend(extra.iter().cloned());
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/interactions?{query}"),
            _ => "/interactions".to_owned(),
        }
    }

    fn narrowed(&self) -> bool {
        self.shown != Shown::All
            || self.source.is_some()
            || self.code.is_some()
            || !self.q.is_empty()
    }
}

pub struct FilterLink {
    pub href: String,
    pub name: &'static str,
    pub current: bool,
}

pub struct Choice {
    pub value: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// The list itself, its position and its pager: part of the page, and what the live page
/// fetches again when the stream says something was recorded.
pub struct LogSection {
    recent: Vec<Row>,
    /// "Showing 51–100 of 8,214 matching · 10,000 in the log".
    position: String,
    newest: Option<String>,
    newer: Option<String>,
    older: Option<String>,
    /// Whether this is the newest page, where new interactions appear.
    at_newest: bool,
    /// This page of the list (its filters and position), percent-encoded: each row's link
    /// carries it, so the detail page's "All interactions" comes back here.
    back: String,
}

#[derive(Template)]
#[template(path = "interactions.html")]
struct InteractionsPage {
    layout: Layout,
    filters: Vec<FilterLink>,
    filter: &'static str,
    sources: Vec<Choice>,
    codes: Vec<Choice>,
    sizes: Vec<(u32, bool)>,
    q: String,
    log: LogSection,
}

#[derive(Template)]
#[template(path = "interactions_log.html")]
struct InteractionsSection {
    log: LogSection,
}

/// The request's query parsed, and the section it shows.
async fn log_section(
    state: &WebState,
    query: &ListQuery,
) -> Result<(ListRequest, LogSection), Refusal> {
    let parsed = ListRequest::parse(query)?;
    let position = match (query.after, query.cursor) {
        (Some(after), _) => Position::After(after),
        (None, Some(before)) => Position::Before(before),
        (None, None) => Position::Newest,
    };
    let browse =
        interaction_log::browse(&state.core, &parsed.filter(), parsed.per, position).await?;
    let shown_rows = i64::try_from(browse.rows.len()).unwrap_or(i64::MAX);
    let older_exist = browse.matching - browse.newer - shown_rows > 0;
    let newest_seq = browse.rows.first().map(|r| r.seq);
    let oldest_seq = browse.rows.last().map(|r| r.seq);
    let position = position_text(&browse, parsed.narrowed());
    let newer = (browse.newer > 0)
        .then_some(newest_seq)
        .flatten()
        .map(|seq| parsed.link(parsed.shown, &[("after", seq.to_string())]));
    let newest = (browse.newer > 0).then(|| parsed.link(parsed.shown, &[]));
    let older = older_exist
        .then_some(oldest_seq)
        .flatten()
        .map(|seq| parsed.link(parsed.shown, &[("cursor", seq.to_string())]));
    let here: Vec<(&str, String)> = match (query.after, query.cursor) {
        (Some(after), _) => vec![("after", after.to_string())],
        (None, Some(before)) => vec![("cursor", before.to_string())],
        (None, None) => Vec::new(),
    };
    let back = serde_urlencoded::to_string([("back", parsed.link(parsed.shown, &here))])
        .unwrap_or_default();
    let section = LogSection {
        recent: rows(browse.rows, parsed.q.trim()),
        position,
        newest,
        newer,
        older,
        at_newest: browse.newer == 0,
        back,
    };
    Ok((parsed, section))
}

pub async fn list(
    request: HttpRequest,
    query: Query<ListQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (parsed, log) = log_section(&state, &query).await?;
    let filters = Shown::ALL
        .into_iter()
        .map(|link| FilterLink {
            href: parsed.link(link, &[]),
            name: link.name(),
            current: link == parsed.shown,
        })
        .collect();
    let sources = Source::ALL
        .iter()
        .copied()
        .map(|source| Choice {
            value: source.as_str(),
            name: source_title(source),
            selected: parsed.source == Some(source),
        })
        .collect();
    let codes = Code::ALL
        .iter()
        .copied()
        .filter(|code| code.appears_in_verdicts())
        .map(|code| Choice {
            value: code.as_str(),
            name: code.as_str(),
            selected: parsed.code == Some(code),
        })
        .collect();
    render_page(
        &request,
        &state,
        Page::Interactions,
        StatusCode::OK,
        |layout| InteractionsPage {
            layout,
            filters,
            filter: parsed.shown.value(),
            sources,
            codes,
            sizes: PAGE_SIZES
                .into_iter()
                .map(|size| (size, size == parsed.per))
                .collect(),
            q: parsed.q.clone(),
            log,
        },
    )
}

#[derive(Template)]
#[template(path = "interactions_clear.html")]
struct ClearPage {
    layout: Layout,
    count: i64,
}

/// `GET /interactions/clear`: what clearing would delete, and the button that does it.
pub async fn confirm_clear(
    request: HttpRequest,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let count = interaction_log::count(&state.core).await?;
    render_page(
        &request,
        &state,
        Page::Interactions,
        StatusCode::OK,
        |layout| ClearPage { layout, count },
    )
}

/// `POST /interactions/clear`: empties the log, like `DELETE /api/v1/interactions`.
pub async fn clear(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    submit_form(
        &request,
        &state,
        interaction_log::clear(&state.core),
        |cleared| {
            let message = match cleared {
                1 => "Cleared 1 interaction.".to_owned(),
                n => format!("Cleared {n} interactions."),
            };
            Redirect::with_flash("/interactions", message)
        },
        // Nothing in clearing is the visitor's to get wrong.
        async |problem| Err(Refusal::Rejected(problem)),
    )
    .await
}

/// `GET /interactions/section?…`: the list section alone, for the live page.
pub async fn section(
    query: Query<ListQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (_, log) = log_section(&state, &query).await?;
    render(&InteractionsSection { log }, StatusCode::OK, Vec::new())
}

/// "Showing 51–100 of 8,214 matching · 10,000 in the log", or "… of 10,000" unfiltered.
fn position_text(browse: &Browse, narrowed: bool) -> String {
    let shown = i64::try_from(browse.rows.len()).unwrap_or(i64::MAX);
    if browse.total == 0 {
        return "The log is empty: verifications appear here as they are made.".to_owned();
    }
    if shown == 0 && browse.matching == 0 {
        return format!("Nothing matches · {} in the log", thousands(browse.total));
    }
    let range = if shown == 0 {
        "Nothing".to_owned()
    } else {
        format!(
            "Showing {}–{}",
            thousands(browse.newer + 1),
            thousands(browse.newer + shown)
        )
    };
    if narrowed {
        format!(
            "{range} of {} matching · {} in the log",
            thousands(browse.matching),
            thousands(browse.total)
        )
    } else {
        format!("{range} of {}", thousands(browse.total))
    }
}

/// 8214 → "8,214".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[derive(Template)]
#[template(path = "interaction.html")]
struct InteractionPage {
    layout: Layout,
    verdict: Verdict,
    header_pretty: Option<String>,
    request_pretty: String,
    /// The engagement this verification was an arrival of, when a widget sent it.
    part_of: Option<crate::app::engagements::ArrivalOf>,
    /// Who sent it, in the portal's words.
    source: Option<&'static str>,
    /// The signed token it carried, to copy.
    token: Option<String>,
    /// The same request as a `curl` to the verify endpoint, to copy.
    curl: String,
    /// The interactions recorded just after and before it.
    newer: Option<String>,
    older: Option<String>,
    /// The list it was opened from (its filters and page), or the whole log.
    back: String,
    /// `back`, percent-encoded, for the neighbours' links.
    back_query: String,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    back: Option<String>,
}

/// The list page a detail page was opened from, when it is one: a path of the list only.
fn back_to_list(back: Option<&str>) -> String {
    match back {
        Some(path)
            if (path == "/interactions" || path.starts_with("/interactions?"))
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/interactions".to_owned(),
    }
}

/// `request` as a `curl` call to the verify endpoint of `origin`, quoted for a POSIX shell.
fn curl_command(origin: &str, request: &str) -> String {
    let quoted = request.replace('\'', "'\\''");
    format!(
        "curl -s -X POST {origin}/api/v1/verify -H 'Content-Type: application/json' -d '{quoted}'"
    )
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    query: Query<DetailQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (stored, verdict) = load(&state, &path).await?;
    let part_of = crate::app::engagements::arrival_of(&state.core, verdict.id).await?;
    let (newer, older) = interaction_log::neighbours(&state.core, &stored).await?;
    let parsed = strict_json::parse(stored.request.as_bytes()).ok();
    let token = parsed
        .as_ref()
        .and_then(|v| v["signedInteractionData"].as_str())
        .map(str::to_owned);
    let request_pretty = parsed
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_else(|| stored.request.clone());
    let curl = curl_command(&ServedOrigin::of(&request).url(), &stored.request);
    let back = back_to_list(query.back.as_deref());
    let back_query = serde_urlencoded::to_string([("back", &back)]).unwrap_or_default();
    render_page(
        &request,
        &state,
        Page::Interactions,
        StatusCode::OK,
        |layout| InteractionPage {
            layout,
            header_pretty: header_pretty(&verdict),
            verdict,
            request_pretty,
            part_of,
            source: stored.source.map(source_title),
            token,
            curl,
            newer,
            older,
            back,
            back_query,
        },
    )
}

/// `POST /interactions/{id}/delete`: deletes one interaction, back to the list it came from.
pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    query: Query<DetailQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = Uuid::try_parse(&path).map_err(|_| Refusal::page_not_found())?;
    let back = back_to_list(query.back.as_deref());
    submit_form(
        &request,
        &state,
        interaction_log::delete(&state.core, id),
        |deleted| {
            let message = if deleted {
                "Interaction deleted."
            } else {
                "That interaction was already gone."
            };
            Redirect::with_flash(back, message.to_owned())
        },
        async |problem| Err(Refusal::Rejected(problem)),
    )
    .await
}

/// One recorded interaction and its verdict, by the id in the URL (flushing the recorder first,
/// so an interaction verified a moment ago is there).
pub async fn load(state: &WebState, raw_id: &str) -> Result<(StoredInteraction, Verdict), Refusal> {
    let id = Uuid::try_parse(raw_id).map_err(|_| Refusal::page_not_found())?;
    let stored = interaction_log::get(&state.core, id)
        .await?
        .ok_or(Refusal::page_not_found())?;
    let verdict = parse_verdict(&stored.verdict)?;
    Ok((stored, verdict))
}

/// A verdict as the interaction log stored it: the same type the API wrote.
fn parse_verdict(json: &str) -> Result<Verdict, Refusal> {
    serde_json::from_str(json)
        .map_err(|e| Refusal::Internal(anyhow::Error::new(e).context("reading a stored verdict")))
}

/// The decoded JOSE header, indented for display.
pub fn header_pretty(verdict: &Verdict) -> Option<String> {
    let header = verdict.signature.header.as_ref()?;
    serde_json::to_string_pretty(header).ok()
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
    fn back_goes_only_to_the_list_and_curl_quotes_for_a_shell() {
        assert_eq!(
            back_to_list(Some("/interactions?filter=dropped&cursor=9")),
            "/interactions?filter=dropped&cursor=9"
        );
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/signing-keys",
            "/interactionsx",
        ] {
            assert_eq!(back_to_list(Some(hostile)), "/interactions", "{hostile}");
        }
        assert_eq!(back_to_list(None), "/interactions");
        assert_eq!(
            curl_command("http://127.0.0.1:8080", r#"{"data":"it's"}"#),
            "curl -s -X POST http://127.0.0.1:8080/api/v1/verify -H 'Content-Type: application/json' \
             -d '{\"data\":\"it'\\''s\"}'"
        );
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

    #[test]
    fn counts_get_thousands_separators_and_data_an_ellipsis() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8214), "8,214");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(shorten("ada@example.com", 40), "ada@example.com");
        assert_eq!(shorten("ééééé", 3), "ééé…");
    }
}
