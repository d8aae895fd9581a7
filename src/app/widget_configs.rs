//! Chat widget configs, for the management API, the portal and (next) the widget loader: one
//! implementation of "add a config", "take a queue offline", … for every front end.

use uuid::Uuid;

use super::{AppError, Core};
use crate::domain::WidgetConfig;
use crate::domain::problem::{Code, Problem};
use crate::domain::widget_config::{Presence, WidgetConfigParts};
use crate::encoding::timestamp::now_millis;
use crate::storage::{widget_configs, write_transaction};

/// Every config, the built-in default first.
pub async fn list(core: &Core) -> Result<Vec<WidgetConfig>, AppError> {
    Ok(widget_configs::list(&core.pool).await?)
}

/// The config with the UUID in a URL, or `widget_config_not_found`.
pub async fn get(core: &Core, raw_uuid: &str) -> Result<WidgetConfig, AppError> {
    let uuid = parse_uuid(raw_uuid)?;
    widget_configs::get(&core.pool, uuid)
        .await?
        .ok_or_else(|| not_found(raw_uuid).into())
}

/// Stores a config under `uuid` (a new one when `None`), replacing any config with that UUID;
/// the config, and whether it was new.
pub async fn put(
    core: &Core,
    uuid: Option<Uuid>,
    mut parts: WidgetConfigParts,
) -> Result<(WidgetConfig, bool), AppError> {
    let uuid = uuid.unwrap_or_else(Uuid::new_v4);
    // A config read from a view comes back with its fulfilment headers masked: those keep the
    // values stored.
    if let Some(stored) = widget_configs::get(&core.pool, uuid).await? {
        parts.unmask_from(stored.parts());
    }
    let config = WidgetConfig::new(uuid, parts)?;
    let created = write_transaction(&core.pool, async |tx| {
        widget_configs::put(tx, &config, now_millis()).await
    })
    .await?;
    Ok((config, created))
}

/// Deletes a config; the built-in default cannot be (pages naming unknown configs get it).
pub async fn delete(core: &Core, raw_uuid: &str) -> Result<(), AppError> {
    let uuid = parse_uuid(raw_uuid)?;
    if uuid == WidgetConfig::DEFAULT_UUID {
        return Err(Problem::new(
            Code::DefaultWidgetConfig,
            "The built-in default widget config cannot be deleted.",
            "Edit it instead (rename it, change its queues and actions): pages that name a \
             config the emulator does not know are given it.",
        )
        .into());
    }
    if widget_configs::delete(&core.pool, uuid).await? {
        Ok(())
    } else {
        Err(not_found(raw_uuid).into())
    }
}

/// Sets one queue's presence, as a test takes a queue offline; the config as changed.
pub async fn set_presence(
    core: &Core,
    raw_uuid: &str,
    raw_queue: &str,
    status: Presence,
) -> Result<WidgetConfig, AppError> {
    let config = get(core, raw_uuid).await?;
    let queue = Uuid::try_parse(raw_queue).map_err(|_| queue_not_found(raw_queue))?;
    let changed = config
        .with_presence(queue, status)
        .ok_or_else(|| queue_not_found(raw_queue))?;
    write_transaction(&core.pool, async |tx| {
        widget_configs::put(tx, &changed, now_millis()).await
    })
    .await?;
    Ok(changed)
}

fn parse_uuid(raw: &str) -> Result<Uuid, Problem> {
    Uuid::try_parse(raw).map_err(|_| not_found(raw))
}

fn not_found(raw: &str) -> Problem {
    Problem::new(
        Code::WidgetConfigNotFound,
        format!("No widget config with UUID {raw:?}."),
        "List them with GET /api/v1/widget-configs (the portal's Widget configs page).",
    )
}

fn queue_not_found(raw: &str) -> Problem {
    Problem::new(
        Code::QueueNotFound,
        format!("This widget config has no queue with UUID {raw:?}."),
        "Use one of the config's queues' UUIDs (GET /api/v1/widget-configs/{uuid}).",
    )
}
