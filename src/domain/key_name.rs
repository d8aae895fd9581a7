//! The name a person gives a signing key on the Signing Keys page, the API or the config file.
//! It may also be a token's `kid`, so it is plain text: trimmed, at most 100 characters, no
//! control characters. Blank means [`KeyName::DEFAULT`].

use std::fmt;

use crate::domain::problem::{Code, Problem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub const DEFAULT: &str = "Signing key";
    pub const MAX_CHARS: usize = 100;

    /// Trims `raw`; blank gives the default name.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(Self::default());
        }
        let problem = |message: String| {
            Problem::new(
                Code::InvalidKeyName,
                message,
                "Use a short, plain name such as \"production backend\".",
            )
        };
        plain_text(name, Self::MAX_CHARS).map_err(problem)?;
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Why `name` (trimmed already) is not a plain name of at most `max_chars` characters: what a
/// person names a key (a signing key, an API key) is shown in pages and logs as it is.
pub fn plain_text(name: &str, max_chars: usize) -> Result<(), String> {
    let chars = name.chars().count();
    if chars > max_chars {
        return Err(format!(
            "The name is {chars} characters long; the limit is {max_chars}."
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(format!(
            "The name contains the control character U+{:04X}.",
            c as u32
        ));
    }
    Ok(())
}

impl Default for KeyName {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_blank_means_the_default() {
        assert_eq!(KeyName::parse("  backend ").unwrap().as_str(), "backend");
        for blank in ["", "   ", "\t"] {
            assert_eq!(
                KeyName::parse(blank).unwrap(),
                KeyName::default(),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn long_names_and_control_characters_are_refused_with_the_api_code() {
        for (description, raw) in [
            ("101 characters", "x".repeat(101)),
            ("a line break inside", "back\nend".to_owned()),
            ("a NUL", "a\0b".to_owned()),
            ("an escape sequence", "\u{1b}[31mred".to_owned()),
        ] {
            let problem = KeyName::parse(&raw).expect_err(description);
            assert_eq!(problem.code, Code::InvalidKeyName, "{description}");
        }
        assert!(
            KeyName::parse(&"é".repeat(100)).is_ok(),
            "characters, not bytes"
        );
    }
}
