use actix_web::http::StatusCode;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::verdict_view::VerdictView;
use super::{Layout, PortalError, layout, render};
use crate::startup::AppState;
use crate::storage::interactions::{self, StoredInteraction};
use crate::strict_json;

/// One line of the interactions table.
pub struct Row {
    pub id: String,
    pub received_at: String,
    pub status: String,
    pub error_code: String,
    pub accepted: usize,
    pub rejected: usize,
}

pub fn rows(stored: Vec<StoredInteraction>) -> Result<Vec<Row>, PortalError> {
    stored
        .into_iter()
        .map(|s| {
            let verdict = VerdictView::parse(&s.verdict)?;
            Ok(Row {
                id: s.id,
                received_at: verdict.received_at.clone(),
                status: s.status,
                error_code: verdict.signature.error.map(|e| e.code).unwrap_or_default(),
                accepted: verdict.accepted.len(),
                rejected: verdict.rejected.len(),
            })
        })
        .collect()
}

const FILTERS: &[(&str, &str)] = &[
    ("all", "All"),
    ("valid", "Valid signature"),
    ("invalid", "Invalid signature"),
    ("absent", "Unsigned only"),
    ("dropped", "Something dropped"),
];

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
    filter: String,
    recent: Vec<Row>,
    /// The cursor of the next, older page, if any.
    older: Option<i64>,
}

pub async fn list(
    request: HttpRequest,
    query: Query<ListQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let ListQuery { filter, cursor } = query.into_inner();
    let filter = filter.unwrap_or_else(|| "all".to_owned());
    let (status, dropped) = match filter.as_str() {
        "all" => (None, false),
        "valid" | "invalid" | "absent" => (Some(filter.as_str()), false),
        "dropped" => (None, true),
        other => {
            return Err(PortalError::BadRequest(format!(
                "Unknown filter {other:?}."
            )));
        }
    };
    let shown = interactions::Filter {
        status,
        rejected_only: dropped,
    };
    let page = state
        .recorder
        .read(interactions::page(
            &state.pool,
            shown,
            200,
            cursor,
            interactions::PAGE_BYTES,
        ))
        .await?;
    let older = page.next;
    let recent = rows(page.rows)?;
    let (layout, cookies) = layout(&request, &state, "interactions");
    let filters = FILTERS
        .iter()
        .map(|(value, name)| FilterLink {
            value,
            name,
            current: *value == filter,
        })
        .collect();
    let page = InteractionsPage {
        layout,
        filters,
        recent,
        older,
        filter,
    };
    render(&page, StatusCode::OK, cookies)
}

#[derive(Template)]
#[template(path = "interaction.html")]
struct InteractionPage {
    layout: Layout,
    verdict: VerdictView,
    request_pretty: String,
}

pub async fn detail(
    request: HttpRequest,
    path: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, PortalError> {
    let (stored, verdict) = load(&state, &path).await?;
    let request_pretty = strict_json::parse(stored.request.as_bytes())
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(stored.request);
    let (layout, cookies) = layout(&request, &state, "interactions");
    let page = InteractionPage {
        layout,
        verdict,
        request_pretty,
    };
    render(&page, StatusCode::OK, cookies)
}

/// One recorded interaction and its verdict, by the id in the URL (flushing the recorder first,
/// so an interaction verified a moment ago is there).
pub async fn load(
    state: &AppState,
    raw_id: &str,
) -> Result<(StoredInteraction, VerdictView), PortalError> {
    let id = Uuid::try_parse(raw_id).map_err(|_| PortalError::NotFound)?;
    let stored = state
        .recorder
        .read(interactions::get(&state.pool, id))
        .await?
        .ok_or(PortalError::NotFound)?;
    let verdict = VerdictView::parse(&stored.verdict)?;
    Ok((stored, verdict))
}
