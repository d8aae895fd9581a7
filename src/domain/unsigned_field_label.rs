//! A label on the *Unsigned fields* allowlist. Matching is exact and case-sensitive, so the type
//! refuses anything whose bytes would not be what the person meant to type: empty labels,
//! surrounding whitespace, control characters and invisible format characters.

use crate::domain::problem::{Code, Problem, Warning};

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

    /// Why this label, valid as it is, may still be a mistake: it differs from an allowed label
    /// only in case or separators (matching is exact, so it would not cover that one), or it
    /// names identity data, which anyone can spoof unsigned. The portal asks before adding such
    /// a label; the API adds it and says so.
    pub fn doubts<'a>(&self, allowed: impl IntoIterator<Item = &'a str>) -> Vec<Warning> {
        let mut doubts = Vec::new();
        let key = skeleton(&self.0);
        let twins: Vec<&str> = allowed
            .into_iter()
            .filter(|other| *other != self.0 && skeleton(other) == key)
            .collect();
        if !twins.is_empty() {
            let twins = twins
                .iter()
                .map(|t| format!("\u{201c}{t}\u{201d}"))
                .collect::<Vec<_>>()
                .join(", ");
            doubts.push(Warning::new(
                Code::LookalikeLabel,
                format!(
                    "\u{201c}{}\u{201d} differs from the allowed {twins} only in case or separators. \
                     Labels match exactly, so each allows only itself: check which one your page sends.",
                    self.0
                ),
            ));
        }
        if looks_like_identity(&self.0, &key) {
            doubts.push(Warning::new(
                Code::IdentityLabel,
                format!(
                    "\u{201c}{}\u{201d} looks like identity data. An unsigned value comes from the \
                     visitor's browser and anyone can change it: sign it on your backend instead.",
                    self.0
                ),
            ));
        }
        doubts
    }
}

/// The label as a person reads it: lower case, without spaces, `_`, `-` or `.`.
fn skeleton(label: &str) -> String {
    label
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a label names who the customer is: what an agent would trust to identify them.
fn looks_like_identity(label: &str, skeleton: &str) -> bool {
    const NAMES: &[&str] = &[
        "email",
        "emailaddress",
        "mail",
        "name",
        "fullname",
        "firstname",
        "lastname",
        "surname",
        "givenname",
        "username",
        "user",
        "phone",
        "phonenumber",
        "mobile",
        "tel",
        "telephone",
        "id",
        "uid",
        "uuid",
        "userid",
        "customer",
        "customerid",
        "customernumber",
        "account",
        "accountid",
        "accountnumber",
        "memberid",
        "externalid",
        "ssn",
        "dob",
        "dateofbirth",
        "address",
        "postcode",
        "zip",
        "zipcode",
    ];
    let ends_in_id = ["_id", "-id", ".id", " id", "Id", "ID"]
        .iter()
        .any(|suffix| label.ends_with(suffix));
    NAMES.contains(&skeleton) || skeleton.ends_with("email") || ends_in_id
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

    fn doubt_codes(label: &str, allowed: &[&str]) -> Vec<&'static str> {
        UnsignedFieldLabel::parse(label)
            .unwrap()
            .doubts(allowed.iter().copied())
            .iter()
            .map(|w| w.code.as_str())
            .collect()
    }

    #[test]
    fn look_alikes_of_allowed_labels_and_identity_labels_are_doubted() {
        assert_eq!(doubt_codes("Page", &["page"]), ["lookalike_label"]);
        assert_eq!(
            doubt_codes("page-url", &["page_url", "utm"]),
            ["lookalike_label"]
        );
        assert_eq!(
            doubt_codes("Email", &["email"]),
            ["lookalike_label", "identity_label"]
        );
        for identity in [
            "email",
            "work_email",
            "Customer ID",
            "customerId",
            "user_id",
            "phone",
        ] {
            assert_eq!(doubt_codes(identity, &[]), ["identity_label"], "{identity}");
        }
        for fine in ["page", "utm_source", "paid", "valid", "coupon", "page_url"] {
            assert!(
                doubt_codes(fine, &["page_url"]).is_empty() || fine == "page_url",
                "{fine}"
            );
        }
        assert!(
            doubt_codes("page_url", &["page_url"]).is_empty(),
            "itself is no twin"
        );
    }

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
