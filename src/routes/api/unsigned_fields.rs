use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::body::{read_object, required_string};
use crate::domain::UnsignedFieldLabel;
use crate::error::ApiError;
use crate::problem::{Code, Problem};
use crate::startup::AppState;
use crate::storage::unsigned_fields::{self, StoredField};
use crate::storage::{format_millis, is_unique_violation, now_millis};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldView {
    label: String,
    created_at: String,
}

impl From<StoredField> for FieldView {
    fn from(field: StoredField) -> Self {
        Self {
            label: field.label,
            created_at: format_millis(field.created_at),
        }
    }
}

pub async fn list(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let fields: Vec<FieldView> = unsigned_fields::list(&state.pool)
        .await?
        .into_iter()
        .map(FieldView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "unsignedFields": fields })))
}

pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut body =
        read_object(&request, payload, state.settings.max_body_bytes, &["label"]).await?;
    let label = UnsignedFieldLabel::parse(&required_string(&mut body.fields, "label")?)?;
    let created_at = now_millis();

    let change = state.cache.change().await;
    match unsigned_fields::insert(&state.pool, &label, created_at).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(Problem::new(
                Code::AlreadyAllowlisted,
                format!(
                    "{:?} is already on the unsigned fields list.",
                    label.as_str()
                ),
                "Nothing to do; the label already passes unsigned.",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    change.reload(&state.pool).await?;
    Ok(HttpResponse::Created().json(FieldView {
        label: label.as_str().to_owned(),
        created_at: format_millis(created_at),
    }))
}

pub async fn delete(path: Path<String>, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    let label = path.into_inner();
    let change = state.cache.change().await;
    let deleted = unsigned_fields::delete(&state.pool, &label).await?;
    change.reload(&state.pool).await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Problem::new(
            Code::UnsignedFieldNotFound,
            format!("{label:?} is not on the unsigned fields list."),
            "Labels match exactly and are case-sensitive; percent-encode special characters in the URL.",
        )
        .into())
    }
}
