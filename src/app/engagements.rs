//! Interactions that last (engagements, `domain::engagement`): started by a page's API action,
//! given data over time, ended and completed by the agent's side. Every arrival of data is
//! verified exactly as `POST /api/v1/verify` verifies (and recorded in the verification log),
//! against what the engagement already has signed, and what its verdict accepted is added to
//! what the agent sees.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::core_document::Base;
use super::outbox;
use super::verification::{Judged, Outcome, Sender, Submission, judge};
use super::{AppError, Core};
use crate::domain::engagement::{
    AgentItem, ArrivalKind, EngagementState, Provenance, check_path, not_found, takes_no_data,
};
use crate::domain::problem::{Code, Problem, Warning};
use crate::domain::source::Source;
use crate::domain::widget_config::ActionKind;
use crate::domain::{InteractionItem, WidgetConfig};
use crate::encoding::timestamp::now_millis;
use crate::storage::batch::{Entry, Written};
use crate::storage::engagements::{
    self, Arrival, Given, NewEngagement, StoredEngagement, ViewItem,
};
use crate::storage::widget_configs;
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
    /// Who sent it, for the log: the request as received, the widget (or the widget on the
    /// portal's demo page) or the Core API, and the site whose share of the budget it counts
    /// against.
    pub sender: Sender,
}

/// Starts an engagement: refused when the action is unknown or its queue offline (nothing is
/// started, as on Talkative); else its start data is verified and the agent given what passed,
/// the engagement and its start's verification written in one transaction before this returns.
pub async fn start(
    core: &Core,
    mut start: Start<'_>,
) -> Result<(StoredEngagement, Outcome), AppError> {
    if let Some(path) = start.start_url {
        check_path(path)?;
    }
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
                        start.kind.title()
                    ),
                    "Add a start_chat or start_video action to the config.",
                )
            })?,
    };
    let Some(channel) = action.kind.channel() else {
        return Err(Problem::new(
            Code::UnknownAction,
            format!(
                "The action {:?} is a chatbot fulfilment: it runs during an interaction and                  starts none.",
                action.reference
            ),
            "Start the interaction with a start_chat or start_video action, then trigger the              fulfilment action while it is under way (triggerAction on the page, or POST              /api/v1/engagements/{uuid}/fulfilment).",
        )
        .into());
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
    let site = start.data.sender.site.clone();
    let Judged { outcome, record } = judge(
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
        start.data.sender,
    )?;
    let entry = Entry::Start {
        engagement: Box::new(NewEngagement {
            uuid,
            config_uuid: config.uuid(),
            action: action.reference.clone(),
            channel,
            queue_uuid: Some(queue.uuid),
            start_url: start.start_url.map(str::to_owned),
            started_at: record.received_at,
            site,
        }),
        given: given_items(&outcome.verdict),
        verification: record,
    };
    match core.recorder.commit(entry).await? {
        Written::Started { .. } => {}
        Written::Refused(problem) => return Err(problem.into()),
        other => return Err(unexpected(&other)),
    }
    let engagement = engagements::get(&core.pool, uuid)
        .await?
        .ok_or_else(|| anyhow::anyhow!("engagement {uuid} vanished after it was written"))?;
    Ok((engagement, outcome))
}

/// Data added to an engagement: the engagement after it, the verdict, the arrival's number, and
/// what each item it gave the agent did.
pub struct Appended {
    pub engagement: StoredEngagement,
    pub outcome: Outcome,
    pub arrival: i64,
    pub given: Vec<Given>,
}

/// Adds data to an active engagement, verified against what it already has signed: from the
/// page (`appendInteractionData`), or from the customer's backend through the Core API (source
/// [`Source::CoreApi`]: authenticated, so the Unsigned fields page does not apply). Its cost
/// does not grow with what the engagement holds: a lookup per item it brings, and a full
/// engagement refuses it (`interaction_full`) before it is verified.
pub async fn append(core: &Core, uuid: Uuid, data: Arriving<'_>) -> Result<Appended, AppError> {
    let engagement = get(core, uuid).await?;
    if !engagement.state.accepts_data() {
        return Err(takes_no_data(engagement.state).into());
    }
    // The request alone is less than the arrival will hold: a full engagement says so before
    // anything is verified; the write checks the arrival's whole size again.
    engagement
        .held
        .check_room(0, data.sender.request.len() as u64)?;
    let keys: Vec<&str> = data.unsigned.iter().map(InteractionItem::key).collect();
    let signed_before: HashSet<String> =
        engagements::signed_keys(&core.pool, engagement.id, &keys).await?;
    let kind = match data.sender.source {
        Source::CoreApi => ArrivalKind::CoreApi,
        Source::Fulfilment => ArrivalKind::Fulfilment,
        _ => ArrivalKind::Append,
    };
    let from_backend = matches!(kind, ArrivalKind::CoreApi | ArrivalKind::Fulfilment);
    let Judged { outcome, record } = judge(
        core,
        Submission {
            token: data.token,
            unsigned: data.unsigned,
            warnings: data.warnings,
            signed_before: Some(&signed_before),
            engagement: Some(uuid),
            from_backend,
            trial_keys: None,
        },
        data.sender,
    )?;
    let mut given = given_items(&outcome.verdict);
    if kind == ArrivalKind::Fulfilment {
        // Server data with its own provenance: the agent view and the Core API say where it
        // came from.
        for item in &mut given {
            if item.provenance == Provenance::Server {
                item.provenance = Provenance::Fulfilment;
            }
        }
    }
    let entry = Entry::Arrival {
        given,
        verification: record,
        engagement_id: engagement.id,
        engagement_uuid: uuid,
        kind,
    };
    let (arrival, given) = match core.recorder.commit(entry).await? {
        Written::Arrived { arrival, given } => (arrival, given),
        Written::Refused(problem) => return Err(problem.into()),
        other => return Err(unexpected(&other)),
    };
    let engagement = get(core, uuid).await?;
    Ok(Appended {
        engagement,
        outcome,
        arrival,
        given,
    })
}

fn unexpected(written: &Written) -> AppError {
    anyhow::anyhow!("the log's writer answered {written:?} for an engagement's entry").into()
}

/// An engagement, what its agent sees (each key's latest value, with how it arrived), and one
/// page of its arrivals with the items each gave.
pub struct Detail {
    pub engagement: StoredEngagement,
    pub agent_view: Vec<ViewItem>,
    pub arrivals: Vec<Arrival>,
    /// The items the arrivals on this page gave the agent, in order.
    pub items: Vec<AgentItem>,
    /// The last arrival on this page, when more follow it.
    pub more_after: Option<i64>,
}

/// Arrivals a page of an engagement shows unless asked for fewer.
pub const ARRIVALS_PER_PAGE: u32 = 100;

pub async fn get(core: &Core, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    engagements::get(&core.pool, uuid)
        .await?
        .ok_or_else(|| not_found(uuid).into())
}

/// An engagement and its arrivals after `after` (from the first when `None`), `limit` of them.
pub async fn detail(
    core: &Core,
    uuid: Uuid,
    after: Option<i64>,
    limit: u32,
) -> Result<Detail, AppError> {
    detail_of(core, get(core, uuid).await?, after, limit).await
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

pub async fn detail_of(
    core: &Core,
    engagement: StoredEngagement,
    after: Option<i64>,
    limit: u32,
) -> Result<Detail, AppError> {
    let agent_view = engagements::agent_view(&core.pool, engagement.id).await?;
    let (arrivals, more) = engagements::arrivals(&core.pool, engagement.id, after, limit).await?;
    let items = match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) => {
            engagements::items_of_arrivals(&core.pool, engagement.id, first.arrival, last.arrival)
                .await?
        }
        _ => Vec::new(),
    };
    let more_after = more.then(|| arrivals.last().map(|a| a.arrival)).flatten();
    Ok(Detail {
        engagement,
        agent_view,
        arrivals,
        items,
        more_after,
    })
}

/// What the agent of engagement `id` sees.
pub async fn agent_view(core: &Core, id: i64) -> Result<Vec<ViewItem>, AppError> {
    Ok(engagements::agent_view(&core.pool, id).await?)
}

/// What the agents of `ids` see, in one read (a list page with its data included).
pub async fn agent_views(
    core: &Core,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ViewItem>>, AppError> {
    Ok(engagements::agent_views(&core.pool, ids).await?)
}

/// Which engagement a verification was an arrival of, if any.
pub struct ArrivalOf {
    pub engagement: Uuid,
    pub id: i64,
    pub arrival: i64,
    /// The start, the page's append, or the backend's write: which endpoint replays it.
    pub kind: ArrivalKind,
}

pub async fn arrival_of(core: &Core, verification: Uuid) -> Result<Option<ArrivalOf>, AppError> {
    Ok(engagements::arrival_of(&core.pool, verification)
        .await?
        .map(|(engagement, id, arrival, kind)| ArrivalOf {
            engagement,
            id,
            arrival,
            kind,
        }))
}

/// At most `limit` engagements older than `before` (an id), newest first, whether older ones
/// remain, and how many there are (and are newer than the first shown).
pub async fn list(
    core: &Core,
    before: Option<i64>,
    limit: u32,
) -> Result<(Vec<StoredEngagement>, bool, u64, u64), AppError> {
    let (rows, more) = engagements::list(&core.pool, before, limit).await?;
    let (total, newer) = engagements::count_around(&core.pool, rows.first().map(|e| e.id)).await?;
    Ok((rows, more, total, newer))
}

/// The agent ends it: the page gets `exitInteraction`, then the feedback step.
pub async fn end(core: &Core, uuid: Uuid) -> Result<StoredEngagement, AppError> {
    transition(core, uuid, EngagementState::end).await
}

/// The feedback step is done: the page gets `completeInteraction`, then `enterStandby`. The
/// webhooks whose send condition it meets ("Completed and Wrapped") get a delivery each, written
/// in the same transaction (`app/outbox.rs`), their bodies the Core API's document with links on
/// `origin` (the origin the completing client reached the emulator at).
pub async fn complete(core: &Core, uuid: Uuid, origin: &str) -> Result<StoredEngagement, AppError> {
    let base = Base::on(origin);
    loop {
        let engagement = get(core, uuid).await?;
        let state = engagement.state.complete()?;
        let (from, id) = (engagement.state, engagement.id);
        let written = core
            .recorder
            .write_with_ledger(async |tx, ledger, retention| {
                if !engagements::set_state(&mut *tx, id, from, state, now_millis()).await? {
                    return Ok(None);
                }
                outbox::enqueue_completion(tx, ledger, retention, id, &base)
                    .await
                    .map(Some)
            })
            .await?;
        // Of two completing it at once, one is told it has completed already (the next turn
        // reads the state the other left).
        let Some(deliveries) = written else { continue };
        if deliveries > 0 {
            core.outbox.wake();
        }
        return get(core, uuid).await;
    }
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
