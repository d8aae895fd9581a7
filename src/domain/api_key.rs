//! Core API keys, as the portal's API Keys page makes them: a name for people, and a bearer
//! token for the backend. The token is shown once, when it is made; what is kept is its
//! SHA-256 ([`ApiToken::digest`]), so neither the database nor the log can give it back.

use std::fmt;

use crate::domain::key_name::plain_text;
use crate::domain::problem::{Code, Problem};

/// A key's name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let name = raw.trim();
        let problem = |message: String| {
            Problem::new(
                Code::InvalidApiKey,
                message,
                "Name the key after what uses it, such as \"CI backend tests\".",
            )
        };
        if name.is_empty() {
            return Err(problem("The key's name is blank.".to_owned()));
        }
        plain_text(name, Self::MAX_CHARS).map_err(problem)?;
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bearer token. Made here (32 random bytes, base64url, after the `tke_` prefix that lets a
/// secret scanner find a leaked one), or installed by the config file so CI knows it in advance.
/// Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub const PREFIX: &str = "tke_";
    /// Shortest token the config file may install: guessable tokens are no protection.
    pub const MIN_CHARS: usize = 20;
    pub const MAX_CHARS: usize = 200;

    /// A new random token.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| anyhow::anyhow!("the system's random generator failed"))?;
        Ok(Self(format!(
            "{}{}",
            Self::PREFIX,
            crate::encoding::base64url::encode(&bytes)
        )))
    }

    /// A token the operator chose (the config file): what an `Authorization: Bearer` header can
    /// carry, without spaces, long enough not to be guessed.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let problem = |message: String| {
            Problem::new(
                Code::InvalidApiKey,
                message,
                format!(
                    "Use {}–{} visible ASCII characters without spaces, such as the output of \
                     `openssl rand -hex 24`.",
                    Self::MIN_CHARS,
                    Self::MAX_CHARS
                ),
            )
        };
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(problem(format!("The token is {chars} characters long.")));
        }
        if let Some(position) = raw.chars().position(|c| !c.is_ascii_graphic()) {
            return Err(problem(format!(
                "The token has a space, a control or a non-ASCII character at position \
                 {position}."
            )));
        }
        Ok(Self(raw.to_owned()))
    }

    /// What is stored and looked up: the token's SHA-256, hex. A plain hash is enough: tokens
    /// are random (or at least 20 characters), not passwords a person reuses.
    pub fn digest(&self) -> String {
        digest(&self.0)
    }

    /// Its last four characters, which the API Keys page shows so a person can tell keys apart.
    pub fn hint(&self) -> String {
        let skip = self.0.chars().count().saturating_sub(4);
        self.0.chars().skip(skip).collect()
    }

    /// The token itself: only for the one answer that creates it.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(…)")
    }
}

/// The SHA-256 of a presented token, hex: what the store is searched by.
pub fn digest(token: &str) -> String {
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    hash.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_random_prefixed_and_hidden_from_debug() {
        let a = ApiToken::generate().unwrap();
        let b = ApiToken::generate().unwrap();
        assert_ne!(a, b);
        assert!(a.reveal().starts_with("tke_"));
        assert_eq!(a.reveal().len(), 4 + 43);
        assert!(ApiToken::parse(a.reveal()).is_ok(), "a made token parses");
        assert_eq!(format!("{a:?}"), "ApiToken(…)");
        assert_eq!(a.hint(), &a.reveal()[a.reveal().len() - 4..]);
    }

    #[test]
    fn the_digest_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let token = ApiToken::parse("0123456789abcdefghij").unwrap();
        assert_eq!(token.digest(), digest("0123456789abcdefghij"));
    }

    #[test]
    fn chosen_tokens_must_be_long_visible_ascii() {
        for bad in [
            "short",
            "0123456789 abcdefghij",
            "0123456789abcdefghi\u{e9}",
            "0123456789abcdefghij\n",
        ] {
            assert_eq!(
                ApiToken::parse(bad).unwrap_err().code,
                Code::InvalidApiKey,
                "{bad:?}"
            );
        }
        assert!(ApiToken::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(ApiKeyName::parse("  CI  ").unwrap().as_str(), "CI");
        for bad in ["", "   ", "a\u{7}b"] {
            assert_eq!(
                ApiKeyName::parse(bad).unwrap_err().code,
                Code::InvalidApiKey
            );
        }
        assert!(ApiKeyName::parse(&"n".repeat(101)).is_err());
    }
}
