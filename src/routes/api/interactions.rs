//! `/api/v1/interactions`: the interaction log, paged and filtered, and one interaction by id.

use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::time::Duration;
use uuid::Uuid;

use crate::app::interaction_log;
use crate::app::log_query::{LogQuery, LogWords};
use crate::app::records::{Filter, StoredInteraction};
use crate::domain::problem::{Code, Problem};
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;
use crate::verdict::SignatureStatus;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Interactions per page: 50 unless given, at most 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Signature status: valid, invalid or absent.
    #[param(value_type = Option<SignatureStatus>)]
    status: Option<String>,
    /// Only interactions where something was dropped.
    rejected: Option<bool>,
    /// Where a page starts: the previous page's `next`.
    cursor: Option<String>,
    /// Only interactions that carried an item with exactly this label.
    label: Option<String>,
    /// Only interactions that carried an item with exactly this name (Talkative's widget
    /// examples give every item one).
    name: Option<String>,
    /// Only the arrivals of data of this engagement (the widget's interaction; its `uuid`).
    #[param(format = Uuid)]
    engagement: Option<String>,
    /// The portal's search box: free words (each found, case-insensitive for ASCII, in an
    /// item's name, label or data, the id, the key's name, a code, or with 16+ characters the
    /// request, so a token), and
    /// `key:NAME`, `code:CODE`, `source:SOURCE`; "double quotes" around values with spaces.
    q: Option<String>,
    /// Only interactions from this source: `api`, `widget`, `demo`, `playground`, `core_api`.
    source: Option<String>,
    /// Only interactions whose verdict carries this code (a signature error, a reason an item
    /// was dropped, or a warning).
    code: Option<String>,
    /// Only interactions recorded after this one (its id) or received after this time
    /// (RFC 3339).
    after: Option<String>,
    /// Wait up to this long (e.g. `5s`, `500ms`; at most 60 s) for a matching interaction
    /// instead of answering an empty list at once.
    wait: Option<String>,
}

/// The longest a request may wait for an interaction.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// `wait=`: a duration such as `5s` or `500ms`, at most [`MAX_WAIT`].
pub(super) fn parse_wait(raw: &str) -> Result<Duration, Refusal> {
    let wait = humantime::parse_duration(raw).map_err(|e| {
        Refusal::invalid_request(
            format!("wait={raw:?} is not a duration: {e}."),
            "Write it as 5s, 500ms or 1m.",
        )
    })?;
    if wait > MAX_WAIT {
        return Err(Refusal::invalid_request(
            format!("wait={raw:?} is longer than the 60 s a request may wait."),
            "Wait at most 60s; loop in the test if it must wait longer.",
        ));
    }
    Ok(wait)
}

/// `after=`: an interaction id (those after it) or an RFC 3339 time (those received after it).
async fn parse_after(state: &WebState, raw: &str, filter: &mut Filter) -> Result<(), Refusal> {
    if let Ok(id) = Uuid::try_parse(raw) {
        let seq = interaction_log::position_of(&state.core, id)
            .await?
            .ok_or_else(|| {
                Refusal::invalid_request(
                    format!("after={raw:?} names no interaction the log holds."),
                    "Pass the id a verify answered with, or a time such as 2026-11-27T10:00:00Z \
                     (old interactions are pruned beyond the retention limit).",
                )
            })?;
        filter.after_seq = Some(seq);
        return Ok(());
    }
    let time = humantime::parse_rfc3339_weak(raw).map_err(|_| {
        Refusal::invalid_request(
            format!("after={raw:?} is neither an interaction id nor an RFC 3339 time."),
            "Pass an id from a verify answer, or a time such as 2026-11-27T10:00:00Z.",
        )
    })?;
    let millis = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    filter.received_after = Some(millis);
    Ok(())
}

/// One verification as recorded: the request as it was sent and the verdict as it was answered.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Interaction)]
pub struct InteractionView {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = DateTime)]
    received_at: String,
    status: SignatureStatus,
    /// How many items were dropped.
    rejected: i64,
    /// The verify request's body, as sent.
    #[schema(value_type = Object)]
    request: Box<RawValue>,
    #[schema(value_type = crate::verdict::Verdict)]
    verdict: Box<RawValue>,
    /// When the widget sent it: the engagement it was an arrival of
    /// (`GET /api/v1/engagements/{uuid}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    engagement: Option<Uuid>,
    /// Who sent it: `api`, `widget`, `demo`, `playground` or `core_api`; absent for rows
    /// recorded before sources were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
}

/// Serialized straight to the response. Never through `serde_json::to_value` or `json!`: turning
/// a `RawValue` into a `Value` re-parses it with `Value`'s own deserializer, which refuses an
/// object whose first member is named `$serde_json::private::RawValue` (any client can send one)
/// and `json!` then panics (encoding::strict_json explains the name).
#[derive(Serialize, utoipa::ToSchema)]
pub struct InteractionList {
    interactions: Vec<InteractionView>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    next: Option<String>,
}

impl TryFrom<StoredInteraction> for InteractionView {
    type Error = Refusal;
    fn try_from(row: StoredInteraction) -> Result<Self, Refusal> {
        let raw = |text: String| {
            RawValue::from_string(text).map_err(|e| {
                Refusal::Internal(anyhow::Error::new(e).context("stored interaction is not JSON"))
            })
        };
        Ok(Self {
            received_at: format_millis(row.received_at),
            request: raw(row.request)?,
            verdict: raw(row.verdict)?,
            id: row.id,
            status: row.status,
            rejected: row.rejected,
            engagement: row.engagement,
            source: row.source.map(|source| source.as_str()),
        })
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/interactions",
    operation_id = "listInteractions",
    tag = "Interaction log",
    params(ListParams),
    responses(
        (status = 200, description = "Newest first. With `wait`, answers as soon as a matching \
            interaction is recorded, or with an empty list when the wait ends.", body = InteractionList),
        (status = 400, description = "`invalid_request`: an unknown parameter, status, cursor, \
            `after` or `wait`.", body = ErrorBody),
        (status = 503, description = "`too_many_followers` (waits and streams share a bound), \
            or `log_unavailable`.", body = ErrorBody),
    )
)]
pub async fn list(
    request: HttpRequest,
    params: Query<ListParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let params = params.into_inner();
    let query = LogQuery::parse(LogWords {
        status: params.status.as_deref(),
        rejected_only: params.rejected.unwrap_or(false),
        source: params.source.as_deref(),
        code: params.code.as_deref(),
        search: params.q.as_deref(),
        shown: None,
    })?;
    let before = params
        .cursor
        .as_deref()
        .map(|cursor| {
            cursor.parse::<i64>().ok().filter(|seq| *seq > 0).ok_or_else(|| {
                Refusal::invalid_request(
                    format!("The cursor {cursor:?} is not one this server gave."),
                    "Pass the previous page's \"next\" value as it was, or leave cursor out for the newest page.",
                )
            })
        })
        .transpose()?;
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(limit @ 1..=MAX_LIMIT) => limit,
        Some(limit) => {
            return Err(Refusal::invalid_request(
                format!(
                    "limit={limit} is out of range: a page holds 1 to {MAX_LIMIT} interactions."
                ),
                "Leave limit out for 50, or pass 1 to 500 and page with cursor.",
            ));
        }
    };
    let mut filter = Filter {
        label: params.label.clone(),
        name: params.name.clone(),
        engagement: params
            .engagement
            .as_deref()
            .map(|raw| {
                Uuid::try_parse(raw).map_err(|_| {
                    Refusal::invalid_request(
                        format!("engagement={raw:?} is not a UUID."),
                        "Pass an engagement's uuid, as GET /api/v1/engagements lists them.",
                    )
                })
            })
            .transpose()?,
        ..query.filter()
    };
    if let Some(after) = params.after.as_deref() {
        parse_after(&state, after, &mut filter).await?;
    }
    let wait = params.wait.as_deref().map(parse_wait).transpose()?;
    let page = match wait {
        // A wait holds a place among the bounded followers; a cursor means "the next page",
        // which has nothing to wait for.
        Some(wait) if before.is_none() => {
            let _place = state
                .core
                .followers
                .admit(request.peer_addr().map(|peer| peer.ip()))?;
            interaction_log::wait_for_page(&state.core, filter, limit, wait).await?
        }
        _ => interaction_log::page(&state.core, filter, limit, before).await?,
    };
    let views = page
        .rows
        .into_iter()
        .map(InteractionView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(InteractionList {
        interactions: views,
        next: page.next.map(|seq| seq.to_string()),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/interactions/{id}",
    operation_id = "getInteraction",
    tag = "Interaction log",
    params(("id" = String, Path, description = "The id a verify answered with.")),
    responses(
        (status = 200, description = "The interaction.", body = InteractionView),
        (status = 404, description = "`not_found`.", body = ErrorBody),
        (status = 503, description = "`log_unavailable`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let not_found = || {
        Refusal::Rejected(Problem::new(
            Code::NotFound,
            format!("No interaction with id {:?}.", path.as_str()),
            "Ids come from the verify response's \"id\"; old interactions are pruned beyond the retention limit.",
        ))
    };
    let id = Uuid::try_parse(&path).map_err(|_| not_found())?;
    let row = interaction_log::get(&state.core, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(InteractionView::try_from(row)?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Cleared {
    /// How many interactions were deleted.
    cleared: u64,
}

/// `DELETE /api/v1/interactions`: empties the log (keys and fields stay; `/reset` wipes all).
#[utoipa::path(
    delete,
    path = "/api/v1/interactions",
    operation_id = "clearInteractions",
    tag = "Interaction log",
    responses(
        (status = 200, description = "Emptied; keys and fields stay.", body = Cleared),
        (status = 503, description = "`log_unavailable`.", body = ErrorBody),
    )
)]
pub async fn clear(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let cleared = interaction_log::clear(&state.core).await?;
    Ok(HttpResponse::Ok().json(Cleared { cleared }))
}
