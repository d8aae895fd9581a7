//! The Widget configs page: each config a page's loader URL can name, with its loader line,
//! its queues' presence (changeable here, as a test takes a queue offline), its API actions
//! and pre-chat fields; a config is added or replaced as JSON, and deleted after a look at it.

use actix_web::http::StatusCode;
use actix_web::web::{Data, Form, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Layout, Redirect, Refusal, render_page, submit_form};
use crate::app::{AppError, widget_configs};
use crate::domain::WidgetConfig;
use crate::domain::problem::Problem;
use crate::domain::widget_config::NewWidgetConfig;
use crate::domain::widget_config::Presence;
use crate::routes::kit::body;
use crate::routes::kit::layout::Page;
use crate::routes::kit::served_origin::ServedOrigin;
use crate::routes::kit::state::WebState;

pub struct ConfigCard {
    pub config: WidgetConfig,
    pub default: bool,
    /// The line a page imports the widget with, for this emulator.
    pub loader: String,
}

impl ConfigCard {
    /// The name of the queue an action starts on (a config's actions name only its queues).
    pub fn queue_name(&self, uuid: &uuid::Uuid) -> &str {
        (self.config.queues().iter())
            .find(|q| q.uuid == *uuid)
            .map_or("", |q| q.name.as_str())
    }
}

#[derive(Template)]
#[template(path = "widget_configs.html")]
struct WidgetConfigsPage {
    layout: Layout,
    cards: Vec<ConfigCard>,
    statuses: [Presence; 5],
    strict: bool,
    /// The JSON in the add/replace form: what was typed, a config being edited, or an example.
    json: String,
    editing: Option<String>,
    error: Option<Problem>,
}

/// What a page writes to load the widget for `uuid` from this emulator, as Talkative's
/// examples write it for theirs.
fn loader_line(request: &HttpRequest, uuid: uuid::Uuid) -> String {
    format!(
        "import(`{}/api/ecs/v1/loader/{uuid}.js?path=${{encodeURIComponent(location.origin + location.pathname)}}&selectedVersion=${{(new URLSearchParams(location.search)).get('ecsSelectedVersion') || ''}}`)",
        ServedOrigin::of(request).url()
    )
}

/// A config as the form (and `POST /api/v1/widget-configs`) takes it.
fn as_json(config: &WidgetConfig) -> String {
    let parts = config.parts().masked();
    let value = serde_json::json!({
        "uuid": config.uuid(),
        "name": parts.name,
        "queues": parts.queues,
        "actions": parts.actions,
        "fields": parts.fields,
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

const EXAMPLE: &str = r#"{
  "name": "Shop website",
  "queues": [
    { "uuid": "7d3c6a54-1f0e-4a8e-9a57-5a1b2c3d4e5f", "name": "Sales", "status": "ONLINE" }
  ],
  "actions": [
    { "reference": "start-chat", "kind": "start_chat", "queue": "7d3c6a54-1f0e-4a8e-9a57-5a1b2c3d4e5f" },
    { "reference": "start-video", "kind": "start_video", "queue": "7d3c6a54-1f0e-4a8e-9a57-5a1b2c3d4e5f" }
  ],
  "fields": [
    { "name": "email", "label": "Email address" }
  ]
}"#;

async fn page(
    request: &HttpRequest,
    state: &WebState,
    status: StatusCode,
    form: (String, Option<String>),
    error: Option<Problem>,
) -> Result<HttpResponse, Refusal> {
    let cards = widget_configs::list(&state.core)
        .await?
        .into_iter()
        .map(|config| ConfigCard {
            default: config.uuid() == WidgetConfig::DEFAULT_UUID,
            loader: loader_line(request, config.uuid()),
            config,
        })
        .collect();
    let (json, editing) = form;
    render_page(request, state, Page::WidgetConfigs, status, |layout| {
        WidgetConfigsPage {
            layout,
            cards,
            statuses: Presence::ALL,
            strict: state.core.settings.strict_widget_configs,
            json,
            editing,
            error,
        }
    })
}

#[derive(Deserialize)]
pub struct ShowParams {
    /// A config to edit: its JSON fills the form.
    edit: Option<String>,
}

pub async fn show(
    request: HttpRequest,
    params: Query<ShowParams>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let form = match &params.edit {
        Some(uuid) => {
            let config = widget_configs::get(&state.core, uuid).await?;
            (as_json(&config), Some(config.name().to_owned()))
        }
        None => (EXAMPLE.to_owned(), None),
    };
    page(&request, &state, StatusCode::OK, form, None).await
}

#[derive(Deserialize)]
pub struct ConfigForm {
    #[serde(default)]
    config: String,
}

pub async fn save(
    request: HttpRequest,
    form: Form<ConfigForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let json = form.into_inner().config;
    let save = async {
        let new: NewWidgetConfig = body::parse(json.as_bytes()).map_err(|error| match error {
            Refusal::Rejected(problem) => AppError::Rejected(problem),
            other => AppError::Internal(anyhow::anyhow!("{other}")),
        })?;
        let (uuid, parts) = new.into_parts();
        widget_configs::put(&state.core, uuid, parts).await
    };
    let done = |(config, created): (WidgetConfig, bool)| {
        let word = if created { "added" } else { "replaced" };
        Redirect::with_flash(
            format!("/widget-configs#config-{}", config.uuid()),
            format!("Widget config {:?} {word}.", config.name()),
        )
    };
    // Refused: the form again with the JSON as typed, and what is wrong with it.
    let refused = async |problem| {
        page(
            &request,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            (json.clone(), None),
            Some(problem),
        )
        .await
    };
    submit_form(&request, &state, save, done, refused).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn set_queue_status(
    request: HttpRequest,
    path: Path<(String, String)>,
    form: Form<StatusForm>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let (uuid, queue) = path.into_inner();
    let change = async {
        let status: Presence = form.status.parse()?;
        let config = widget_configs::set_presence(&state.core, &uuid, &queue, status).await?;
        Ok::<_, AppError>((config, status))
    };
    let done = |(config, status): (WidgetConfig, Presence)| {
        let name = config
            .queues()
            .iter()
            .find(|q| q.uuid.to_string() == queue)
            .map_or(queue.as_str(), |q| q.name.as_str());
        Redirect::with_flash(
            format!("/widget-configs#config-{}", config.uuid()),
            format!(
                "Queue {name:?} of {:?} is now {}.",
                config.name(),
                status.as_str()
            ),
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, change, done, refused).await
}

#[derive(Template)]
#[template(path = "widget_config_delete.html")]
struct ConfirmDeletePage {
    layout: Layout,
    config: WidgetConfig,
    json: String,
}

pub async fn confirm_delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let config = widget_configs::get(&state.core, &path).await?;
    let json = as_json(&config);
    render_page(
        &request,
        &state,
        Page::WidgetConfigs,
        StatusCode::OK,
        |layout| ConfirmDeletePage {
            layout,
            config,
            json,
        },
    )
}

pub async fn delete(
    request: HttpRequest,
    path: Path<String>,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let delete = async {
        let config = widget_configs::get(&state.core, &path).await?;
        widget_configs::delete(&state.core, &path).await?;
        Ok::<_, AppError>(config)
    };
    let strict = state.core.settings.strict_widget_configs;
    let done = |config: WidgetConfig| {
        let now = if strict {
            "fail to load the widget (--strict-widget-configs)"
        } else {
            "get the default config"
        };
        Redirect::with_flash(
            "/widget-configs",
            format!(
                "Widget config {:?} deleted: pages naming {} now {now}.",
                config.name(),
                config.uuid()
            ),
        )
    };
    let refused = async |problem| Err(AppError::Rejected(problem).into());
    submit_form(&request, &state, delete, done, refused).await
}
