//! `/api/v1/signing-keys`: list, read, add, update (active, name) and delete public keys.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use super::body::{optional_string, read_object, required_string};
use crate::app::management;
use crate::routes::error::ApiError;
use crate::routes::state::WebState;
use crate::storage::format_millis;
use crate::storage::signing_keys::StoredKey;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    id: String,
    name: String,
    fingerprint: String,
    public_key_pem: String,
    created_at: String,
    active: bool,
    last_used_at: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyList {
    signing_keys: Vec<KeyView>,
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

pub async fn list(state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let keys: Vec<KeyView> = management::list_signing_keys(&state.core)
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(HttpResponse::Ok().json(KeyList { signing_keys: keys }))
}

pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let key = management::get_signing_key(&state.core, &path).await?;
    Ok(HttpResponse::Ok().json(KeyView::from(key)))
}

pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = read_object(
        &request,
        payload,
        state.core.settings.max_body_bytes,
        &["name", "pem"],
    )
    .await?;
    let name = optional_string(&mut body, "name")?;
    let pem = required_string(&mut body, "pem")?;
    let stored = management::add_signing_key(&state.core, name.as_deref(), &pem).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/signing-keys/{}", stored.id)))
        .json(KeyView::from(stored)))
}

pub async fn update(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, ApiError> {
    let id = management::parse_key_id(&path)?;
    let mut body = read_object(
        &request,
        payload,
        state.core.settings.max_body_bytes,
        &["active", "name"],
    )
    .await?;
    let active = match body.remove("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            return Err(ApiError::invalid_request(
                "Field \"active\" must be true or false.",
                "Send {\"active\": false} to stop verifying with this key.",
            ));
        }
    };
    let name = optional_string(&mut body, "name")?;
    let updated = management::update_signing_key(&state.core, id, active, name.as_deref()).await?;
    Ok(HttpResponse::Ok().json(KeyView::from(updated)))
}

pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let id = management::parse_key_id(&path)?;
    management::delete_signing_key(&state.core, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
