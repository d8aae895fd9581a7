//! `/api/v1/api-keys`: Core API keys, as the portal's API Keys page manages them. A key's token
//! is in the answer that creates it and nowhere else, ever: lists show a hint (its last four
//! characters).

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::api_keys;
use crate::app::records::StoredApiKey;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::body;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// A Core API key, without its token.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKey)]
pub struct ApiKeyView {
    id: i64,
    name: String,
    /// The token's last four characters, to tell keys apart.
    token_hint: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// When a Core API request last used it (noted at most once a minute).
    #[schema(format = DateTime)]
    last_used_at: Option<String>,
    /// When it was revoked; a revoked key opens nothing.
    #[schema(format = DateTime)]
    revoked_at: Option<String>,
    /// Installed by the config file's `[[api_keys]]`.
    from_config: bool,
}

impl From<StoredApiKey> for ApiKeyView {
    fn from(key: StoredApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            token_hint: key.token_hint,
            created_at: format_millis(key.created_at),
            last_used_at: key.last_used_at.map(format_millis),
            revoked_at: key.revoked_at.map(format_millis),
            from_config: key.from_config,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ApiKeyList)]
pub struct ApiKeyList {
    api_keys: Vec<ApiKeyView>,
}

/// A key to make.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What uses it, e.g. "CI backend tests".
    name: String,
}

/// A new key, and its token: shown this once.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreatedApiKey)]
pub struct CreatedApiKey {
    api_key: ApiKeyView,
    /// Send it as `Authorization: Bearer <token>` to /api/core/v1. Not shown again: store it now.
    token: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    operation_id = "listApiKeys",
    tag = "API keys",
    responses((status = 200, description = "Every key, revoked ones too, oldest first.", body = ApiKeyList))
)]
pub async fn list(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let keys = api_keys::list(&state.core).await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        api_keys: keys.into_iter().map(ApiKeyView::from).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    operation_id = "createApiKey",
    tag = "API keys",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Made: the token is in this answer and never again.", body = CreatedApiKey,
            headers(("Location" = String, description = "The new key's URL."))),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
        (status = 422, description = "`invalid_api_key`: a blank or too long name.", body = ErrorBody),
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: NewApiKey = body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let (key, token) = api_keys::create(&state.core, &new.name).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/api-keys/{}", key.id)))
        // The token must not sit in a cache.
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedApiKey {
            api_key: key.into(),
            token: token.reveal().to_owned(),
        }))
}

#[utoipa::path(
    get,
    path = "/api/v1/api-keys/{id}",
    operation_id = "getApiKey",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "The key, without its token.", body = ApiKeyView),
        (status = 404, description = "`api_key_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let key = api_keys::get(&state.core, api_keys::parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(ApiKeyView::from(key)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    operation_id = "revokeApiKey",
    tag = "API keys",
    params(("id" = String, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "Revoked (or already revoked): its token opens nothing. The key stays listed.", body = ApiKeyView),
        (status = 404, description = "`api_key_not_found`.", body = ErrorBody),
    )
)]
pub async fn revoke(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let key = api_keys::revoke(&state.core, api_keys::parse_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(ApiKeyView::from(key)))
}
