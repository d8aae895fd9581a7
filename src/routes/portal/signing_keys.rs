//! The Signing Keys page: paste a public key, activate, deactivate, delete with confirmation.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::moment::Moment;
use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::AppError;
use crate::app::management;
use crate::app::records::StoredKey;
use crate::domain::problem::{Code, Problem};
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub fingerprint: String,
    /// The stored public key, normalized PEM (never a private key: the type refuses those).
    pub pem: String,
    pub created_at: Moment,
    pub last_used_at: Option<Moment>,
    pub active: bool,
}

impl From<StoredKey> for KeyRow {
    fn from(key: StoredKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            fingerprint: key.fingerprint,
            pem: key.public_key_pem,
            created_at: Moment::at(key.created_at),
            last_used_at: key.last_used_at.map(Moment::at),
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
    /// Whether the refusal is about the name (else it is about the PEM): that field is marked.
    name_invalid: bool,
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
) -> Result<HttpResponse, Refusal> {
    let keys = management::list_signing_keys(&state.core)
        .await?
        .into_iter()
        .map(KeyRow::from)
        .collect();
    render_page(request, state, Page::SigningKeys, status, |layout| {
        SigningKeysPage {
            layout,
            keys,
            name_invalid: error
                .as_ref()
                .is_some_and(|p| p.code == crate::domain::problem::Code::InvalidKeyName),
            error,
            name,
            pem,
        }
    })
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
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
    #[serde(default)]
    name: String,
    #[serde(default)]
    pem: String,
}

pub async fn add(
    request: HttpRequest,
    form: Form<AddKeyForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let form = form.into_inner();
    submit_form(
        &request,
        &state,
        management::add_signing_key(&state.core, Some(&form.name), &form.pem),
        |key| {
            Redirect::with_flash(
                "/signing-keys",
                format!("Added key {:?}. Signing is now enforced.", key.name),
            )
        },
        async |problem| {
            // A private key is never shown again, not even back in the form it came from.
            let pem = if problem.code == Code::PrivateKeyNotAccepted {
                String::new()
            } else {
                form.pem.clone()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                &request,
                &state,
                status,
                Some(problem),
                form.name.clone(),
                pem,
            )
            .await
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    request: HttpRequest,
    path: Path<String>,
    form: Form<ActiveForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let active = form.active == "true";
    let word = if active { "activated" } else { "deactivated" };
    let update = |id| management::update_signing_key(&state.core, id, Some(active), None);
    let message = |key: StoredKey| format!("Key {:?} {word}.", key.name);
    key_action(&request, &state, &path, update, message).await
}

/// A button on one key's row: the CSRF check, the id from the URL, the change, and back to the
/// list with `message`; a refusal (no such key, too many active keys) is an error page.
async fn key_action<T, Change: Future<Output = Result<T, AppError>>>(
    request: &HttpRequest,
    state: &WebState,
    raw_id: &str,
    action: impl FnOnce(Uuid) -> Change,
    message: impl FnOnce(T) -> String,
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let id = management::parse_key_id(raw_id)?;
        action(id).await
    };
    let done = |value| Redirect::with_flash("/signing-keys", message(value));
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(request, state, change, done, refused).await
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
) -> Result<HttpResponse, Refusal> {
    let key = management::get_signing_key(&state.core, &path).await?;
    let last_active_key = key.active && state.core.cache.current().keys.active_count() == 1;
    render_page(
        &request,
        &state,
        Page::SigningKeys,
        StatusCode::OK,
        |layout| ConfirmDeletePage {
            layout,
            key: KeyRow::from(key),
            last_active_key,
        },
    )
}

pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let delete = |id| management::delete_signing_key(&state.core, id);
    let message = |()| "Key deleted.".to_owned();
    key_action(&request, &state, &path, delete, message).await
}
