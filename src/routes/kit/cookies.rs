//! The portal's cookies, named once. All are HttpOnly and SameSite=Strict; none is ever read by
//! the API (SameSite does not separate ports: a page on another port of this host sends them).

/// The session, when an admin password is set (`auth::sessions`).
pub const SESSION: &str = "te_session";
/// A random value per browser that form tokens are derived from (`csrf.rs`).
pub const CSRF: &str = "te_csrf";
/// A one-shot message for the page a form redirects to, signed (`flash.rs`).
pub const FLASH: &str = "te_flash";
