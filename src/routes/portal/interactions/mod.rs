//! The Interactions pages: the log, filtered and paged ([`list`]), each row as it shows
//! ([`rows`]), and one interaction's verdict and request ([`detail`]).

mod detail;
mod rows;

pub use detail::{delete, detail, header_pretty, load};
pub use rows::{Row, marked, rows, source_title};

use actix_web::http::StatusCode;
use actix_web::web::{Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Redirect, Refusal, render, render_page, submit_form};
use crate::app::interaction_log;
use crate::app::log_query::{LogQuery, LogWords};
use crate::app::records::{Browse, Filter, Position};
use crate::domain::problem::Code;
use crate::domain::source::Source;
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;
use crate::verdict::SignatureStatus;

/// Rows per page of the list.
const PAGE_ROWS: u32 = 50;
/// The page sizes a person may choose (`per=`): fewer on a phone, more to skim.
const PAGE_SIZES: [u32; 4] = [20, 50, 100, 200];

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
    /// Any other parameter: `status` is taken as `filter` (the API's word for it, which people
    /// carry over); anything else is refused rather than silently ignored (#31).
    #[serde(flatten)]
    others: std::collections::BTreeMap<String, String>,
}

/// The list's parameters, for the refusal of an unknown one.
const LIST_PARAMETERS: &str = "filter (or status), source, code, q, per, cursor, after";

/// The list's query, parsed (the filters as the API parses them: `LogQuery`): what is shown,
/// and the links that keep it.
struct ListRequest {
    shown: Shown,
    query: LogQuery,
    /// The search text, as the box shows it.
    q: String,
    per: u32,
}

impl ListRequest {
    fn parse(query: &ListQuery) -> Result<Self, Refusal> {
        let mut status = None;
        for (name, value) in &query.others {
            match name.as_str() {
                "status" if query.filter.is_none() => status = Some(value.as_str()),
                _ => {
                    return Err(Refusal::invalid_request(
                        format!("Unknown parameter {name:?} in the address."),
                        format!(
                            "The Interactions list takes {LIST_PARAMETERS}; the filters above \
                             set them for you."
                        ),
                    ));
                }
            }
        }
        let parsed = LogQuery::parse(LogWords {
            shown: query.filter.as_deref().or(status),
            source: query.source.as_deref(),
            code: query.code.as_deref(),
            search: query.q.as_deref(),
            ..LogWords::default()
        })?;
        let shown = match (parsed.status, parsed.rejected_only) {
            (Some(status), _) => Shown::Status(status),
            (None, true) => Shown::Dropped,
            (None, false) => Shown::All,
        };
        let per = match query.per.as_deref().filter(|v| !v.is_empty()) {
            None => PAGE_ROWS,
            Some(value) => value
                .parse::<u32>()
                .ok()
                .filter(|per| PAGE_SIZES.contains(per))
                .ok_or_else(|| {
                    Refusal::invalid_request(
                        format!("Unknown page size {value:?}."),
                        format!(
                            "A page shows {} rows (per=…); the list's own menu offers them.",
                            PAGE_SIZES
                                .iter()
                                .map(u32::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?,
        };
        Ok(Self {
            shown,
            q: parsed.search.clone().unwrap_or_default(),
            query: parsed,
            per,
        })
    }

    fn filter(&self) -> Filter {
        self.query.filter()
    }

    /// `/interactions?…` with this query, `shown` in place of its own, and `extra` pairs.
    fn link(&self, shown: Shown, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if shown != Shown::All {
            pairs.push(("filter", shown.value().to_owned()));
        }
        if let Some(source) = self.query.source {
            pairs.push(("source", source.as_str().to_owned()));
        }
        if let Some(code) = self.query.code {
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
            || self.query.source.is_some()
            || self.query.code.is_some()
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
    /// The search box's syntax, said next to it.
    syntax: &'static str,
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
        recent: rows(browse.rows, &parsed.query.terms.words),
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
            selected: parsed.query.source == Some(source),
        })
        .collect();
    let codes = Code::ALL
        .iter()
        .copied()
        .filter(|code| code.appears_in_verdicts())
        .map(|code| Choice {
            value: code.as_str(),
            name: code.as_str(),
            selected: parsed.query.code == Some(code),
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
            syntax: crate::app::log_search::SYNTAX,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators_and_data_an_ellipsis() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8214), "8,214");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(rows::shorten("ada@example.com", 40), "ada@example.com");
        assert_eq!(rows::shorten("ééééé", 3), "ééé…");
    }
}
