//! `/api/v1/unsigned-fields`: list, add and remove allowlisted labels.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::app::management;
use crate::app::records::StoredField;
use crate::domain::problem::Warning;
use crate::encoding::timestamp::format_millis;
use crate::routes::kit::body;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// A label Talkative keeps even when unsigned, once signing is on.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UnsignedField)]
pub struct FieldView {
    label: String,
    #[schema(format = DateTime)]
    created_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UnsignedFieldList)]
pub struct FieldList {
    unsigned_fields: Vec<FieldView>,
}

/// A field just added, and what may be wrong with it (`lookalike_label`, `identity_label`).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AddedUnsignedField)]
pub struct AddedField {
    #[serde(flatten)]
    field: FieldView,
    warnings: Vec<Warning>,
}

/// A label to allowlist.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnsignedField {
    /// The label as the widget sends it: case and separators matter.
    label: String,
}

impl From<StoredField> for FieldView {
    fn from(field: StoredField) -> Self {
        Self {
            label: field.label,
            created_at: format_millis(field.created_at),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/unsigned-fields",
    operation_id = "listUnsignedFields",
    tag = "Unsigned fields",
    responses((status = 200, description = "The allowlist, in label order.", body = FieldList))
)]
pub async fn list(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let fields: Vec<FieldView> = management::list_unsigned_fields(&state.core)
        .await?
        .into_iter()
        .map(FieldView::from)
        .collect();
    Ok(HttpResponse::Ok().json(FieldList {
        unsigned_fields: fields,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/unsigned-fields",
    operation_id = "addUnsignedField",
    tag = "Unsigned fields",
    request_body = NewUnsignedField,
    responses(
        (status = 201, description = "Allowlisted, with warnings about labels that look wrong.", body = AddedField),
        (status = 400, description = "`invalid_request`.", body = ErrorBody),
        (status = 409, description = "`already_allowlisted`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`.", body = ErrorBody),
        (status = 422, description = "`invalid_label`.", body = ErrorBody),
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: NewUnsignedField =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let (stored, warnings) = management::add_unsigned_field(&state.core, &new.label).await?;
    Ok(HttpResponse::Created().json(AddedField {
        field: FieldView::from(stored),
        warnings,
    }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/unsigned-fields/{label}",
    operation_id = "removeUnsignedField",
    tag = "Unsigned fields",
    params(("label" = String, Path, description = "The label, percent-encoded.")),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "`unsigned_field_not_found`.", body = ErrorBody),
    )
)]
pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    management::remove_unsigned_field(&state.core, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
