//! Core API keys: made on the API Keys page, the management API or the config file; each opens
//! the Core API (`/api/core/v1`) and nothing else. The token is returned once, by [`create`].

use super::{AppError, Core};
use crate::domain::api_key::{self, ApiKeyName, ApiToken};
use crate::domain::problem::{Code, Problem};
use crate::encoding::timestamp::now_millis;
use crate::storage::api_keys::{self, StoredApiKey};
use crate::storage::write_transaction;

/// A new key and its token: the only time the token is known.
pub async fn create(core: &Core, name: &str) -> Result<(StoredApiKey, ApiToken), AppError> {
    let name = ApiKeyName::parse(name)?;
    let token = ApiToken::generate()?;
    let now = now_millis();
    let id = write_transaction(&core.pool, async |tx| {
        api_keys::insert(tx, &name, &token, now, false).await
    })
    .await?;
    let key = get(core, id).await?;
    tracing::info!(api_key = %key.name, id = key.id, "Core API key created");
    Ok((key, token))
}

pub async fn list(core: &Core) -> Result<Vec<StoredApiKey>, AppError> {
    Ok(api_keys::list(&core.pool).await?)
}

pub async fn get(core: &Core, id: i64) -> Result<StoredApiKey, AppError> {
    api_keys::get(&core.pool, id)
        .await?
        .ok_or_else(|| not_found(id).into())
}

/// Revokes a key: its token opens nothing from now on. Revoking one already revoked says so.
pub async fn revoke(core: &Core, id: i64) -> Result<StoredApiKey, AppError> {
    let key = get(core, id).await?;
    if key.revoked_at.is_none() && api_keys::revoke(&core.pool, id, now_millis()).await? {
        tracing::info!(api_key = %key.name, id, "Core API key revoked");
    }
    get(core, id).await
}

/// Why a presented bearer token opens nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Unknown,
    Revoked,
}

impl Refusal {
    pub fn problem(self) -> Problem {
        let (message, hint) = match self {
            Refusal::Missing => (
                "The Core API needs an API key.",
                "Send `Authorization: Bearer <token>` with a token from the API Keys page (or \
                 POST /api/v1/api-keys, or the config file's [[api_keys]]).",
            ),
            Refusal::Unknown => (
                "No API key has this token.",
                "Copy the token the API Keys page showed when the key was made (it is shown \
                 once); the admin password does not open the Core API.",
            ),
            Refusal::Revoked => (
                "This API key was revoked.",
                "Make a new key on the API Keys page and use its token.",
            ),
        };
        Problem::new(Code::Unauthorized, message, hint)
    }
}

/// The live key a request's bearer token belongs to.
pub async fn authenticate(core: &Core, token: Option<&str>) -> Result<StoredApiKey, AuthError> {
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Refused(Refusal::Missing))?;
    let key = api_keys::find_by_digest(&core.pool, &api_key::digest(token))
        .await
        .map_err(|e| AuthError::Internal(e.into()))?
        .ok_or(AuthError::Refused(Refusal::Unknown))?;
    if key.revoked_at.is_some() {
        return Err(AuthError::Refused(Refusal::Revoked));
    }
    Ok(key)
}

/// Notes that key `id` (last noted at `last_used_at`) was used by a request every check let
/// through. At most once a minute, decided on the row the request read: most requests write
/// nothing (an UPDATE matching no row would still take SQLite's write lock). Best effort: a
/// failed note of use must not fail the request.
pub async fn note_use(core: &Core, id: i64, last_used_at: Option<i64>) {
    let now = now_millis();
    if last_used_at.is_none_or(|at| now - at >= api_keys::TOUCH_EVERY_MILLIS)
        && let Err(error) = api_keys::touch(&core.pool, id, now).await
    {
        tracing::warn!(%error, "could not note an API key's use");
    }
}

pub fn parse_id(raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        Problem::new(
            Code::ApiKeyNotFound,
            format!("No API key with id {raw:?}."),
            "API keys have numeric ids: list them with GET /api/v1/api-keys.",
        )
    })
}

#[derive(Debug)]
pub enum AuthError {
    Refused(Refusal),
    Internal(anyhow::Error),
}

fn not_found(id: i64) -> Problem {
    Problem::new(
        Code::ApiKeyNotFound,
        format!("No API key with id {id}."),
        "List them with GET /api/v1/api-keys.",
    )
}
