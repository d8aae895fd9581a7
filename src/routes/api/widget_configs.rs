//! `/api/v1/widget-configs`: the chat widget configs a page's loader URL names (its actions,
//! its queues and their presence, its pre-chat fields), as the portal's Widget configs page
//! keeps them. A test takes a queue offline with one call.

use actix_web::web::{Data, Path, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::widget_configs;
use crate::domain::WidgetConfig;
use crate::domain::widget_config::{Action, NewWidgetConfig, PreChatField, Presence, Queue};
use crate::routes::kit::body;
use crate::routes::kit::refusal::{ErrorBody, Refusal};
use crate::routes::kit::state::WebState;

/// A chat widget config.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WidgetConfig)]
pub struct ConfigView<'a> {
    #[schema(format = Uuid)]
    uuid: Uuid,
    name: &'a str,
    /// Whether this is the built-in default: what a page naming an unknown config gets.
    default: bool,
    queues: &'a [Queue],
    /// What `talkativeApi.actions.triggerAction(reference)` runs (fulfilment actions' header
    /// values masked).
    actions: Vec<Action>,
    /// Pre-chat fields: interaction data whose `name` matches pre-fills them.
    fields: &'a [PreChatField],
}

impl<'a> From<&'a WidgetConfig> for ConfigView<'a> {
    fn from(config: &'a WidgetConfig) -> Self {
        Self {
            uuid: config.uuid(),
            name: config.name(),
            default: config.uuid() == WidgetConfig::DEFAULT_UUID,
            queues: config.queues(),
            actions: config.parts().masked().actions,
            fields: config.fields(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WidgetConfigList)]
pub struct ConfigList<'a> {
    widget_configs: Vec<ConfigView<'a>>,
}

/// A queue's new presence.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueStatus {
    status: Presence,
}

#[utoipa::path(
    get,
    path = "/api/v1/widget-configs",
    operation_id = "listWidgetConfigs",
    tag = "Widget configs",
    responses((status = 200, description = "Every config, the built-in default first.", body = ConfigList))
)]
pub async fn list(state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let configs = widget_configs::list(&state.core).await?;
    Ok(HttpResponse::Ok().json(ConfigList {
        widget_configs: configs.iter().map(ConfigView::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/widget-configs/{uuid}",
    operation_id = "getWidgetConfig",
    tag = "Widget configs",
    params(("uuid" = String, Path, description = "The config's UUID (the one in the loader URL).")),
    responses(
        (status = 200, description = "The config.", body = ConfigView),
        (status = 404, description = "`widget_config_not_found`.", body = ErrorBody),
    )
)]
pub async fn get(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    let config = widget_configs::get(&state.core, &path).await?;
    Ok(HttpResponse::Ok().json(ConfigView::from(&config)))
}

#[utoipa::path(
    post,
    path = "/api/v1/widget-configs",
    operation_id = "addWidgetConfig",
    tag = "Widget configs",
    request_body = NewWidgetConfig,
    responses(
        (status = 201, description = "Stored (a config with that UUID is replaced).", body = ConfigView,
            headers(("Location" = String, description = "The config's URL."))),
        (status = 400, description = "`invalid_request`: not the object above.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
        (status = 422, description = "`invalid_widget_config`.", body = ErrorBody),
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: NewWidgetConfig =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let (uuid, parts) = new.into_parts();
    let (config, _) = widget_configs::put(&state.core, uuid, parts).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/widget-configs/{}", config.uuid()),
        ))
        .json(ConfigView::from(&config)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/widget-configs/{uuid}",
    operation_id = "deleteWidgetConfig",
    tag = "Widget configs",
    params(("uuid" = String, Path, description = "The config's UUID.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "`widget_config_not_found`.", body = ErrorBody),
        (status = 409, description = "`default_widget_config`: the built-in default stays.", body = ErrorBody),
    )
)]
pub async fn delete(path: Path<String>, state: Data<WebState>) -> Result<HttpResponse, Refusal> {
    widget_configs::delete(&state.core, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    put,
    path = "/api/v1/widget-configs/{uuid}/queues/{queue}/status",
    operation_id = "setQueueStatus",
    tag = "Widget configs",
    params(
        ("uuid" = String, Path, description = "The config's UUID."),
        ("queue" = String, Path, description = "One of its queues' UUIDs."),
    ),
    request_body = QueueStatus,
    responses(
        (status = 200, description = "The config as changed: pages loading it from now on see \
            the queue's new presence.", body = ConfigView),
        (status = 400, description = "`invalid_request`: not `{\"status\": …}` with a known status.", body = ErrorBody),
        (status = 404, description = "`widget_config_not_found` or `queue_not_found`.", body = ErrorBody),
        (status = 413, description = "`payload_too_large`.", body = ErrorBody),
    )
)]
pub async fn set_queue_status(
    request: HttpRequest,
    path: Path<(String, String)>,
    payload: Payload,
    state: Data<WebState>,
) -> Result<HttpResponse, Refusal> {
    let new: QueueStatus =
        body::read(&request, payload, state.core.settings.max_body_bytes).await?;
    let (config, queue) = path.into_inner();
    let changed = widget_configs::set_presence(&state.core, &config, &queue, new.status).await?;
    Ok(HttpResponse::Ok().json(ConfigView::from(&changed)))
}
