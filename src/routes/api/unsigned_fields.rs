//! `/api/v1/unsigned-fields`: list, add and remove allowlisted labels.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::body::{read_object, required_string};
use crate::app::management;
use crate::domain::problem::Warning;
use crate::routes::error::ApiError;
use crate::routes::state::WebState;
use crate::storage::format_millis;
use crate::storage::unsigned_fields::StoredField;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldView {
    label: String,
    created_at: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldList {
    unsigned_fields: Vec<FieldView>,
}

/// A field just added, and what may be wrong with it (`lookalike_label`, `identity_label`).
#[derive(Serialize)]
struct AddedField {
    #[serde(flatten)]
    field: FieldView,
    warnings: Vec<Warning>,
}

impl From<StoredField> for FieldView {
    fn from(field: StoredField) -> Self {
        Self {
            label: field.label,
            created_at: format_millis(field.created_at),
        }
    }
}

pub async fn list(state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    let fields: Vec<FieldView> = management::list_unsigned_fields(&state.core)
        .await?
        .into_iter()
        .map(FieldView::from)
        .collect();
    Ok(HttpResponse::Ok().json(FieldList {
        unsigned_fields: fields,
    }))
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
        &["label"],
    )
    .await?;
    let label = required_string(&mut body, "label")?;
    let (stored, warnings) = management::add_unsigned_field(&state.core, &label).await?;
    Ok(HttpResponse::Created().json(AddedField {
        field: FieldView::from(stored),
        warnings,
    }))
}

pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, ApiError> {
    management::remove_unsigned_field(&state.core, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
