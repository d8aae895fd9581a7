//! One-shot messages shown on the page a successful form redirects to (post/redirect/get), kept
//! in a short-lived cookie; the text is always rendered escaped.
//!
//! The cookie is signed with the portal's secret and bound to this browser's CSRF cookie, and
//! expires after [`LIFETIME`]. Cookies are not separated by port, so a page on any other port of
//! this host can set one: unsigned, it once let such a page show its own message with an Undo
//! form (action and fields of its choosing, and the portal's valid CSRF token) that stored its
//! signing key in one click. Now a flash the server did not just write for this browser is
//! ignored, so Undo can only redo what this server just undid.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use crate::encoding::base64url;
use crate::routes::kit::cookies;
use crate::routes::kit::csrf::PortalSecret;

/// How long a flash waits for the page it was meant for.
pub const LIFETIME: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
    /// A form that takes the change back, shown beside the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Undo>,
}

/// An undo button: a POST of `fields` (plus the page's CSRF token) to `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    pub action: String,
    pub button: String,
    pub fields: Vec<(String, String)>,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            kind: "success".to_owned(),
            message: message.into(),
            undo: None,
        }
    }

    /// A success message with a button that takes the change back.
    pub fn success_with_undo(message: impl Into<String>, undo: Undo) -> Self {
        Self {
            undo: Some(undo),
            ..Self::success(message)
        }
    }

    /// The cookie that carries this flash to the next page `request`'s browser opens.
    pub fn into_cookie(self, request: &HttpRequest, secret: &PortalSecret) -> Cookie<'static> {
        let sealed = Sealed {
            flash: self,
            issued: unix_seconds(SystemTime::now()),
        };
        // A struct of strings serializes; the fallback (no flash) is never reached.
        let json = serde_json::to_vec(&sealed).unwrap_or_default();
        let tag = secret.sign("flash", &[browser(request).as_bytes(), &json]);
        let value = format!("{}.{}", base64url::encode(&json), base64url::encode(&tag));
        Cookie::build(cookies::FLASH, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .finish()
    }
}

/// What the cookie holds: the flash and when it was written.
#[derive(Serialize, Deserialize)]
struct Sealed {
    #[serde(flatten)]
    flash: Flash,
    issued: u64,
}

/// The browser a flash is bound to: its CSRF cookie (every form that sets a flash checked it).
fn browser(request: &HttpRequest) -> String {
    request
        .cookie(cookies::CSRF)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default()
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Reads the flash, if this server wrote it for this browser lately, and returns the cookie that
/// clears it (whatever it held).
pub fn take(
    request: &HttpRequest,
    secret: &PortalSecret,
) -> (Option<Flash>, Option<Cookie<'static>>) {
    let Some(cookie) = request.cookie(cookies::FLASH) else {
        return (None, None);
    };
    let mut removal = Cookie::build(cookies::FLASH, "").path("/").finish();
    removal.make_removal();
    (open(cookie.value(), request, secret), Some(removal))
}

fn open(value: &str, request: &HttpRequest, secret: &PortalSecret) -> Option<Flash> {
    let (json, tag) = value.split_once('.')?;
    let json = base64url::decode(json).ok()?;
    let tag = base64url::decode(tag).ok()?;
    if !secret.verify("flash", &[browser(request).as_bytes(), &json], &tag) {
        tracing::warn!("ignored a flash message this server did not write for this browser");
        return None;
    }
    let sealed: Sealed = serde_json::from_slice(&json).ok()?;
    let age = unix_seconds(SystemTime::now()).saturating_sub(sealed.issued);
    (age <= LIFETIME.as_secs()).then_some(sealed.flash)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn browser_with(csrf: &str, flash: Option<&str>) -> HttpRequest {
        let mut request =
            TestRequest::default().cookie(Cookie::new(cookies::CSRF, csrf.to_owned()));
        if let Some(flash) = flash {
            request = request.cookie(Cookie::new(cookies::FLASH, flash.to_owned()));
        }
        request.to_http_request()
    }

    fn undo() -> Flash {
        Flash::success_with_undo(
            "\"email\" removed.",
            Undo {
                action: "/unsigned-fields".into(),
                button: "Undo".into(),
                fields: vec![("label".into(), "email".into())],
            },
        )
    }

    #[test]
    fn a_flash_reaches_the_browser_it_was_written_for() {
        let secret = PortalSecret::generate();
        let cookie = undo().into_cookie(&browser_with("a", None), &secret);
        let (flash, removal) = take(&browser_with("a", Some(cookie.value())), &secret);
        assert_eq!(flash, Some(undo()));
        assert!(removal.is_some());
    }

    #[test]
    fn planted_replayed_or_stale_flashes_are_ignored_and_cleared() {
        let secret = PortalSecret::generate();
        let cookie = undo().into_cookie(&browser_with("a", None), &secret);
        // What a page on another port could set: the old, unsigned format.
        let planted = base64url::encode(serde_json::to_string(&undo()).unwrap().as_bytes());
        let (json, _) = cookie.value().split_once('.').unwrap();
        let forged_tag = format!("{json}.{}", base64url::encode(&[0u8; 32]));
        let stale = {
            let sealed = Sealed {
                flash: undo(),
                issued: unix_seconds(SystemTime::now()) - LIFETIME.as_secs() - 1,
            };
            let json = serde_json::to_vec(&sealed).unwrap();
            let tag = secret.sign("flash", &[b"a", &json]);
            format!("{}.{}", base64url::encode(&json), base64url::encode(&tag))
        };
        for (case, request, server) in [
            ("unsigned", browser_with("a", Some(&planted)), &secret),
            ("forged tag", browser_with("a", Some(&forged_tag)), &secret),
            (
                "another browser's",
                browser_with("b", Some(cookie.value())),
                &secret,
            ),
            ("stale", browser_with("a", Some(&stale)), &secret),
            (
                "another server's",
                browser_with("a", Some(cookie.value())),
                &PortalSecret::generate(),
            ),
        ] {
            let (flash, removal) = take(&request, server);
            assert_eq!(flash, None, "{case}");
            assert!(
                removal.is_some(),
                "{case}: the cookie is cleared all the same"
            );
        }
    }
}
