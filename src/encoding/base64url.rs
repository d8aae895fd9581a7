//! Strict base64url (RFC 7515 §2, RFC 4648 §5 without padding): the exact alphabet, no `=`, no
//! whitespace, and no non-zero "stray" bits in the last character, so every token has exactly
//! one encoding. Errors say what was found and where, because "invalid base64" helps nobody.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base64urlError {
    Padding { position: usize },
    StandardAlphabet { found: char, position: usize },
    Whitespace { position: usize },
    InvalidCharacter { found: char, position: usize },
    ImpossibleLength { length: usize },
    NonCanonical,
}

impl Base64urlError {
    pub fn describe(&self) -> String {
        match self {
            Self::Padding { position } => {
                format!("has `=` padding at position {position}; base64url in JWS carries no padding")
            }
            Self::StandardAlphabet { found, position } => format!(
                "has `{found}` at position {position}: that is the standard base64 alphabet, JWS uses base64url (`-` and `_`)"
            ),
            Self::Whitespace { position } => {
                format!("has whitespace at position {position}")
            }
            Self::InvalidCharacter { found, position } => {
                format!("has {found:?} at position {position}, which is not a base64url character")
            }
            Self::ImpossibleLength { length } => {
                format!("is {length} characters long, a length no base64url encoding can have (truncated?)")
            }
            Self::NonCanonical => {
                "ends with non-zero unused bits (a non-canonical encoding; the token was altered or built by hand)".to_owned()
            }
        }
    }

    pub fn hint(&self) -> &'static str {
        match self {
            Self::Padding { .. } | Self::StandardAlphabet { .. } => {
                "Encode each part with base64url without padding: replace `+` with `-`, `/` with `_`, and strip trailing `=` (RFC 7515 §2). JOSE libraries do this for you."
            }
            Self::Whitespace { .. } => {
                "Remove line breaks and spaces from the token; a trailing newline often comes from reading the token out of a file or `echo`."
            }
            _ => "Pass the compact JWS exactly as your signing library produced it.",
        }
    }
}

pub fn decode(segment: &str) -> Result<Vec<u8>, Base64urlError> {
    // The engine accepts exactly what this module promises (base64url alphabet, no padding,
    // `decode_allow_trailing_bits(false)`), so a segment it decodes is valid as it stands. Only a
    // refused segment pays for the scans that find and name what is wrong.
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| diagnose(segment))
}

/// Why the engine refused `segment`, checked in the order a person would fix it: a character
/// that does not belong, then a length no encoding has; what is left is non-zero trailing bits.
fn diagnose(segment: &str) -> Base64urlError {
    if let Some(error) = first_bad_character(segment) {
        return error;
    }
    if segment.len() % 4 == 1 {
        return Base64urlError::ImpossibleLength {
            length: segment.len(),
        };
    }
    Base64urlError::NonCanonical
}

/// The first character outside the base64url alphabet, described.
fn first_bad_character(segment: &str) -> Option<Base64urlError> {
    for (position, c) in segment.char_indices() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' => {}
            '=' => return Some(Base64urlError::Padding { position }),
            '+' | '/' => return Some(Base64urlError::StandardAlphabet { found: c, position }),
            c if c.is_whitespace() => return Some(Base64urlError::Whitespace { position }),
            found => return Some(Base64urlError::InvalidCharacter { found, position }),
        }
    }
    None
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_canonical_base64url() {
        assert_eq!(decode("").unwrap(), b"");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(
            decode(&encode(b"any bytes \xff")).unwrap(),
            b"any bytes \xff"
        );
    }

    #[test]
    fn rejects_everything_else_precisely() {
        assert_eq!(decode("YQ=="), Err(Base64urlError::Padding { position: 2 }));
        assert_eq!(
            decode("+_8"),
            Err(Base64urlError::StandardAlphabet {
                found: '+',
                position: 0
            })
        );
        assert_eq!(
            decode("YQ\n"),
            Err(Base64urlError::Whitespace { position: 2 })
        );
        assert_eq!(
            decode("Y.Q"),
            Err(Base64urlError::InvalidCharacter {
                found: '.',
                position: 1
            })
        );
        assert_eq!(
            decode("YWJjZ"),
            Err(Base64urlError::ImpossibleLength { length: 5 })
        );
        // "YR" decodes to 'a' like "YQ" but with a stray low bit set.
        assert_eq!(decode("YR"), Err(Base64urlError::NonCanonical));
    }

    /// RFC 4648 §5 decoding written out bit by bit, independent of the base64 crate: `None`
    /// unless every character is in the alphabet, the length is possible and the unused bits
    /// of the last character are zero.
    fn reference_decode(segment: &str) -> Option<Vec<u8>> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let (mut bits, mut count, mut out) = (0u32, 0u32, Vec::new());
        for byte in segment.bytes() {
            let value = ALPHABET.iter().position(|&a| a == byte)?;
            bits = (bits << 6) | u32::try_from(value).ok()?;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push(u8::try_from((bits >> count) & 0xff).ok()?);
            }
        }
        let unused = bits & ((1 << count) - 1);
        (segment.len() % 4 != 1 && unused == 0).then_some(out)
    }

    proptest::proptest! {
        /// The engine's fast path accepts exactly the canonical encodings, and every refusal
        /// is explained (never a fallback error for a segment that was in fact fine).
        #[test]
        fn accepts_exactly_canonical_base64url(segment in "[A-Za-z0-9_=+/ .\\-\u{e9}]{0,13}") {
            let decoded = decode(&segment);
            proptest::prop_assert_eq!(decoded.clone().ok(), reference_decode(&segment));
            if let Err(error) = decoded {
                let bad_character = segment.bytes().any(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                proptest::prop_assert_eq!(bad_character, first_bad_character(&segment).is_some(), "{:?}", error);
            }
        }
    }
}
