//! CSRF protection for portal forms, two layers (both run by `guard.rs` for the families that
//! take forms, before any handler):
//!
//! 1. Fetch metadata: a write whose `Sec-Fetch-Site` is not same-origin, or whose `Origin` is not
//!    this host, is refused before the token is even looked at (`same_origin.rs`).
//! 2. A synchronizer token: each browser gets a random `te_csrf` cookie, and every form carries
//!    HMAC-SHA256(server secret, cookie, session). The server keeps no per-form state, yet a page
//!    on another origin can neither read the cookie nor compute the token. The session is part
//!    of it, as OWASP advises: the login page's token is not valid once the browser has
//!    signed in, and a token does not outlive the session it was issued for.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::encoding::base64url;
use crate::routes::kit::cookies;

/// The form field every portal form carries its token in.
pub const FORM_FIELD: &str = "csrf_token";

/// The per-process key the portal signs with: form tokens and flash messages. Restarting the
/// server expires open forms, which the refusal page explains.
pub struct PortalSecret(hmac::Key);

impl PortalSecret {
    pub fn generate() -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, &random_bytes()))
    }

    /// The MAC of `parts` for `purpose`. Each part is length-prefixed, so no two different
    /// lists of parts (or purposes) are signed alike.
    pub fn sign(&self, purpose: &str, parts: &[&[u8]]) -> Vec<u8> {
        let mut context = hmac::Context::with_key(&self.0);
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part);
        }
        context.sign().as_ref().to_vec()
    }

    /// Whether `tag` is [`Self::sign`]'s for these parts, compared in constant time.
    pub fn verify(&self, purpose: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
        let expected = self.sign(purpose, parts);
        // Constant-time: the comparison must not tell an attacker how much of a guess matched.
        aws_lc_rs::constant_time::verify_slices_are_equal(&expected, tag).is_ok()
    }

    fn token_for(&self, cookie_value: &str, session: &str) -> String {
        base64url::encode(&self.sign("csrf", &[cookie_value.as_bytes(), session.as_bytes()]))
    }
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG is available");
    bytes
}

/// The session cookie's value as this request carries it ("" without one).
fn session_of(request: &HttpRequest) -> String {
    request
        .cookie(cookies::SESSION)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default()
}

/// The form token for this browser, and the cookie to set if it had none yet.
pub fn issue(request: &HttpRequest, secret: &PortalSecret) -> (String, Option<Cookie<'static>>) {
    let session = session_of(request);
    if let Some(cookie) = request.cookie(cookies::CSRF) {
        return (secret.token_for(cookie.value(), &session), None);
    }
    let value = base64url::encode(&random_bytes());
    let token = secret.token_for(&value, &session);
    let cookie = Cookie::build(cookies::CSRF, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    MissingCookie,
    MissingToken,
    BadToken,
}

/// Checks a form's token against this browser's cookie and session.
pub fn verify(
    request: &HttpRequest,
    secret: &PortalSecret,
    form_token: Option<&str>,
) -> Result<(), Refusal> {
    let cookie = request
        .cookie(cookies::CSRF)
        .ok_or(Refusal::MissingCookie)?;
    let form_token = form_token.ok_or(Refusal::MissingToken)?;
    let tag = base64url::decode(form_token).map_err(|_| Refusal::BadToken)?;
    let session = session_of(request);
    if secret.verify(
        "csrf",
        &[cookie.value().as_bytes(), session.as_bytes()],
        &tag,
    ) {
        Ok(())
    } else {
        Err(Refusal::BadToken)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(cookies: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::default();
        for (name, value) in cookies {
            request = request.cookie(Cookie::new(name.to_string(), value.to_string()));
        }
        request.to_http_request()
    }

    #[test]
    fn a_token_is_good_for_its_cookie_and_session_only() {
        let secret = PortalSecret::generate();
        let before_login = request(&[(cookies::CSRF, "c")]);
        let (token, none) = issue(&before_login, &secret);
        assert!(none.is_none(), "the browser has its cookie already");
        assert_eq!(verify(&before_login, &secret, Some(&token)), Ok(()));

        let signed_in = request(&[(cookies::CSRF, "c"), (cookies::SESSION, "s")]);
        assert_eq!(
            verify(&signed_in, &secret, Some(&token)),
            Err(Refusal::BadToken),
            "the login page's token is not valid once signed in"
        );
        let (token, _) = issue(&signed_in, &secret);
        assert_eq!(verify(&signed_in, &secret, Some(&token)), Ok(()));
        let other_session = request(&[(cookies::CSRF, "c"), (cookies::SESSION, "t")]);
        assert_eq!(
            verify(&other_session, &secret, Some(&token)),
            Err(Refusal::BadToken)
        );
        let other_browser = request(&[(cookies::CSRF, "d"), (cookies::SESSION, "s")]);
        assert_eq!(
            verify(&other_browser, &secret, Some(&token)),
            Err(Refusal::BadToken)
        );
        assert_eq!(
            verify(&request(&[]), &secret, Some(&token)),
            Err(Refusal::MissingCookie)
        );
        assert_eq!(
            verify(&signed_in, &secret, None),
            Err(Refusal::MissingToken)
        );
        assert_eq!(
            verify(&signed_in, &PortalSecret::generate(), Some(&token)),
            Err(Refusal::BadToken),
            "another server's (or a restarted one's) token"
        );
    }

    #[test]
    fn parts_are_signed_unambiguously() {
        let secret = PortalSecret::generate();
        assert_ne!(
            secret.sign("p", &[b"ab", b"c"]),
            secret.sign("p", &[b"a", b"bc"])
        );
        assert_ne!(secret.sign("p", &[b"x"]), secret.sign("q", &[b"x"]));
    }
}
