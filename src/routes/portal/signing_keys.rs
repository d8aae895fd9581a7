use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, PortalError, check_csrf, layout, redirect_with_flash, render};
use crate::app::management::{self, AdminError};
use crate::domain::problem::{Code, Problem};
use crate::routes::state::WebState;
use crate::storage::format_millis;
use crate::storage::signing_keys::{self, StoredKey};

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub fingerprint: String,
    pub created_at: String,
    pub last_used_at: String,
    pub active: bool,
}

impl From<StoredKey> for KeyRow {
    fn from(key: StoredKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            fingerprint: key.fingerprint,
            created_at: format_millis(key.created_at),
            last_used_at: key
                .last_used_at
                .map(format_millis)
                .unwrap_or_else(|| "never".to_owned()),
            active: key.active,
        }
    }
}

#[derive(Template)]
#[template(path = "signing_keys.html")]
struct SigningKeysPage {
    layout: Layout,
    keys: Vec<KeyRow>,
    error: Option<Problem>,
    name: String,
    pem: String,
}

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    error: Option<Problem>,
    name: String,
    pem: String,
) -> Result<HttpResponse, PortalError> {
    // For lastUsedAt only: keys are readable whatever the interaction log's state.
    let _ = state.core.recorder.flush().await;
    let keys = signing_keys::list(&state.core.pool)
        .await?
        .into_iter()
        .map(KeyRow::from)
        .collect();
    let (layout, cookies) = layout(request, state, "signing-keys");
    let page = SigningKeysPage {
        layout,
        keys,
        error,
        name,
        pem,
    };
    render(&page, status, cookies)
}

pub async fn show(
    request: HttpRequest,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    page(
        &request,
        &state,
        StatusCode::OK,
        None,
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct AddKeyForm {
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pem: String,
}

pub async fn add(
    request: HttpRequest,
    form: Form<AddKeyForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let form = form.into_inner();
    check_csrf(&request, &state, &form.csrf_token)?;
    match management::add_signing_key(&state.core, Some(&form.name), &form.pem).await {
        Ok(key) => Ok(redirect_with_flash(
            "/signing-keys",
            format!("Added key {:?}. Signing is now enforced.", key.name),
        )),
        Err(AdminError::Rejected(problem)) => {
            // A private key is never shown again, not even back in the form it came from.
            let pem = if problem.code == Code::PrivateKeyNotAccepted {
                String::new()
            } else {
                form.pem
            };
            page(
                &request,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problem),
                form.name,
                pem,
            )
            .await
        }
        Err(AdminError::Internal(error)) => Err(PortalError::Internal(error)),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    csrf_token: String,
    active: String,
}

pub async fn set_active(
    request: HttpRequest,
    path: Path<String>,
    form: Form<ActiveForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    check_csrf(&request, &state, &form.csrf_token)?;
    let id = management::parse_key_id(&path).map_err(|_| PortalError::NotFound)?;
    let active = form.active == "true";
    let key = management::update_signing_key(&state.core, id, Some(active), None)
        .await
        .map_err(not_found_or_internal)?;
    let word = if active { "activated" } else { "deactivated" };
    Ok(redirect_with_flash(
        "/signing-keys",
        format!("Key {:?} {word}.", key.name),
    ))
}

#[derive(Template)]
#[template(path = "signing_key_delete.html")]
struct ConfirmDeletePage {
    layout: Layout,
    key: KeyRow,
    last_active_key: bool,
}

pub async fn confirm_delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let id = management::parse_key_id(&path).map_err(|_| PortalError::NotFound)?;
    let key = signing_keys::get(&state.core.pool, id)
        .await?
        .ok_or(PortalError::NotFound)?;
    let active_keys = signing_keys::list(&state.core.pool)
        .await?
        .iter()
        .filter(|k| k.active)
        .count();
    let last_active_key = key.active && active_keys == 1;
    let (layout, cookies) = layout(&request, &state, "signing-keys");
    let page = ConfirmDeletePage {
        layout,
        key: KeyRow::from(key),
        last_active_key,
    };
    render(&page, StatusCode::OK, cookies)
}

#[derive(Deserialize)]
pub struct CsrfOnlyForm {
    csrf_token: String,
}

pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    form: Form<CsrfOnlyForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    check_csrf(&request, &state, &form.csrf_token)?;
    let id = management::parse_key_id(&path).map_err(|_| PortalError::NotFound)?;
    management::delete_signing_key(&state.core, id)
        .await
        .map_err(not_found_or_internal)?;
    Ok(redirect_with_flash("/signing-keys", "Key deleted."))
}

fn not_found_or_internal(error: AdminError) -> PortalError {
    match error {
        AdminError::Rejected(problem) if problem.code == Code::SigningKeyNotFound => {
            PortalError::NotFound
        }
        AdminError::Rejected(problem) => PortalError::BadRequest(problem.to_string()),
        AdminError::Internal(error) => PortalError::Internal(error),
    }
}
