//! Chatbot fulfilment, as Talkative's article describes it: at a chatbot node (here, a widget
//! config's action of kind `fulfilment`, triggered during an interaction) Talkative POSTs the
//! whole interaction as the Core API shows it to the action's URL with its headers, and stores
//! the answer's `[{"name", "data"}]` as interaction data. The call is logged as a delivery (one
//! attempt: a chat is waiting on it, so it is not retried); a wrong answer (not JSON, not that
//! shape, a name over 191 characters, data over 510, a status other than 2xx, no answer in time)
//! is logged with its code, and gives the agent nothing.

use uuid::Uuid;

use super::core_document::{Base, OneDocument};
use super::engagements::{self, Appended, Arriving};
use super::outbox;
use super::verification::Sender;
use super::{AppError, Core};
use crate::domain::InteractionItem;
use crate::domain::fulfilment::{FulfilmentItem, parse_answer};
use crate::domain::problem::{Code, Problem};
use crate::domain::site::Site;
use crate::domain::source::Source;
use crate::domain::widget_config::ActionKind;
use crate::encoding::timestamp::now_millis;
use crate::storage::webhooks::{self, Event, NewDelivery, StoredDelivery, delivery_cost};

/// Most bytes of an answer read: 200 entries at Talkative's limits, with room for JSON.
pub const ANSWER_BYTES: usize = 256 * 1024;

/// What a fulfilment call did.
pub struct Fulfilled {
    /// The call, as the delivery log keeps it (its one attempt logged).
    pub delivery: StoredDelivery,
    /// The answer's items, added to the interaction as an arrival, when the call succeeded.
    pub appended: Option<Appended>,
    /// Why the interaction got nothing, when it did not.
    pub problem: Option<Problem>,
}

/// Runs the fulfilment action `reference` of interaction `uuid`'s widget config, now. Links in
/// the body are on `origin`; what it adds counts against `site`.
pub async fn run(
    core: &Core,
    uuid: Uuid,
    reference: &str,
    origin: &str,
    site: Site,
) -> Result<Fulfilled, AppError> {
    let engagement = engagements::get(core, uuid).await?;
    if !engagement.state.accepts_data() {
        return Err(crate::domain::engagement::takes_no_data(engagement.state).into());
    }
    let (config, _) = engagements::config_for_page(core, engagement.config_uuid).await?;
    let action = config
        .actions()
        .iter()
        .find(|a| a.reference == reference && a.kind == ActionKind::Fulfilment)
        .ok_or_else(|| {
            let fulfilments: Vec<String> = config
                .actions()
                .iter()
                .filter(|a| a.kind == ActionKind::Fulfilment)
                .map(|a| format!("{:?}", a.reference))
                .collect();
            Problem::new(
                Code::UnknownAction,
                format!(
                    "The widget config {:?} has no fulfilment action {reference:?}.",
                    config.name()
                ),
                if fulfilments.is_empty() {
                    "Add an action of kind \"fulfilment\" with a url to the widget config."
                        .to_owned()
                } else {
                    format!("Its fulfilment actions: {}.", fulfilments.join(", "))
                },
            )
        })?;
    let (endpoint, headers) = action.fulfilment_target()?;

    // The interaction as the Core API shows it now, with its data.
    let base = Base::on(origin);
    let view = engagements::agent_view(core, engagement.id).await?;
    let this = format!(
        "{}?include=interactionData",
        base.interaction(engagement.id)
    );
    let body = serde_json::to_string(&OneDocument::new(&engagement, &base, Some(view), this))
        .map_err(anyhow::Error::new)?;
    let key = Uuid::new_v4();
    let id = engagement.id;
    let delivery_id = core
        .recorder
        .write_with_ledger(async |tx, ledger, retention| {
            outbox::charge(tx, ledger, retention, id, delivery_cost(body.len())).await?;
            let now = now_millis();
            webhooks::enqueue(
                tx,
                &NewDelivery {
                    uuid: key,
                    webhook_id: None,
                    target: &action.reference,
                    url: endpoint.as_str(),
                    event: Event::Fulfilment,
                    engagement_id: Some(id),
                    body: &body,
                    due: None,
                    now,
                },
            )
            .await
        })
        .await?;
    core.outbox.note_change();

    let mut sent = core
        .outbox
        .outbound
        .post(&endpoint, &headers, &key.to_string(), &body, ANSWER_BYTES)
        .await;
    let answer = match (&sent.body, sent.succeeded()) {
        (Some(_), true) if sent.body_cut => Err(Problem::new(
            Code::FulfilmentInvalidShape,
            format!("The fulfilment answer is longer than {ANSWER_BYTES} bytes."),
            "Answer with at most 200 entries of Talkative's sizes.",
        )),
        (Some(bytes), true) => parse_answer(bytes),
        _ => Err(Problem::new(
            sent.record
                .error_code
                .and_then(|c| c.parse().ok())
                .unwrap_or(Code::ReceiverUnreachable),
            sent.record.error_message.clone().unwrap_or_default(),
            "Talkative's chatbot goes on without the data: check the receiver (its log, or the \
             attempt on this delivery's page).",
        )),
    };
    if let Err(problem) = &answer {
        sent.record.error_code = Some(problem.code.as_str());
        sent.record.error_message = Some(problem.message.clone());
    }
    let delivery = webhooks::get_delivery(&core.pool, delivery_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("delivery {delivery_id} vanished after it was written"))?;
    outbox::record(&core.pool, &core.outbox, &delivery, &sent, false).await;
    let delivery = webhooks::get_delivery(&core.pool, delivery_id)
        .await?
        .unwrap_or(delivery);
    let items = match answer {
        Ok(items) => items,
        Err(problem) => {
            tracing::warn!(
                interaction = %uuid, action = reference, code = problem.code.as_str(),
                "fulfilment answer refused: {}", problem.message
            );
            return Ok(Fulfilled {
                delivery,
                appended: None,
                problem: Some(problem),
            });
        }
    };
    let request = serde_json::json!({
        "action": reference,
        "answer": items.iter().map(|i| serde_json::json!({"name": i.name, "data": i.data})).collect::<Vec<_>>(),
    })
    .to_string();
    let appended = engagements::append(
        core,
        uuid,
        Arriving {
            token: None,
            unsigned: items.into_iter().map(as_item).collect(),
            warnings: Vec::new(),
            sender: Sender {
                request: request.into(),
                source: Source::Fulfilment,
                site,
            },
        },
    )
    .await;
    match appended {
        Ok(appended) => Ok(Fulfilled {
            delivery,
            appended: Some(appended),
            problem: None,
        }),
        // Finalised or full while the receiver answered: the call is logged, the data refused.
        Err(AppError::Rejected(problem)) => Ok(Fulfilled {
            delivery,
            appended: None,
            problem: Some(problem),
        }),
        Err(error) => Err(error),
    }
}

/// An answer's entry as interaction data: its name is its key and its label, as the article's
/// `{name, data}` gives nothing else.
fn as_item(item: FulfilmentItem) -> InteractionItem {
    InteractionItem {
        label: item.name.clone(),
        name: Some(item.name),
        data: item.data,
        kind: "string".to_owned(),
    }
}
