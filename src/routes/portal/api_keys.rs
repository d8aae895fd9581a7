//! The API Keys page: make a Core API key (its token shown on the answer to the form, once, and
//! never stored), list keys with their hints and last use, revoke one with confirmation.

use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::web::{Data, Form, Path};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::moment::Moment;
use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::records::StoredApiKey;
use crate::app::{AppError, api_keys};
use crate::domain::problem::Problem;
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;

pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub created_at: Moment,
    pub last_used_at: Option<Moment>,
    pub revoked_at: Option<Moment>,
    pub from_config: bool,
}

impl From<StoredApiKey> for ApiKeyRow {
    fn from(key: StoredApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name,
            hint: key.token_hint,
            created_at: Moment::at(key.created_at),
            last_used_at: key.last_used_at.map(Moment::at),
            revoked_at: key.revoked_at.map(Moment::at),
            from_config: key.from_config,
        }
    }
}

/// A key just made, with its token: on this one answer only.
pub struct Made {
    pub name: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct ApiKeysPage {
    layout: Layout,
    keys: Vec<ApiKeyRow>,
    made: Option<Made>,
    error: Option<Problem>,
    name: String,
    /// Where the Core API is, as this page was reached: for the copyable curl line.
    origin: String,
}

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    made: Option<Made>,
    error: Option<Problem>,
    name: String,
) -> Result<HttpResponse, Refusal> {
    let keys = api_keys::list(&state.core)
        .await?
        .into_iter()
        .map(ApiKeyRow::from)
        .collect();
    let origin = ServedOrigin::of(request).url();
    let secret = made.is_some();
    let mut response = render_page(request, state, Page::ApiKeys, status, |layout| {
        ApiKeysPage {
            layout,
            keys,
            made,
            error,
            name,
            origin,
        }
    })?;
    if secret {
        // The page holds a token: no cache may keep it (the back button included).
        response
            .headers_mut()
            .insert(CACHE_CONTROL, "no-store".parse().expect("a header value"));
    }
    Ok(response)
}

pub async fn show(request: HttpRequest, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    page(&request, &state, StatusCode::OK, None, None, String::new()).await
}

#[derive(Deserialize)]
pub struct NewKeyForm {
    #[serde(default)]
    name: String,
}

/// Makes a key and answers with the page showing its token: not a redirect, because the token
/// must not travel in a URL or a cookie to reach the next page.
pub async fn create(
    request: HttpRequest,
    form: Form<NewKeyForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    match api_keys::create(&state.core, &form.name).await {
        Ok((key, token)) => {
            let made = Made {
                name: key.name,
                token: token.reveal().to_owned(),
            };
            page(
                &request,
                &state,
                StatusCode::CREATED,
                Some(made),
                None,
                String::new(),
            )
            .await
        }
        Err(AppError::Rejected(problem)) => {
            let name = form.name.clone();
            page(
                &request,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(problem),
                name,
            )
            .await
        }
        Err(AppError::Internal(error)) => Err(Refusal::Internal(error)),
    }
}

#[derive(Template)]
#[template(path = "api_key_revoke.html")]
struct ConfirmRevokePage {
    layout: Layout,
    key: ApiKeyRow,
}

pub async fn confirm_revoke(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let id = crate::app::api_keys::parse_id(&path).map_err(AppError::from)?;
    let key = api_keys::get(&state.core, id).await?;
    render_page(&request, &state, Page::ApiKeys, StatusCode::OK, |layout| {
        ConfirmRevokePage {
            layout,
            key: key.into(),
        }
    })
}

pub async fn revoke(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let change = async {
        let id = crate::app::api_keys::parse_id(&path)?;
        api_keys::revoke(&state.core, id).await
    };
    let done = |key: StoredApiKey| {
        Redirect::with_flash(
            "/api-keys",
            format!("Key {:?} revoked: its token opens nothing now.", key.name),
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}
