//! The Interactions pages: the log, filtered and paged, and one interaction's verdict and request.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, PortalError, layout, render, render_page};
use crate::app::interaction_log;
use crate::encoding::strict_json;
use crate::routes::state::WebState;
use crate::storage::interactions::{self, StoredInteraction};
use crate::verdict::{SignatureStatus, Verdict};

/// One line of the interactions table.
pub struct Row {
    pub id: String,
    pub received_at: String,
    pub status: SignatureStatus,
    pub error_code: &'static str,
    pub accepted: usize,
    pub rejected: usize,
}

pub fn rows(stored: Vec<StoredInteraction>) -> Result<Vec<Row>, PortalError> {
    stored
        .into_iter()
        .map(|s| {
            let verdict = parse_verdict(&s.verdict)?;
            Ok(Row {
                id: s.id,
                received_at: verdict.received_at,
                status: verdict.signature.status,
                error_code: verdict.signature.error.map_or("", |e| e.code.as_str()),
                accepted: verdict.accepted.len(),
                rejected: verdict.rejected.len(),
            })
        })
        .collect()
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

    fn filter(self) -> interactions::Filter {
        interactions::Filter {
            status: match self {
                Self::Status(status) => Some(status),
                Self::All | Self::Dropped => None,
            },
            rejected_only: self == Self::Dropped,
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    /// Where the page starts: the previous page's "older" link.
    cursor: Option<i64>,
}

pub struct FilterLink {
    pub value: &'static str,
    pub name: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "interactions.html")]
struct InteractionsPage {
    layout: Layout,
    filters: Vec<FilterLink>,
    filter: &'static str,
    recent: Vec<Row>,
    /// The cursor of the next, older page, if any.
    older: Option<i64>,
}

pub async fn list(
    request: HttpRequest,
    query: Query<ListQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let ListQuery { filter, cursor } = query.into_inner();
    let shown = match filter.as_deref() {
        None => Shown::All,
        Some(value) => Shown::ALL
            .into_iter()
            .find(|shown| shown.value() == value)
            .ok_or_else(|| PortalError::BadRequest(format!("Unknown filter {value:?}.")))?,
    };
    let page = interaction_log::page(&state.core, shown.filter(), 200, cursor).await?;
    let older = page.next;
    let recent = rows(page.rows)?;
    let (layout, cookies) = layout(&request, &state, "interactions");
    let filters = Shown::ALL
        .into_iter()
        .map(|link| FilterLink {
            value: link.value(),
            name: link.name(),
            current: link == shown,
        })
        .collect();
    let page = InteractionsPage {
        layout,
        filters,
        recent,
        older,
        filter: shown.value(),
    };
    render(&page, StatusCode::OK, cookies)
}

#[derive(Template)]
#[template(path = "interaction.html")]
struct InteractionPage {
    layout: Layout,
    verdict: Verdict,
    header_pretty: Option<String>,
    request_pretty: String,
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let (stored, verdict) = load(&state, &path).await?;
    let request_pretty = strict_json::parse(stored.request.as_bytes())
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(stored.request);
    render_page(&request, &state, "interactions", StatusCode::OK, |layout| {
        InteractionPage {
            layout,
            header_pretty: header_pretty(&verdict),
            verdict,
            request_pretty,
        }
    })
}

/// One recorded interaction and its verdict, by the id in the URL (flushing the recorder first,
/// so an interaction verified a moment ago is there).
pub async fn load(
    state: &WebState,
    raw_id: &str,
) -> Result<(StoredInteraction, Verdict), PortalError> {
    let id = Uuid::try_parse(raw_id).map_err(|_| PortalError::NotFound)?;
    let stored = interaction_log::get(&state.core, id)
        .await?
        .ok_or(PortalError::NotFound)?;
    let verdict = parse_verdict(&stored.verdict)?;
    Ok((stored, verdict))
}

/// A verdict as the interaction log stored it: the same type the API wrote.
fn parse_verdict(json: &str) -> Result<Verdict, PortalError> {
    serde_json::from_str(json).map_err(|e| {
        PortalError::Internal(anyhow::Error::new(e).context("reading a stored verdict"))
    })
}

/// The decoded JOSE header, indented for display.
pub fn header_pretty(verdict: &Verdict) -> Option<String> {
    let header = verdict.signature.header.as_ref()?;
    serde_json::to_string_pretty(header).ok()
}
