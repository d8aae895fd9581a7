//! `GET /api/core/v1/interactions`, `GET /api/core/v1/interactions/{id}` (with
//! `?include=interactionData`), the relationship's two links, and `POST
//! /api/core/v1/interactions/{uuid}/interaction-data`: a backend adding data to an interaction
//! under way, as Talkative's "API: Creating Interaction Data" article shows.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::base_of;
use super::query::{self, ListQuery};
use crate::app::core_document::{
    DATA_TYPE, DataResource, Identifier, InteractionResource, InteractionType, OneDocument,
    RelationshipLinks, SelfLink, agent_data, data_resource, resource,
};
use crate::app::engagements::{self, Arriving};
use crate::app::records::ViewItem;
use crate::app::verification::Sender;
use crate::domain::InteractionItem;
use crate::domain::engagement::ArrivalKind;
use crate::domain::item_json::UnsignedItems;
use crate::domain::problem::{Code, Problem};
use crate::domain::source::Source;
use crate::routes::kit::body::{self, read_json_body};
use crate::routes::kit::credentials::Caller;
use crate::routes::kit::json_api::{ErrorDocument, ErrorSource, respond};
use crate::routes::kit::refusal::Refusal;
use crate::routes::kit::same_origin::site_of;
use crate::routes::kit::state::WebState;

/// A page of interactions.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionList)]
pub struct ListDocument {
    data: Vec<InteractionResource>,
    /// Every listed interaction's data, with `include=interactionData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    included: Option<Vec<DataResource>>,
    links: PageLinks,
    meta: PageMeta,
}

/// JSON:API pagination links (`null` where there is no such page).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PageLinks {
    #[serde(rename = "self")]
    #[schema(rename = "self")]
    this: String,
    first: String,
    last: String,
    prev: Option<String>,
    next: Option<String>,
}

/// Where this page is, as Laravel's paginator says it (Talkative's API is a Laravel one).
#[derive(Serialize, utoipa::ToSchema)]
pub struct PageMeta {
    current_page: u64,
    per_page: u32,
    /// The first and last interaction's place on this page (1-based), `null` on an empty page.
    from: Option<u64>,
    to: Option<u64>,
    last_page: u64,
    total: u64,
    /// The list's URL, without its query.
    path: String,
}

/// The list as the Retrieving All Interactions article's example shows it
/// (`--core-api-list-envelope`), or the plain JSON:API document (the default).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = CoreInteractionListAnswer)]
pub enum ListAnswer {
    Plain(ListDocument),
    Enveloped(Envelope),
}

/// `{"headers": [], "original": <the list>}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionListEnvelope)]
pub struct Envelope {
    #[schema(value_type = Vec<Object>)]
    headers: [Value; 0],
    original: ListDocument,
}

#[utoipa::path(
    get,
    path = "/api/core/v1/interactions",
    operation_id = "coreListInteractions",
    tag = "Core API",
    params(
        ("page" = Option<u64>, Query, description = "The page, from 1 (also `page[number]`)."),
        ("page[size]" = Option<u32>, Query, description = "Interactions a page, 1–100; 15 unless given (also `per_page`)."),
        ("sort" = Option<String>, Query, description = "`id` or `created_at` (oldest first, the default); `-id` or `-created_at` (newest first)."),
        ("filter[uuid]" = Option<String>, Query, description = "Only the interaction with this UUID (the one the widget gave the page)."),
        ("include" = Option<String>, Query, description = "`interactionData`: each interaction's data as `included` resources."),
    ),
    responses(
        (status = 200, description = "A page of interactions, oldest first.", body = ListAnswer),
        (status = 400, description = "`invalid_request` (a parameter the list does not take, or a bad value), `unsupported_include`.", body = ErrorDocument),
    ),
    security(("coreApiKey" = []))
)]
pub async fn list(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let query = query::list(request.query_string())?;
    let base = base_of(&request);
    let offset = (query.page - 1).saturating_mul(u64::from(query.size));
    let (page, total) = engagements::page(
        &state.core,
        offset,
        query.size,
        query.newest_first,
        query.uuid,
    )
    .await?;
    // Every listed interaction's data in one read, not one per interaction.
    let mut views = if query.include_data {
        let ids: Vec<i64> = page.iter().map(|e| e.id).collect();
        engagements::agent_views(&state.core, &ids).await?
    } else {
        Default::default()
    };
    let mut data = Vec::with_capacity(page.len());
    let mut included = query.include_data.then(Vec::new);
    for engagement in page {
        let view = views.remove(&engagement.id);
        let (resource, items) = resource(&engagement, InteractionType::Interactions, &base, view);
        data.push(resource);
        if let Some(all) = included.as_mut() {
            all.extend(items);
        }
    }
    let shown = data.len() as u64;
    let last_page = total.div_ceil(u64::from(query.size)).max(1);
    let path = format!("{}/interactions", base.0);
    let link = |page: u64| page_link(&path, page, &query);
    let document = ListDocument {
        data,
        included,
        links: PageLinks {
            this: link(query.page),
            first: link(1),
            last: link(last_page),
            prev: (query.page > 1).then(|| link((query.page - 1).min(last_page))),
            next: (query.page < last_page).then(|| link(query.page + 1)),
        },
        meta: PageMeta {
            current_page: query.page,
            per_page: query.size,
            from: (shown > 0).then_some(offset + 1),
            to: (shown > 0).then_some(offset + shown),
            last_page,
            total,
            path,
        },
    };
    let answer = if state.core.settings.core_api_list_envelope {
        ListAnswer::Enveloped(Envelope {
            headers: [],
            original: document,
        })
    } else {
        ListAnswer::Plain(document)
    };
    Ok(respond(&request, StatusCode::OK, &answer))
}

/// The list's URL for `page`, keeping the other parameters as given.
fn page_link(path: &str, page: u64, query: &ListQuery) -> String {
    let mut pairs = vec![
        ("page[number]", page.to_string()),
        ("page[size]", query.size.to_string()),
    ];
    if query.newest_first {
        pairs.push(("sort", "-id".to_owned()));
    }
    if let Some(uuid) = query.uuid {
        pairs.push(("filter[uuid]", uuid.to_string()));
    }
    if query.include_data {
        pairs.push(("include", DATA_TYPE.to_owned()));
    }
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("{path}?{query}")
}

#[utoipa::path(
    get,
    path = "/api/core/v1/interactions/{id}",
    operation_id = "coreGetInteraction",
    tag = "Core API",
    params(
        ("id" = String, Path, description = "The interaction's numeric id (not its UUID), as Talkative's article says."),
        ("include" = Option<String>, Query, description = "`interactionData`: the data the agent sees, as `included` resources."),
    ),
    responses(
        (status = 200, description = "The interaction (`type` `interaction`, as Talkative's article shows).", body = OneDocument),
        (status = 400, description = "`invalid_request`, `unsupported_include`.", body = ErrorDocument),
        (status = 404, description = "`interaction_not_found` (a UUID here gets a hint: this route takes the numeric id).", body = ErrorDocument),
    ),
    security(("coreApiKey" = []))
)]
pub async fn get(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let include = query::include_only(request.query_string())?;
    let engagement = engagements::get_by_id(&state.core, numeric_id(&path)?).await?;
    let base = base_of(&request);
    let this = format!(
        "{}{}",
        base.interaction(engagement.id),
        query_suffix(&request)
    );
    let view = if include {
        Some(engagements::agent_view(&state.core, engagement.id).await?)
    } else {
        None
    };
    let document = OneDocument::new(&engagement, &base, view, this);
    Ok(respond(&request, StatusCode::OK, &document))
}

/// An interaction's data, the relationship's `related` link.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionDataList)]
pub struct DataDocument {
    data: Vec<DataResource>,
    links: SelfLink,
}

#[utoipa::path(
    get,
    path = "/api/core/v1/interactions/{id}/interactionData",
    operation_id = "coreGetInteractionData",
    tag = "Core API",
    params(("id" = String, Path, description = "The interaction's numeric id.")),
    responses(
        (status = 200, description = "What the agent sees: each key's latest value.", body = DataDocument),
        (status = 400, description = "`invalid_request`: a query parameter.", body = ErrorDocument),
        (status = 404, description = "`interaction_not_found`.", body = ErrorDocument),
    ),
    security(("coreApiKey" = []))
)]
pub async fn data(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (id, data) = what_the_agent_sees(&request, &path, &state).await?;
    let this = format!("{}/{DATA_TYPE}", base_of(&request).interaction(id));
    let document = DataDocument {
        data,
        links: SelfLink { this },
    };
    Ok(respond(&request, StatusCode::OK, &document))
}

/// The relationship itself: identifiers of the interaction's data.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionDataRelationship)]
pub struct RelationshipDocument {
    data: Vec<Identifier>,
    links: RelationshipLinks,
}

#[utoipa::path(
    get,
    path = "/api/core/v1/interactions/{id}/relationships/interactionData",
    operation_id = "coreGetInteractionDataRelationship",
    tag = "Core API",
    params(("id" = String, Path, description = "The interaction's numeric id.")),
    responses(
        (status = 200, description = "The relationship's linkage: one identifier per item the agent sees.", body = RelationshipDocument),
        (status = 400, description = "`invalid_request`: a query parameter.", body = ErrorDocument),
        (status = 404, description = "`interaction_not_found`.", body = ErrorDocument),
    ),
    security(("coreApiKey" = []))
)]
pub async fn relationship(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (id, data) = what_the_agent_sees(&request, &path, &state).await?;
    let document = RelationshipDocument {
        data: data.iter().map(DataResource::identifier).collect(),
        links: base_of(&request).data_relationship(id),
    };
    Ok(respond(&request, StatusCode::OK, &document))
}

/// The interaction a by-id route names (with no query), and what its agent sees.
async fn what_the_agent_sees(
    request: &HttpRequest,
    path: &str,
    state: &WebState,
) -> Result<(i64, Vec<DataResource>), Refusal> {
    no_query(request)?;
    let engagement = engagements::get_by_id(&state.core, numeric_id(path)?).await?;
    let view = engagements::agent_view(&state.core, engagement.id).await?;
    Ok((engagement.id, agent_data(engagement.id, view)))
}

/// Interaction data from the backend, as Talkative's article shows it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CoreNewInteractionData)]
pub struct NewInteractionData {
    /// The key: data with a name the interaction already has replaces it (unless that one was
    /// signed).
    name: String,
    /// What the agent reads; the name when left out.
    label: Option<String>,
    /// The value, a string.
    #[schema(value_type = String)]
    data: Value,
    /// `string` unless given.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    kind: Option<String>,
}

/// What happened to the data.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CoreInteractionDataWritten)]
pub struct WrittenDocument {
    /// The item as the agent now sees it; `null` when signed data kept its place.
    data: Option<DataResource>,
    meta: WriteMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteMeta {
    /// Whether the agent now sees this value.
    applied: bool,
    /// Whether it replaced an earlier value with the same name.
    replaced: bool,
    /// `overridden_by_signed` when the interaction has this name signed: the agent keeps the
    /// signed value.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Code>,
    message: String,
    /// The emulator's log entry for this arrival (`/api/v1/interactions/{id}`).
    #[schema(format = Uuid)]
    verification: Uuid,
}

#[utoipa::path(
    post,
    path = "/api/core/v1/interactions/{uuid}/interaction-data",
    operation_id = "coreCreateInteractionData",
    tag = "Core API",
    params(("uuid" = String, Path, description = "The interaction's UUID (not its numeric id), as Talkative's article says.")),
    request_body = NewInteractionData,
    responses(
        (status = 201, description = "Added: the agent sees it (replacing an earlier value with its name).", body = WrittenDocument),
        (status = 200, description = "Received and logged, but the interaction has this name signed: the agent keeps the signed value (`meta.code` `overridden_by_signed`).", body = WrittenDocument),
        (status = 400, description = "`invalid_request`: not the documented `{name, label, data}`.", body = ErrorDocument),
        (status = 404, description = "`interaction_not_found`.", body = ErrorDocument),
        (status = 409, description = "`interaction_finalised`: it has ended or completed (only non-finalised interactions store data); `interaction_full`: it holds as much as one interaction may.", body = ErrorDocument),
        (status = 413, description = "`payload_too_large`.", body = ErrorDocument),
        (status = 422, description = "`item_too_large`.", body = ErrorDocument),
        (status = 503, description = "`log_unavailable`: the disk refused the write; nothing was kept.", body = ErrorDocument),
    ),
    security(("coreApiKey" = []))
)]
pub async fn create_data(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let caller = Caller::of(&request)?;
    no_query(&request)?;
    let uuid = interaction_uuid(&path)?;
    let raw = read_json_body(&request, payload, state.core.settings.max_body_bytes).await?;
    let item = new_item(&raw)?;
    let key = item.key().to_owned();
    let request_text = std::str::from_utf8(&raw)
        .map(bytestring::ByteString::from)
        .map_err(|_| {
            Problem::new(
                Code::InvalidRequest,
                "The body is not UTF-8.",
                "Send UTF-8 JSON.",
            )
        })?;
    let appended = engagements::append(
        &state.core,
        uuid,
        Arriving {
            token: None,
            unsigned: vec![item],
            warnings: Vec::new(),
            sender: Sender {
                request: request_text,
                source: Source::CoreApi,
                site: site_of(&request),
            },
        },
    )
    .await;
    let appended = match appended {
        Ok(appended) => appended,
        Err(crate::app::AppError::Rejected(problem)) => {
            // The server log says why a backend's write was not applied (#31), as the answer does.
            tracing::warn!(
                api_key = %caller.key_name,
                interaction = %uuid,
                name = %key,
                code = problem.code.as_str(),
                "Core API write not applied: {}",
                problem.message
            );
            return Err(Refusal::Rejected(problem));
        }
        Err(error) => return Err(error.into()),
    };
    tracing::info!(api_key = %caller.key_name, interaction = %uuid, name = %key, "Core API: interaction data");
    let verification = appended.outcome.verdict.id;
    let engagement_id = appended.engagement.id;
    let given = appended.given.iter().find(|given| given.item.key() == key);
    let Some(given) = given else {
        // Not given to the agent: the verification's WARN line (app/verification.rs) says why.
        let refusal = appended.outcome.verdict.rejected.first();
        let document = WrittenDocument {
            data: None,
            meta: WriteMeta {
                applied: false,
                replaced: false,
                code: refusal.map(|r| r.reason.code),
                message: refusal.map_or_else(
                    || "The data was not given to the agent.".to_owned(),
                    |r| r.reason.message.clone(),
                ),
                verification,
            },
        };
        return Ok(respond(&request, StatusCode::OK, &document));
    };
    let replaced = given.replaced;
    let shown = ViewItem {
        item: given.item.clone(),
        kind: ArrivalKind::CoreApi,
        received_at: appended.engagement.updated_at,
    };
    let document = WrittenDocument {
        data: Some(data_resource(engagement_id, shown)),
        meta: WriteMeta {
            applied: true,
            replaced,
            code: None,
            message: if replaced {
                format!("The agent now sees this value for {key:?}, replacing the earlier one.")
            } else {
                format!("The agent now sees {key:?}.")
            },
            verification,
        },
    };
    let mut response = respond(&request, StatusCode::CREATED, &document);
    if let Ok(location) = format!(
        "{}/{DATA_TYPE}",
        base_of(&request).interaction(engagement_id)
    )
    .parse()
    {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// The body as an item: `{name, label?, data, type?}`, `data` a string.
fn new_item(raw: &[u8]) -> Result<InteractionItem, Refusal> {
    let body: NewInteractionData = body::parse(raw).map_err(|error| {
        // A JSON:API resource document is a natural guess; Talkative's article sends the flat
        // object.
        let members = body::members::<NewInteractionData>(raw).ok();
        if members
            .as_ref()
            .and_then(|m| m.get("data"))
            .is_some_and(|d| d.get("attributes").is_some() || d.get("type").is_some())
        {
            return Refusal::at(
                Problem::new(
                    Code::InvalidRequest,
                    "The body is a JSON:API resource document; this route takes the flat object \
                     Talkative's article shows.",
                    "Send {\"name\": \"…\", \"label\": \"…\", \"data\": \"…\"}.",
                ),
                ErrorSource::Pointer("/data".into()),
            );
        }
        error
    })?;
    let pointer = |member: &str, message: String, hint: &str| {
        Refusal::at(
            Problem::new(Code::InvalidRequest, message, hint),
            ErrorSource::Pointer(format!("/{member}")),
        )
    };
    if body.name.trim().is_empty() {
        return Err(pointer(
            "name",
            "\"name\" is blank.".into(),
            "Name the data: the name is its key (data with a name the interaction has replaces it).",
        ));
    }
    let data = match body.data {
        Value::String(text) => text,
        other => {
            return Err(pointer(
                "data",
                format!(
                    "\"data\" is {}; Talkative stores text.",
                    crate::jws::header::kind(&other)
                ),
                "Send the value as a string (e.g. \"42\", or JSON.stringify it).",
            ));
        }
    };
    let label = body.label.unwrap_or_else(|| body.name.clone());
    if label.trim().is_empty() {
        return Err(pointer(
            "label",
            "\"label\" is blank.".into(),
            "Give the text the agent reads, or leave label out to show the name.",
        ));
    }
    let item = InteractionItem {
        name: Some(body.name),
        label,
        data,
        kind: body.kind.unwrap_or_else(|| "string".to_owned()),
    };
    let mut read = UnsignedItems::checked(vec![item], Vec::new(), "the body")?;
    Ok(read.items.remove(0))
}

fn query_suffix(request: &HttpRequest) -> String {
    match request.query_string() {
        "" => String::new(),
        query => format!("?{query}"),
    }
}

fn no_query(request: &HttpRequest) -> Result<(), Refusal> {
    if let Some((name, _)) =
        serde_urlencoded::from_str::<Vec<(String, String)>>(request.query_string())
            .unwrap_or_default()
            .into_iter()
            .next()
    {
        return Err(Refusal::at(
            Problem::new(
                Code::InvalidRequest,
                format!("This route takes no query parameter {name:?}."),
                "Leave the query string out.",
            ),
            ErrorSource::Parameter(name),
        ));
    }
    Ok(())
}

/// The numeric id a by-id route names. A UUID here is the likeliest mistake: say so.
fn numeric_id(raw: &str) -> Result<i64, Refusal> {
    if let Ok(id) = raw.parse::<i64>()
        && id > 0
    {
        return Ok(id);
    }
    let hint = if Uuid::try_parse(raw).is_ok() {
        "This route takes the interaction's numeric id, not its UUID (Talkative's article says \
         so too): GET /api/core/v1/interactions?filter[uuid]=<uuid> gives the id."
    } else {
        "Use the numeric `id` GET /api/core/v1/interactions lists."
    };
    Err(Problem::new(
        Code::InteractionNotFound,
        format!("No interaction with id {raw:?}."),
        hint,
    )
    .into())
}

/// The UUID the write route names. A numeric id here is the likeliest mistake: say so.
fn interaction_uuid(raw: &str) -> Result<Uuid, Refusal> {
    Uuid::try_parse(raw).map_err(|_| {
        let hint = if raw.parse::<i64>().is_ok() {
            "This route takes the interaction's UUID, not its numeric id (Talkative's article \
             says so too): the `uuid` attribute of GET /api/core/v1/interactions/{id}."
        } else {
            "Use the interaction's UUID: the widget gives it to the page \
             (talkativeApi.interaction), and the Core API lists it as `uuid`."
        };
        Problem::new(
            Code::InteractionNotFound,
            format!("No interaction with UUID {raw:?}."),
            hint,
        )
        .into()
    })
}
