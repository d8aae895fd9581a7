//! Who may manage the emulator: the admin password ([`credential`]), the portal sessions it opens
//! ([`sessions`]) and the per-client limit on guesses ([`rate_limit`]). No HTTP here: the
//! middleware that puts the management surface behind them is `routes::require_admin`, because
//! what it answers (a JSON 401, a redirect to the login page) is the web layer's business.

pub mod credential;
pub mod rate_limit;
pub mod sessions;

pub use credential::AdminCredential;
pub use sessions::{AdminAccess, SESSION_LIFETIME};
