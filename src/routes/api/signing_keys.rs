use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::body::{optional_string, read_object, required_string};
use crate::domain::SigningKey;
use crate::error::ApiError;
use crate::problem::{Code, Problem};
use crate::startup::AppState;
use crate::storage::signing_keys::{self, StoredKey};
use crate::storage::{format_millis, is_unique_violation, now_millis};

const DEFAULT_NAME: &str = "Signing key";
const MAX_NAME_CHARS: usize = 100;

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

pub async fn list(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    // last_used_at is written by the recorder; flush so the list reflects verifications so far.
    state.recorder.flush().await;
    let keys: Vec<KeyView> = signing_keys::list(&state.pool)
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "signingKeys": keys })))
}

pub async fn get(path: Path<String>, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    state.recorder.flush().await;
    let key = signing_keys::get(&state.pool, id)
        .await?
        .ok_or_else(|| not_found(&path))?;
    Ok(HttpResponse::Ok().json(KeyView::from(key)))
}

pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body = read_object(
        &request,
        payload,
        state.settings.max_body_bytes,
        &["name", "pem"],
    )
    .await?;
    let name = parse_name(optional_string(&mut body.fields, "name")?)?;
    let pem = required_string(&mut body.fields, "pem")?;
    let key = SigningKey::parse_pem(&pem)?;

    let change = state.cache.change().await;
    if let Some(existing) =
        signing_keys::find_by_fingerprint(&state.pool, key.fingerprint()).await?
    {
        return Err(duplicate(&existing).into());
    }
    let id = Uuid::new_v4();
    match signing_keys::insert(&state.pool, id, &name, &key, now_millis()).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(Problem::new(
                Code::DuplicateKey,
                "This public key is already on the Signing Keys page.",
                "Each key is stored once; keep the existing entry.",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    change.reload(&state.pool).await?;
    let stored = signing_keys::get(&state.pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("key {id} vanished after insert"))?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/signing-keys/{id}")))
        .json(KeyView::from(stored)))
}

pub async fn update(
    request: HttpRequest,
    path: Path<String>,
    payload: Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let mut body = read_object(
        &request,
        payload,
        state.settings.max_body_bytes,
        &["active", "name"],
    )
    .await?;
    let active = match body.fields.remove("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            return Err(ApiError::invalid_request(
                "Field \"active\" must be true or false.",
                "Send {\"active\": false} to stop verifying with this key.",
            ));
        }
    };
    let name = optional_string(&mut body.fields, "name")?
        .map(|n| parse_name(Some(n)))
        .transpose()?;

    let change = state.cache.change().await;
    let mut found = signing_keys::get(&state.pool, id).await?.is_some();
    if let Some(active) = active {
        found &= signing_keys::set_active(&state.pool, id, active).await?;
    }
    if let Some(name) = &name {
        found &= signing_keys::rename(&state.pool, id, name).await?;
    }
    change.reload(&state.pool).await?;
    if !found {
        return Err(not_found(&path));
    }
    get(path, state).await
}

pub async fn delete(path: Path<String>, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    let change = state.cache.change().await;
    let deleted = signing_keys::delete(&state.pool, id).await?;
    change.reload(&state.pool).await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&path))
    }
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> ApiError {
    ApiError::Rejected(Problem::new(
        Code::SigningKeyNotFound,
        format!("No signing key with id {raw:?}."),
        "List keys with GET /api/v1/signing-keys; ids are UUIDs.",
    ))
}

fn duplicate(existing: &StoredKey) -> Problem {
    Problem::new(
        Code::DuplicateKey,
        format!(
            "This public key is already stored as {:?} (id {}).",
            existing.name, existing.id
        ),
        "Each key is stored once. To rotate, generate a new pair and upload the new ec_public.pem.",
    )
}

fn parse_name(raw: Option<String>) -> Result<String, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_NAME.to_owned());
    };
    let name = raw.trim();
    if name.is_empty() {
        return Ok(DEFAULT_NAME.to_owned());
    }
    let problem = |message: String| {
        ApiError::Rejected(Problem::new(
            Code::InvalidKeyName,
            message,
            "Use a short, plain name such as \"production backend\".",
        ))
    };
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(problem(format!(
            "The name is longer than {MAX_NAME_CHARS} characters."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(problem("The name contains control characters.".to_owned()));
    }
    Ok(name.to_owned())
}
