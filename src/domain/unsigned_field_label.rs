//! A label on the *Unsigned fields* allowlist. Matching is exact and case-sensitive, so the type
//! refuses anything whose bytes would not be what the person meant to type: empty labels,
//! surrounding whitespace, control characters and invisible format characters.

use crate::domain::problem::{Code, Problem};

pub const MAX_LABEL_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnsignedFieldLabel(String);

impl UnsignedFieldLabel {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        const MATCH_RULE: &str =
            "Labels match interaction data labels exactly (case-sensitive, byte for byte).";
        if raw.is_empty() {
            return Err(Problem::new(
                Code::InvalidLabel,
                "The label is empty.",
                "Enter the label exactly as your page sends it, e.g. `email`.",
            ));
        }
        let chars = raw.chars().count();
        if chars > MAX_LABEL_CHARS {
            return Err(Problem::new(
                Code::InvalidLabel,
                format!("The label is {chars} characters long; the limit is {MAX_LABEL_CHARS}."),
                "Use the short field name your page sends, not its value.",
            ));
        }
        if raw.trim() != raw {
            return Err(Problem::new(
                Code::InvalidLabel,
                "The label starts or ends with whitespace.",
                format!("{MATCH_RULE} Remove the surrounding spaces."),
            ));
        }
        if let Some(c) = raw.chars().find(|c| c.is_control()) {
            return Err(Problem::new(
                Code::InvalidLabel,
                format!(
                    "The label contains the control character U+{:04X}.",
                    c as u32
                ),
                format!("{MATCH_RULE} Remove line breaks, tabs and other control characters."),
            ));
        }
        if let Some(c) = raw.chars().find(|c| is_invisible(*c)) {
            return Err(Problem::new(
                Code::InvalidLabel,
                format!(
                    "The label contains the invisible character U+{:04X}.",
                    c as u32
                ),
                format!(
                    "{MATCH_RULE} Invisible characters (zero-width spaces, direction marks) usually come from copy-paste; retype the label."
                ),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for UnsignedFieldLabel {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Format characters (Unicode category Cf) that render as nothing, plus the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_labels() {
        for ok in [
            "email",
            "Customer ID",
            "name.first",
            "ünïcödé",
            "a",
            &"x".repeat(255),
        ] {
            assert_eq!(UnsignedFieldLabel::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_labels_that_would_never_match() {
        let cases = [
            ("empty", String::new()),
            ("too long", "x".repeat(256)),
            ("leading space", " email".to_owned()),
            ("trailing newline", "email\n".to_owned()),
            ("inner tab", "e\tmail".to_owned()),
            ("nul", "e\0mail".to_owned()),
            ("zero width space", "em\u{200B}ail".to_owned()),
            ("bom", "\u{FEFF}email".to_owned()),
            ("rtl override", "email\u{202E}".to_owned()),
        ];
        for (description, input) in cases {
            let problem = UnsignedFieldLabel::parse(&input).expect_err(description);
            assert_eq!(problem.code, Code::InvalidLabel, "{description}");
        }
    }
}
