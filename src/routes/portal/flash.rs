//! One-shot messages shown on the page a successful form redirects to (post/redirect/get).
//! Kept in a short-lived cookie; the text is always rendered escaped.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use crate::encoding::base64url;

const COOKIE: &str = "te_flash";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

pub fn success(message: impl Into<String>) -> Cookie<'static> {
    let flash = Flash {
        kind: "success".to_owned(),
        message: message.into(),
    };
    let value = base64url::encode(serde_json::to_string(&flash).unwrap_or_default().as_bytes());
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// Reads the flash (if any, and if readable) and returns the cookie that clears it.
pub fn take(request: &HttpRequest) -> (Option<Flash>, Option<Cookie<'static>>) {
    let Some(cookie) = request.cookie(COOKIE) else {
        return (None, None);
    };
    let mut removal = Cookie::build(COOKIE, "").path("/").finish();
    removal.make_removal();
    let flash = base64url::decode(cookie.value())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    (flash, Some(removal))
}
