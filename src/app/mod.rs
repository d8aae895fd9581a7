//! The application's operations, shared by the JSON API, the portal and start-up: managing keys
//! and fields ([`management`]), verifying, recording and reading the log
//! ([`verification`], [`recorder`], [`interaction_log`]), the playground's [`sample`], over
//! an in-memory copy of the policy ([`policy_cache`]). Nothing here knows HTTP.

pub mod api_keys;
pub mod core_document;
pub mod engagements;
mod error;
pub mod fulfilment;
pub mod interaction_log;
pub mod log_query;
pub mod log_search;
pub mod management;
pub mod metrics;
pub mod outbound;
pub mod outbox;
pub mod policy_cache;
pub mod recorder;
pub mod records;
pub mod refusal_log;
pub mod sample;
pub mod verification;
pub mod webhooks;
pub mod widget_configs;

pub use error::AppError;

use sqlx::SqlitePool;

use crate::configuration::Settings;
use policy_cache::PolicyCache;
use recorder::Recorder;

/// What every operation works on: the database, the in-memory policy, the interaction log's
/// writer and the settings. Built once by `startup`; the web layer holds it in its state.
pub struct Core {
    pub pool: SqlitePool,
    pub cache: PolicyCache,
    pub recorder: Recorder,
    pub settings: Settings,
    pub followers: interaction_log::Followers,
    /// What was taken out of the log, for its followers (`Removals`).
    pub removals: interaction_log::Removals,
    pub metrics: metrics::Metrics,
    /// Bounds the server log's lines for refusals.
    pub refusal_log: refusal_log::RefusalLog,
    /// Webhook deliveries and fulfilment calls: the sender, and what wakes and follows it.
    pub outbox: std::sync::Arc<outbox::Outbox>,
}
