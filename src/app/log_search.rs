//! The one search box of the interaction log (the portal's, and the API's `q=`), with a small
//! syntax on Mailpit's model: `key:NAME` (the signing key that verified, by name), `code:CODE`
//! (a code the verdict carries), `source:SOURCE`, and free text. A value with spaces goes in
//! double quotes (`key:"php backend"`, `"ada lovelace"`). Every free word must match (in any
//! order), each anywhere in the interaction: an item's name, label or data, the interaction's
//! id, the key's name, a code, or (16 characters or more) the request, so a token. A word with a colon that is none
//! of those prefixes (`https://…`, `10:41`) is free text.

use crate::domain::problem::{Code, Problem};
use crate::domain::source::Source;

/// What one search box asked for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Search {
    /// Free text: each must match somewhere in the interaction.
    pub words: Vec<String>,
    /// `key:`: the name of the key that verified contains this.
    pub key: Option<String>,
    pub code: Option<Code>,
    pub source: Option<Source>,
}

/// The syntax, as the box's help says it.
pub const SYNTAX: &str = "Free text finds an item, id, key or code (a token by 16+ of its \
                          characters); key:NAME, code:CODE, source:SOURCE narrow; \"quote \
                          values with spaces\".";

impl Search {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let mut search = Search::default();
        for term in terms(text) {
            let Some((prefix, value)) = term.field() else {
                search.words.push(term.text);
                continue;
            };
            if value.is_empty() {
                return Err(invalid(
                    format!("{prefix}: has no value."),
                    format!("Write it as {prefix}:VALUE, with no space after the colon."),
                ));
            }
            match prefix {
                "key" => set_once(&mut search.key, value.to_owned(), "key")?,
                "code" => {
                    let code = verdict_code(value, &format!("code:{value}"), "code:")?;
                    set_once(&mut search.code, code, "code")?;
                }
                _ => {
                    let source = source_named(value, &format!("source:{value}"), "source:")?;
                    set_once(&mut search.source, source, "source")?;
                }
            }
        }
        Ok(search)
    }

    pub fn is_empty(&self) -> bool {
        *self == Search::default()
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, prefix: &str) -> Result<(), Problem> {
    if slot.is_some() {
        return Err(invalid(
            format!("{prefix}: is given twice."),
            format!("One {prefix}: a search; the free text around it can narrow further."),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// A code a verdict can carry (the search's `code:`, the lists' `code=`), or the refusal:
/// `written` is the term as the request wrote it, `lead` what the hint's example starts with.
pub(super) fn verdict_code(raw: &str, written: &str, lead: &str) -> Result<Code, Problem> {
    raw.parse::<Code>()
        .ok()
        .filter(|code| code.appears_in_verdicts())
        .ok_or_else(|| {
            invalid(
                format!("{written} is no code a verdict carries."),
                format!(
                    "Use a code from the \"Every code\" table of docs/api.md marked verdict, \
                     rejected item or warning, such as {lead}not_allowlisted."
                ),
            )
        })
}

/// A source (the search's `source:`, the lists' `source=`), or the refusal, worded as
/// [`verdict_code`]'s.
pub(super) fn source_named(raw: &str, written: &str, lead: &str) -> Result<Source, Problem> {
    Source::parse(raw).ok_or_else(|| {
        invalid(
            format!("{written} is no source."),
            format!("Use {lead}api, widget, demo, playground or core_api."),
        )
    })
}

pub(super) fn invalid(message: String, hint: impl Into<String>) -> Problem {
    Problem::new(Code::InvalidRequest, message, hint)
}

/// One term of the box: its text with the quotes taken out, and whether it began with a
/// prefix written bare (`key:"a b"` is the prefix `key`; `"key:a b"` is free text).
struct Term {
    text: String,
    prefix_len: Option<usize>,
}

impl Term {
    /// `(prefix, value)` when this is a known prefix's term.
    fn field(&self) -> Option<(&'static str, &str)> {
        let len = self.prefix_len?;
        let prefix = self.text[..len].to_ascii_lowercase();
        let known = ["key", "code", "source"]
            .into_iter()
            .find(|known| *known == prefix)?;
        Some((known, &self.text[len + 1..]))
    }
}

/// The box split at spaces outside double quotes.
fn terms(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return terms;
        }
        let mut term = String::new();
        let mut prefix_len = None;
        let mut quoted = false;
        while let Some(c) = chars.next_if(|c| quoted || !c.is_whitespace()) {
            match c {
                '"' => quoted = !quoted,
                ':' if !quoted
                    && prefix_len.is_none()
                    && !term.is_empty()
                    && term.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    prefix_len = Some(term.len());
                    term.push(c);
                }
                _ => term.push(c),
            }
        }
        if !term.is_empty() {
            terms.push(Term {
                text: term,
                prefix_len,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Search {
        Search::parse(text).unwrap()
    }

    #[test]
    fn prefixes_narrow_and_the_rest_is_free_text() {
        let search =
            parse(r#"key:"php backend" code:not_allowlisted source:widget ada "two words""#);
        assert_eq!(search.key.as_deref(), Some("php backend"));
        assert_eq!(search.code, Some(Code::NotAllowlisted));
        assert_eq!(search.source, Some(Source::Widget));
        assert_eq!(search.words, ["ada", "two words"]);
        assert_eq!(parse("KEY:ci").key.as_deref(), Some("ci"));
        assert!(parse("   ").is_empty());
    }

    #[test]
    fn colons_that_are_no_prefix_are_text() {
        assert_eq!(
            parse("https://shop.example/checkout 10:41 \"key:x\" foo:bar").words,
            ["https://shop.example/checkout", "10:41", "key:x", "foo:bar"]
        );
    }

    #[test]
    fn a_bad_prefix_value_is_refused_with_what_to_write() {
        for (text, says) in [
            ("code:nope", "code:nope is no code"),
            ("code:invalid_pem", "no code a verdict carries"),
            ("source:fax", "source:fax is no source"),
            ("key:", "key: has no value"),
            ("key:a key:b", "key: is given twice"),
        ] {
            let problem = Search::parse(text).unwrap_err();
            assert_eq!(problem.code, Code::InvalidRequest, "{text}");
            assert!(
                problem.message.contains(says),
                "{text}: {}",
                problem.message
            );
            assert!(!problem.hint.is_empty(), "{text}");
        }
    }
}
