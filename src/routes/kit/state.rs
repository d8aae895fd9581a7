//! What request handlers share: the application's [`Core`] plus the parts only HTTP needs.

use crate::app::Core;
use crate::auth::AdminAccess;
use crate::auth::rate_limit::RateLimiter;
use crate::routes::kit::csrf::PortalSecret;

pub struct WebState {
    pub core: Core,
    /// Signs the portal's form tokens and flash messages.
    pub portal_secret: PortalSecret,
    /// The API reference (`routes::table::api_document`), for the routes that serve it.
    pub api_document: &'static serde_json::Value,
    /// Set when an admin password is configured: the portal and management API require it.
    pub access: Option<AdminAccess>,
    /// Per-client limit on the open verify endpoint; `None` when switched off.
    pub verify_limiter: Option<RateLimiter>,
    /// Per-client limit on admin password attempts (login form and API bearer).
    pub password_attempts: RateLimiter,
    /// Per-client limit on Core API tokens that open no key: each costs a lookup, and a client
    /// guessing tokens is throttled as one guessing the admin password is.
    pub api_key_guesses: RateLimiter,
    /// Per-key limit on Core API requests; `None` when switched off.
    pub core_api_limiter: Option<RateLimiter<i64>>,
}
