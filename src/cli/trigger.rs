//! `trigger <event>`: Stripe CLI's `trigger` for Talkative's calls to your backend. Against a
//! running emulator (`--url`, `TALKATIVE_EMULATOR_URL` as `exec` sets it), it makes what causes
//! the event through the emulator's own API, so the real path runs (the outbox, retries, the
//! delivery log), waits for the deliveries, and prints how each went:
//!
//! - `interaction.completed`: starts a sample interaction (as a page would) and completes it
//!   (as an agent would), so every webhook for its queue gets the Core API document of it;
//! - `webhook.test`: sends every webhook its validation POST (`{"test": "data"}`).
//!
//! Exit 0 when every delivery was taken (2xx), 1 when one failed or none was made, 2 when the
//! emulator could not be reached or refused the request.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::{REJECTED, print};
use crate::app::outbound::Outbound;
use crate::domain::webhook::{Endpoint, PlainHttp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TriggerEvent {
    /// A sample interaction, started and completed: every webhook for its queue is sent it.
    #[value(name = "interaction.completed")]
    InteractionCompleted,
    /// Every webhook's validation POST, `{"test": "data"}`.
    #[value(name = "webhook.test")]
    WebhookTest,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TriggerArgs {
    /// What to cause.
    pub event: TriggerEvent,
    /// The running emulator.
    #[arg(
        long,
        env = "TALKATIVE_EMULATOR_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// The widget config the sample interaction starts on (default: the built-in one).
    #[arg(long)]
    pub config: Option<uuid::Uuid>,
    /// The API action that starts it.
    #[arg(long, default_value = "start-chat")]
    pub action: String,
    /// The admin password, when the emulator has one.
    #[arg(long, env = "TALKATIVE_ADMIN_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// How long to wait for the deliveries to be taken (retries included).
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration)]
    pub wait: Duration,
}

pub fn run(args: TriggerArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    runtime.block_on(trigger(args))
}

struct Emulator {
    client: Outbound,
    base: String,
    password: Option<String>,
}

impl Emulator {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let endpoint = Endpoint::parse_with(&url, PlainHttp::Anywhere)
            .map_err(|problem| anyhow::anyhow!("--url: {}", problem.message))?;
        let bearer = self.password.as_ref().map(|p| format!("Bearer {p}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        let body = body.map(|b| b.to_string());
        let (status, answer) = self
            .client
            .request(
                method,
                &endpoint,
                &headers,
                body.as_deref(),
                4 * 1024 * 1024,
            )
            .await
            .map_err(|(code, message)| {
                anyhow::anyhow!(
                    "reaching the emulator at {} (is it running? --url): {code}: {message}",
                    self.base
                )
            })?;
        let text = String::from_utf8_lossy(&answer);
        let answer: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()));
        if !(200..300).contains(&status) {
            let error = &answer["error"];
            bail!(
                "{method} {path} answered {status}: {} {} (hint: {})",
                error["code"].as_str().unwrap_or_default(),
                error["message"].as_str().unwrap_or_default(),
                error["hint"].as_str().unwrap_or_default()
            );
        }
        Ok(answer)
    }
}

async fn trigger(args: TriggerArgs) -> anyhow::Result<ExitCode> {
    let emulator = Emulator {
        client: Outbound::new(Duration::from_secs(60))?,
        base: args.url.trim_end_matches('/').to_owned(),
        password: args.password.clone(),
    };
    let deadline = Instant::now() + args.wait;
    let deliveries = match args.event {
        TriggerEvent::InteractionCompleted => {
            print("Setting up fixture for: interaction.completed")?;
            let config = args
                .config
                .unwrap_or(crate::domain::WidgetConfig::DEFAULT_UUID);
            let started = emulator
                .call(
                    "POST",
                    "/api/ecs/v1/interactions",
                    Some(json!({
                        "configUuid": config,
                        "action": args.action,
                        "path": "https://example.com/talkative-emulator-trigger",
                        "interactionData": [
                            {"name": "email", "label": "Email", "type": "string", "data": "sample@example.com"},
                            {"name": "order", "label": "Order", "type": "string", "data": "SAMPLE-1"}
                        ],
                    })),
                )
                .await?;
            let uuid = started["interaction"]["uuid"]
                .as_str()
                .context("the start's answer has no interaction uuid")?
                .to_owned();
            print(&format!(
                "Running fixture: started interaction {uuid} ({} on config {config})",
                args.action
            ))?;
            emulator
                .call(
                    "POST",
                    &format!("/api/v1/engagements/{uuid}/complete"),
                    Some(json!({})),
                )
                .await?;
            print(&format!("Running fixture: completed interaction {uuid}"))?;
            settle(&emulator, &format!("interaction={uuid}"), deadline).await?
        }
        TriggerEvent::WebhookTest => {
            let list = emulator.call("GET", "/api/v1/webhooks", None).await?;
            let mut sent = Vec::new();
            for webhook in list["webhooks"].as_array().into_iter().flatten() {
                let id = webhook["id"].as_i64().unwrap_or_default();
                let delivery = emulator
                    .call(
                        "POST",
                        &format!("/api/v1/webhooks/{id}/test"),
                        Some(json!({})),
                    )
                    .await?;
                sent.push(delivery);
            }
            sent
        }
    };
    if deliveries.is_empty() {
        print(
            "No delivery was made: no webhook applies (add one on the Webhooks page, POST \
             /api/v1/webhooks, or [[webhooks]] in the config file).",
        )?;
        return Ok(ExitCode::from(REJECTED));
    }
    let mut all_taken = true;
    print(&format!("{} deliveries:", deliveries.len()))?;
    for delivery in &deliveries {
        let state = delivery["state"].as_str().unwrap_or_default();
        all_taken &= state == "delivered";
        let answer = match (
            delivery["lastStatus"].as_i64(),
            delivery["lastError"].as_str(),
        ) {
            (Some(status), Some(code)) => format!("{status} {code}"),
            (Some(status), None) => status.to_string(),
            (None, Some(code)) => code.to_owned(),
            (None, None) => "no answer yet".to_owned(),
        };
        print(&format!(
            "  {state:<9} {} -> {}  {answer}, {} attempt(s)  {}/webhooks/deliveries/{}",
            delivery["target"].as_str().unwrap_or_default(),
            delivery["url"].as_str().unwrap_or_default(),
            delivery["attempts"],
            emulator.base,
            delivery["id"]
        ))?;
    }
    Ok(if all_taken {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(REJECTED)
    })
}

/// The deliveries matching `query` once none is pending, or as they are at `deadline`.
async fn settle(emulator: &Emulator, query: &str, deadline: Instant) -> anyhow::Result<Vec<Value>> {
    loop {
        let list = emulator
            .call("GET", &format!("/api/v1/webhook-deliveries?{query}"), None)
            .await?;
        let deliveries: Vec<Value> = list["deliveries"].as_array().cloned().unwrap_or_default();
        let pending = deliveries.iter().any(|d| d["state"] == "pending");
        if !pending || Instant::now() >= deadline {
            return Ok(deliveries);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
