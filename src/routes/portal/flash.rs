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
    /// A form that takes the change back, shown beside the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Undo>,
}

/// An undo button: a POST of `fields` (plus the page's CSRF token) to `action`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Undo {
    pub action: String,
    pub button: String,
    pub fields: Vec<(String, String)>,
}

pub fn success(message: impl Into<String>) -> Cookie<'static> {
    cookie(Flash {
        kind: "success".to_owned(),
        message: message.into(),
        undo: None,
    })
}

/// A success message with a button that takes the change back.
pub fn success_with_undo(message: impl Into<String>, undo: Undo) -> Cookie<'static> {
    cookie(Flash {
        kind: "success".to_owned(),
        message: message.into(),
        undo: Some(undo),
    })
}

fn cookie(flash: Flash) -> Cookie<'static> {
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
        .and_then(|bytes| serde_json::from_slice::<Flash>(&bytes).ok())
        // Only ever one of this portal's own paths (the cookie is the visitor's to edit).
        .map(|mut flash| {
            if flash
                .undo
                .as_ref()
                .is_some_and(|u| !u.action.starts_with('/') || u.action.starts_with("//"))
            {
                flash.undo = None;
            }
            flash
        });
    (flash, Some(removal))
}
