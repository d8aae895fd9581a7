//! `/api/v1/signing-keys`: list, read, add, update (active, name) and delete public keys.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::app::management;
use crate::app::records::StoredKey;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::body;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// A stored public key. The private half is never accepted, so never shown.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SigningKey)]
pub struct KeyView {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    /// SHA-256 of the key's DER encoding (SubjectPublicKeyInfo), hex.
    fingerprint: String,
    /// The public key as stored: PEM, `-----BEGIN PUBLIC KEY-----`.
    public_key_pem: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// Whether verification uses this key.
    active: bool,
    /// When a token last verified with this key.
    #[schema(format = DateTime)]
    last_used_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SigningKeyList)]
pub struct KeyList {
    signing_keys: Vec<KeyView>,
}

/// A public key to store.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSigningKey {
    /// Shown on the Signing Keys page; defaults to one made from the fingerprint.
    name: Option<String>,
    /// The public key as `ec_public.pem` holds it (SubjectPublicKeyInfo, P-256). A private key
    /// is refused (`private_key_not_accepted`) and never stored or echoed.
    pem: String,
}

/// What to change about a key; members left out stay as they are.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyChanges {
    /// `false` stops verifying with this key without deleting it.
    active: Option<bool>,
    name: Option<String>,
}

impl From<StoredKey> for KeyView {
    fn from(key: StoredKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            fingerprint: key.fingerprint,
            public_key_pem: key.public_key_pem,
            created_at: format_millis(key.created_at),
            active: key.active,
            last_used_at: key.last_used_at.map(format_millis),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/signing-keys",
    operation_id = "listSigningKeys",
    tag = "Signing keys",
    responses((status = 200, description = "Every stored key, newest first.", body = KeyList))
)]
pub async fn list(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let keys: Vec<KeyView> = management::list_signing_keys(&state.core)
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(HttpResponse::Ok().json(KeyList { signing_keys: keys }))
}

#[utoipa::path(
    get,
    path = "/api/v1/signing-keys/{id}",
    operation_id = "getSigningKey",
    tag = "Signing keys",
    params(("id" = String, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "The key.", body = KeyView),
        (status = 404, description = "`signing_key_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let key = management::get_signing_key(&state.core, &path).await?;
    Ok(HttpResponse::Ok().json(KeyView::from(key)))
}

#[utoipa::path(
    post,
    path = "/api/v1/signing-keys",
    operation_id = "addSigningKey",
    tag = "Signing keys",
    request_body = NewSigningKey,
    responses(
        (status = 201, description = "Stored; verification uses it at once.", body = KeyView,
            headers(("Location" = String, description = "The new key's URL."))),
        (status = 400, description = "`invalid_request`: not a JSON object with `pem`.", body = ErrorBody),
        (status = 409, description = "`too_many_active_keys`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`.", body = ErrorBody),
        (status = 422, description = "The PEM was refused: `invalid_pem`, `private_key_not_accepted`, \
            `unsupported_curve`, `unsupported_key_type`, `invalid_public_key`, `duplicate_key` or `invalid_key_name`.", body = ErrorBody),
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: NewSigningKey =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let stored = management::add_signing_key(&state.core, new.name.as_deref(), &new.pem).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/signing-keys/{}", stored.id)))
        .json(KeyView::from(stored)))
}

#[utoipa::path(
    patch,
    path = "/api/v1/signing-keys/{id}",
    operation_id = "updateSigningKey",
    tag = "Signing keys",
    params(("id" = String, Path, description = "The key's id.")),
    request_body = SigningKeyChanges,
    responses(
        (status = 200, description = "The key as changed.", body = KeyView),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 404, description = "`signing_key_not_found`.", body = ErrorBody),
        (status = 409, description = "`too_many_active_keys` (activating an eleventh).", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
        (status = 422, description = "`invalid_key_name`.", body = ErrorBody),
    )
)]
pub async fn update(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = management::parse_key_id(&path)?;
    let changes: SigningKeyChanges =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let updated =
        management::update_signing_key(&state.core, id, changes.active, changes.name.as_deref())
            .await?;
    Ok(HttpResponse::Ok().json(KeyView::from(updated)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/signing-keys/{id}",
    operation_id = "deleteSigningKey",
    tag = "Signing keys",
    params(("id" = String, Path, description = "The key's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`signing_key_not_found`.", body = ErrorBody),
    )
)]
pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let id = management::parse_key_id(&path)?;
    management::delete_signing_key(&state.core, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
