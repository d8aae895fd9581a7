//! Interactions that last (engagements, `domain::engagement`): started by a page's API action,
//! given data over time, ended and completed by the agent's side. Every arrival of data is
//! verified exactly as `POST /api/v1/verify` verifies (and recorded in the verification log),
//! against what the engagement already has signed, and what its verdict accepted is added to
//! what the agent sees.

use std::collections::HashSet;

use bytestring::ByteString;
use uuid::Uuid;

use super::verification::{Outcome, Submission, verify_and_record};
use super::{AppError, Core};
use crate::domain::engagement::{AgentItem, EngagementState, Provenance, agent_view};
use crate::domain::problem::{Code, Problem, Warning};
use crate::domain::widget_config::ActionKind;
use crate::domain::{InteractionItem, WidgetConfig};
use crate::storage::engagements::{self, Arrival, NewEngagement, StoredEngagement};
use crate::storage::interactions::Source;
use crate::storage::{now_millis, widget_configs, write_transaction};
use crate::verdict::{AcceptedSource, Verdict};

/// The config a page named, and whether the emulator knows it: an unknown UUID gets the
/// built-in default (or `unknown_widget_config` with `--strict-widget-configs`).
pub async fn config_for_page(core: &Core, uuid: Uuid) -> Result<(WidgetConfig, bool), AppError> {
    if let Some(config) = widget_configs::get(&core.pool, uuid).await? {
        return Ok((config, true));
    }
    if core.settings.strict_widget_configs {
        return Err(Problem::new(
            Code::UnknownWidgetConfig,
            format!("The emulator has no widget config {uuid}."),
            "Add it (POST /api/v1/widget-configs with this uuid, the config file's \
             [[widget_configs]], or the Widget configs page), or start the emulator without \
             --strict-widget-configs to give unknown configs the default one.",
        )
        .into());
    }
    tracing::warn!(config = %uuid, "a page named an unknown widget config; it gets the default");
    let default = widget_configs::get(&core.pool, WidgetConfig::DEFAULT_UUID)
        .await?
        .unwrap_or_else(WidgetConfig::default_config);
    Ok((default, false))
}

/// What a page's start carries.
pub struct Start<'a> {
    pub config: Uuid,
    /// The API action's reference (`triggerAction`), or `None` for `startChat`/`startVideo`,
    /// which start on the config's first action of `kind`.
    pub action: Option<&'a str>,
    pub kind: ActionKind,
    /// The loader's `path`: the page it started on.
    pub start_url: Option<&'a str>,
    pub data: Arriving<'a>,
}

/// Data arriving for an engagement: at its start, or added while it is under way.
pub struct Arriving<'a> {
    pub token: Option<&'a str>,
    pub unsigned: Vec<InteractionItem>,
    pub warnings: Vec<Warning>,
    /// The request as received, for the verification log.
    pub request: ByteString,
    /// Who sent it, for the log: the widget, or the widget on the portal's demo page.
    pub source: Source,
}

/// Starts an engagement: refused when the action is unknown or its queue offline (nothing is
/// started, as on Talkative); else its start data is verified and the agent given what passed.
pub async fn start(
    core: &Core,
    mut start: Start<'_>,
) -> Result<(StoredEngagement, Outcome), AppError> {
    let (config, known) = config_for_page(core, start.config).await?;
    if !known {
        // Said in the verdict too, so a test reading the log learns its config was not used.
        start.data.warnings.push(Warning::new(
            Code::WidgetConfigDefaulted,
            format!(
                "The page named widget config {}, which the emulator does not have: this \
                 interaction started on its default config {:?}. Add the config (the Widget \
                 configs page, POST /api/v1/widget-configs with this uuid, or \
                 [[widget_configs]] in the config file) to test its own actions and queues.",
                start.config,
                config.name()
            ),
        ));
    }
    let (action, queue) = match start.action {
        Some(reference) => config.action(reference).ok_or_else(|| {
            Problem::new(
                Code::UnknownAction,
                format!(
                    "The widget config {:?} has no API action {reference:?}.",
                    config.name()
                ),
                format!(
                    "Trigger one of its actions ({}), or add this one to the config.",
                    config
                        .actions()
                        .iter()
                        .map(|a| format!("{:?}", a.reference))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
        None => config
            .actions()
            .iter()
            .find(|a| a.kind == start.kind)
            .and_then(|a| config.action(&a.reference))
            .ok_or_else(|| {
                Problem::new(
                    Code::UnknownAction,
                    format!(
                        "The widget config {:?} has no action that starts a {}.",
                        config.name(),
                        start.kind.channel()
                    ),
                    "Add a start_chat or start_video action to the config.",
                )
            })?,
    };
    if !queue.status.is_online() {
        return Err(Problem::new(
            Code::QueueOffline,
            format!(
                "The queue {:?} of action {:?} is {}: no interaction starts.",
                queue.name,
                action.reference,
                queue.status.as_str()
            ),
            "The page gets presenceFail. Set the queue ONLINE (PUT \
             /api/v1/widget-configs/{uuid}/queues/{queue}/status, or the Widget configs page).",
        )
        .into());
    }
    // Named before its start data is verified, so the log can say whose arrival that was.
    let uuid = Uuid::new_v4();
    let outcome = verify_and_record(
        core,
        Submission {
            token: start.data.token,
            unsigned: start.data.unsigned,
            warnings: start.data.warnings,
            signed_before: None,
            engagement: Some(uuid),
            from_backend: false,
            trial_keys: None,
        },
        start.data.request,
        start.data.source,
    )
    .await?;
    let new = NewEngagement {
        uuid,
        config_uuid: config.uuid(),
        action: &action.reference,
        channel: action.kind.channel(),
        queue_uuid: Some(queue.uuid),
        start_url: start.start_url,
        started_at: now_millis(),
    };
    let given = given_items(&outcome.verdict);
    let id = write_transaction(&core.pool, async |tx| {
        let id = engagements::insert(tx, &new).await?;
        engagements::add_arrival(tx, id, "start", outcome.verdict.id, new.started_at, &given)
            .await?;
        Ok::<_, sqlx::Error>(id)
    })
    .await?;
    let engagement = found(engagements::get(&core.pool, new.uuid).await?, new.uuid)
        .map_err(|_| anyhow::anyhow!("engagement {id} vanished after insert"))?;
    Ok((engagement, outcome))
}

/// Data added to an engagement: the engagement after it, the verdict, and the arrival's number.
pub struct Appended {
    pub engagement: StoredEngagement,
    pub outcome: Outcome,
    pub arrival: i64,
}

/// Adds data to an active engagement, verified against what it already has signed: from the
/// page (`appendInteractionData`), or from the customer's backend through the Core API (source
/// [`Source::CoreApi`]: authenticated, so the Unsigned fields page does not apply).
pub async fn append(core: &Core, uuid: Uuid, data: Arriving<'_>) -> Result<Appended, AppError> {
    let engagement = found(engagements::get(&core.pool, uuid).await?, uuid)?;
    if !engagement.state.accepts_data() {
        return Err(finalised(engagement.state).into());
    }
    let mut connection = core.pool.acquire().await?;
    let signed_before: HashSet<String> = engagements::items(&mut connection, engagement.id)
        .await?
        .into_iter()
        .filter(|item| item.provenance.is_signed())
        .map(|item| item.key().to_owned())
        .collect();
    drop(connection);
    let outcome = verify_and_record(
        core,
        Submission {
            token: data.token,
            unsigned: data.unsigned,
            warnings: data.warnings,
            signed_before: Some(&signed_before),
            engagement: Some(uuid),
            from_backend: data.source == Source::CoreApi,
            trial_keys: None,
        },
        data.request,
        data.source,
    )
    .await?;
    let given = given_items(&outcome.verdict);
    let now = now_millis();
    let kind = match data.source {
        Source::CoreApi => "core_api",
        _ => "append",
    };
    let arrival = write_transaction(&core.pool, async |tx| {
        // Still open, checked under the write lock: an agent may have ended it while this data
        // was being verified, and an ended interaction takes no more.
        if let Some(state) = engagements::touch_if_open(tx, engagement.id, now).await? {
            return Err(AppError::from(finalised(state)));
        }
        Ok(
            engagements::add_arrival(tx, engagement.id, kind, outcome.verdict.id, now, &given)
                .await?,
        )
    })
    .await?;
    let engagement = found(engagements::get(&core.pool, uuid).await?, uuid)?;
    Ok(Appended {
        engagement,
        outcome,
        arrival,
    })
}

fn finalised(state: EngagementState) -> Problem {
    Problem::new(
        Code::InteractionFinalised,
        format!(
            "This interaction is {}: it takes no more data.",
            state.as_str()
        ),
        "Only an interaction that has not ended accepts data, as on Talkative. Start a new one.",
    )
}

/// An engagement, what its agent sees (each key's latest value) and its arrivals.
pub struct Detail {
    pub engagement: StoredEngagement,
    pub agent_view: Vec<AgentItem>,
    pub items: Vec<AgentItem>,
    pub arrivals: Vec<Arrival>,
}

pub async fn get(core: &Core, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    found(engagements::get(&core.pool, uuid).await?, uuid)
}

pub async fn detail(core: &Core, uuid: Uuid) -> Result<Detail, AppError> {
    detail_of(core, get(core, uuid).await?).await
}

/// An engagement by its numeric id (the Core API's), or `interaction_not_found`.
pub async fn get_by_id(core: &Core, id: i64) -> Result<StoredEngagement, AppError> {
    engagements::get_by_id(&core.pool, id)
        .await?
        .ok_or_else(|| {
            Problem::new(
                Code::InteractionNotFound,
                format!("No interaction with id {id}."),
                "Use the numeric `id` GET /api/core/v1/interactions lists (filter[uuid]=… finds \
             one by the UUID the widget gave the page).",
            )
            .into()
        })
}

/// One page of engagements and how many there are in all.
pub async fn page(
    core: &Core,
    offset: u64,
    limit: u32,
    newest_first: bool,
    uuid: Option<Uuid>,
) -> Result<(Vec<StoredEngagement>, u64), AppError> {
    Ok(engagements::page(&core.pool, offset, limit, newest_first, uuid).await?)
}

pub async fn detail_of(core: &Core, engagement: StoredEngagement) -> Result<Detail, AppError> {
    let mut connection = core.pool.acquire().await?;
    let items = engagements::items(&mut connection, engagement.id).await?;
    drop(connection);
    let arrivals = engagements::arrivals(&core.pool, engagement.id).await?;
    Ok(Detail {
        agent_view: agent_view(&items),
        engagement,
        items,
        arrivals,
    })
}

/// Which engagement a verification was an arrival of, if any.
pub struct ArrivalOf {
    pub engagement: Uuid,
    pub id: i64,
    pub arrival: i64,
}

pub async fn arrival_of(core: &Core, verification: Uuid) -> Result<Option<ArrivalOf>, AppError> {
    Ok(engagements::arrival_of(&core.pool, verification)
        .await?
        .map(|(engagement, id, arrival)| ArrivalOf {
            engagement,
            id,
            arrival,
        }))
}

/// The newest engagements first.
pub async fn list(core: &Core, limit: u32) -> Result<Vec<StoredEngagement>, AppError> {
    Ok(engagements::list(&core.pool, limit).await?)
}

/// The agent ends it: the page gets `exitInteraction`, then the feedback step.
pub async fn end(core: &Core, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    transition(core, uuid, EngagementState::end).await
}

/// The feedback step is done: the page gets `completeInteraction`, then `enterStandby`.
pub async fn complete(core: &Core, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    transition(core, uuid, EngagementState::complete).await
}

async fn transition(
    core: &Core,
    uuid: Uuid,
    next: fn(EngagementState) -> Result<EngagementState, Problem>,
) -> Result<StoredEngagement, AppError> {
    loop {
        let engagement = get(core, uuid).await?;
        let state = next(engagement.state)?;
        // Only from the state just read: of two agents ending it at once, one is told it has
        // ended already (the next turn of the loop reads the state the other left).
        if engagements::set_state(
            &core.pool,
            engagement.id,
            engagement.state,
            state,
            now_millis(),
        )
        .await?
        {
            return get(core, uuid).await;
        }
    }
}

/// The engagement a URL names: a UUID, or `interaction_not_found`.
pub fn parse_uuid(raw: &str) -> Result<Uuid, Problem> {
    Uuid::try_parse(raw).map_err(|_| {
        Problem::new(
            Code::InteractionNotFound,
            format!("No interaction with UUID {raw:?}."),
            "Use the uuid its start answered with.",
        )
    })
}

/// What an arrival's verdict gave the agent.
fn given_items(verdict: &Verdict) -> Vec<AgentItem> {
    verdict
        .accepted
        .iter()
        .map(|item| AgentItem {
            name: item.name.clone(),
            label: item.label.clone(),
            data: item.data.clone(),
            kind: item.kind.clone(),
            provenance: match item.source {
                AcceptedSource::Signed => Provenance::Signed,
                AcceptedSource::UnsignedAllowlisted => Provenance::Allowlisted,
                AcceptedSource::UnsignedNotEnforced => Provenance::Unsigned,
                AcceptedSource::ReportOnly => Provenance::ReportOnly,
                AcceptedSource::Server => Provenance::Server,
            },
            // Numbered by the store, in order.
            arrival: 0,
            position: 0,
        })
        .collect()
}

fn found(engagement: Option<StoredEngagement>, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    engagement.ok_or_else(|| {
        Problem::new(
            Code::InteractionNotFound,
            format!("No interaction with UUID {uuid}."),
            "Use the uuid its start answered with (the widget keeps it for the page).",
        )
        .into()
    })
}
