//! CSRF protection for portal forms, two layers:
//!
//! 1. A synchronizer token: each browser gets a random `te_csrf` cookie (HttpOnly, SameSite=Strict)
//!    and every form carries HMAC-SHA256(server secret, cookie). The server keeps no per-session
//!    state, yet a page on another origin can neither read the cookie nor compute the token.
//! 2. Fetch metadata: a POST whose `Sec-Fetch-Site` is not same-origin, or whose `Origin` is not
//!    this host, is refused before the token is even looked at (`routes/same_origin.rs`, the
//!    check the management API uses too).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::encoding::base64url;
use crate::routes::same_origin::foreign_sender;

pub const COOKIE: &str = "te_csrf";

/// The per-process secret tokens are derived from. Restarting the server expires open forms,
/// which the refusal page explains.
pub struct CsrfSecret(hmac::Key);

impl CsrfSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system RNG is available");
        Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
    }

    fn token_for(&self, cookie_value: &str) -> String {
        base64url::encode(hmac::sign(&self.0, cookie_value.as_bytes()).as_ref())
    }
}

/// The form token for this browser, and the cookie to set if it had none yet.
pub fn issue(request: &HttpRequest, secret: &CsrfSecret) -> (String, Option<Cookie<'static>>) {
    if let Some(cookie) = request.cookie(COOKIE) {
        return (secret.token_for(cookie.value()), None);
    }
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG is available");
    let value = base64url::encode(&bytes);
    let token = secret.token_for(&value);
    let cookie = Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    CrossSite,
    MissingCookie,
    BadToken,
}

/// Checks a form POST. Constant-time token comparison (hmac::verify).
pub fn verify(request: &HttpRequest, secret: &CsrfSecret, form_token: &str) -> Result<(), Refusal> {
    if foreign_sender(request).is_some() {
        return Err(Refusal::CrossSite);
    }
    let cookie = request.cookie(COOKIE).ok_or(Refusal::MissingCookie)?;
    let tag = base64url::decode(form_token).map_err(|_| Refusal::BadToken)?;
    hmac::verify(&secret.0, cookie.value().as_bytes(), &tag).map_err(|_| Refusal::BadToken)
}
