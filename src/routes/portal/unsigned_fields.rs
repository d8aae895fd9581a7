use actix_web::http::StatusCode;
use actix_web::web::{Data, Form};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, PortalError, check_csrf, layout, redirect_with_flash, render};
use crate::app::management::{self, AdminError};
use crate::domain::problem::Problem;
use crate::routes::state::WebState;
use crate::storage::format_millis;
use crate::storage::unsigned_fields;

pub struct FieldRow {
    pub label: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "unsigned_fields.html")]
struct UnsignedFieldsPage {
    layout: Layout,
    fields: Vec<FieldRow>,
    signing_on: bool,
    error: Option<Problem>,
    label: String,
}

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    error: Option<Problem>,
    label: String,
) -> Result<HttpResponse, PortalError> {
    let fields = unsigned_fields::list(&state.core.pool)
        .await?
        .into_iter()
        .map(|f| FieldRow {
            label: f.label,
            created_at: format_millis(f.created_at),
        })
        .collect();
    let signing_on = state.core.cache.current().keys.has_active();
    let (layout, cookies) = layout(request, state, "unsigned-fields");
    let page = UnsignedFieldsPage {
        layout,
        fields,
        signing_on,
        error,
        label,
    };
    render(&page, status, cookies)
}

pub async fn show(
    request: HttpRequest,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    page(&request, &state, StatusCode::OK, None, String::new()).await
}

#[derive(Deserialize)]
pub struct LabelForm {
    csrf_token: String,
    #[serde(default)]
    label: String,
}

pub async fn add(
    request: HttpRequest,
    form: Form<LabelForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let form = form.into_inner();
    check_csrf(&request, &state, &form.csrf_token)?;
    match management::add_unsigned_field(&state.core, &form.label).await {
        Ok(field) => Ok(redirect_with_flash(
            "/unsigned-fields",
            format!("{:?} may now pass unsigned.", field.label),
        )),
        Err(AdminError::Rejected(problem)) => {
            page(
                &request,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problem),
                form.label,
            )
            .await
        }
        Err(AdminError::Internal(error)) => Err(PortalError::Internal(error)),
    }
}

pub async fn remove(
    request: HttpRequest,
    form: Form<LabelForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, PortalError> {
    let form = form.into_inner();
    check_csrf(&request, &state, &form.csrf_token)?;
    match management::remove_unsigned_field(&state.core, &form.label).await {
        Ok(()) => Ok(redirect_with_flash(
            "/unsigned-fields",
            format!(
                "{:?} removed; it is dropped when sent unsigned.",
                form.label
            ),
        )),
        Err(AdminError::Rejected(problem)) => {
            page(
                &request,
                &state,
                StatusCode::NOT_FOUND,
                Some(problem),
                String::new(),
            )
            .await
        }
        Err(AdminError::Internal(error)) => Err(PortalError::Internal(error)),
    }
}
