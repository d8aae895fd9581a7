//! The Unsigned fields page: the allowlist, with forms to add and remove labels.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::moment::Moment;
use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::records::StoredField;
use crate::app::{AppError, management};
use crate::domain::problem::{Problem, Warning};
use crate::routes::kit::flash::Undo;
use crate::routes::kit::layout::Page;
use crate::routes::kit::state::WebState;

pub struct FieldRow {
    pub label: String,
    pub created_at: Moment,
}

#[derive(Template)]
#[template(path = "unsigned_fields.html")]
struct UnsignedFieldsPage {
    layout: Layout,
    fields: Vec<FieldRow>,
    signing_on: bool,
    /// What an item is matched on (`--unsigned-field-match`): `name` (its `label` when it has
    /// none) or `label`; the page says which, as that is what a listed entry must equal.
    matches_on_label: bool,
    error: Option<Problem>,
    /// Why the label typed may be a mistake: shown, with "Add anyway", before adding it.
    doubts: Vec<Warning>,
    label: String,
}

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    error: Option<Problem>,
    label: String,
) -> Result<HttpResponse, Refusal> {
    page_with_doubts(request, state, status, error, Vec::new(), label).await
}

async fn page_with_doubts(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    error: Option<Problem>,
    doubts: Vec<Warning>,
    label: String,
) -> Result<HttpResponse, Refusal> {
    let fields = management::list_unsigned_fields(&state.core)
        .await?
        .into_iter()
        .map(|f| FieldRow {
            label: f.label,
            created_at: Moment::at(f.created_at),
        })
        .collect();
    let signing_on = state.core.cache.current().keys.has_active();
    let matches_on_label =
        state.core.settings.unsigned_field_match == crate::domain::ItemMember::Label;
    render_page(request, state, Page::UnsignedFields, status, |layout| {
        UnsignedFieldsPage {
            layout,
            fields,
            signing_on,
            matches_on_label,
            error,
            doubts,
            label,
        }
    })
}

/// `?label=`: the form filled in, as the playground's "Allow coupon unsigned…" links it.
#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    label: String,
}

pub async fn show(
    request: HttpRequest,
    query: Query<ShowQuery>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    page(
        &request,
        &state,
        StatusCode::OK,
        None,
        query.into_inner().label,
    )
    .await
}

#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    label: String,
    /// The label the person confirmed after seeing its doubts ("Add anyway"). Only that exact
    /// label skips the question: one edited since is asked about again.
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn add(
    request: HttpRequest,
    form: Form<LabelForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let LabelForm { label, confirm } = form.into_inner();
    if confirm.as_deref() != Some(label.as_str()) {
        match management::unsigned_field_doubts(&state.core, &label) {
            Ok(doubts) if !doubts.is_empty() => {
                return page_with_doubts(&request, &state, StatusCode::OK, None, doubts, label)
                    .await;
            }
            // No doubt, or refused: adding below says which, as it always did.
            Ok(_) | Err(AppError::Rejected(_)) => {}
            Err(AppError::Internal(error)) => return Err(Refusal::Internal(error)),
        }
    }
    let add = management::add_unsigned_field(&state.core, &label);
    let done = |(field, _): (StoredField, Vec<Warning>)| {
        Redirect::with_flash(
            "/unsigned-fields",
            format!("{:?} may now pass unsigned.", field.label),
        )
    };
    // Refused: the page again, with the label as typed so it can be corrected.
    let refused = async |problem| {
        page(
            &request,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(problem),
            label.clone(),
        )
        .await
    };
    submit_form(&request, &state, add, done, refused).await
}

pub async fn remove(
    request: HttpRequest,
    form: Form<LabelForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let LabelForm { label, .. } = form.into_inner();
    let remove = management::remove_unsigned_field(&state.core, &label);
    let done = |()| {
        let message = format!("{label:?} removed; it is dropped when sent unsigned.");
        // Undo adds it back as it was, without asking about it again.
        let undo = Undo {
            action: "/unsigned-fields".to_owned(),
            button: format!("Undo: allow {label:?} again"),
            fields: vec![
                ("label".to_owned(), label.clone()),
                ("confirm".to_owned(), label.clone()),
            ],
        };
        Redirect::with_undo("/unsigned-fields", message, undo)
    };
    let refused = async |problem| {
        page(
            &request,
            &state,
            StatusCode::NOT_FOUND,
            Some(problem),
            String::new(),
        )
        .await
    };
    submit_form(&request, &state, remove, done, refused).await
}
