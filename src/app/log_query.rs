//! What the interaction log can be asked for, read once from the words a request used: the
//! API's list (`status=`, `rejected=`, `source=`, `code=`, `q=`) and the portal's (`filter=`, which
//! names a status or "dropped", and the same `source=`, `code=`, `q=`) fill the same fields and
//! get the same answers, and the same refusals.

use super::log_search::{Search, invalid, source_named, verdict_code};
use crate::domain::problem::{Code, Problem};
use crate::domain::source::Source;
use crate::storage::interactions::Filter;
use crate::verdict::SignatureStatus;

/// The words a request used for the filters both lists share (`None`: not given).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogWords<'a> {
    /// `status=`: a signature status.
    pub status: Option<&'a str>,
    /// `rejected=true`: only where something was dropped.
    pub rejected_only: bool,
    /// `filter=`: the portal's one choice, `all`, a status, or `dropped`.
    pub shown: Option<&'a str>,
    pub source: Option<&'a str>,
    pub code: Option<&'a str>,
    /// `q=`: the search box, in its syntax ([`Search`]).
    pub search: Option<&'a str>,
}

/// The shared filters, parsed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub status: Option<SignatureStatus>,
    pub rejected_only: bool,
    pub source: Option<Source>,
    pub code: Option<Code>,
    /// The search box as written (trimmed), for the box to show again.
    pub search: Option<String>,
    /// What it asked for beyond `source`/`code` (which it fills in above).
    pub terms: Search,
}

impl LogQuery {
    pub fn parse(words: LogWords<'_>) -> Result<Self, Problem> {
        let mut query = LogQuery {
            rejected_only: words.rejected_only,
            ..LogQuery::default()
        };
        if let Some(raw) = given(words.status) {
            query.status = Some(parse_status(raw, "status")?);
        }
        match given(words.shown) {
            None | Some("all") => {}
            Some("dropped") => query.rejected_only = true,
            Some(raw) => query.status = Some(parse_status(raw, "filter")?),
        }
        if let Some(raw) = given(words.source) {
            query.source = Some(source_named(raw, &format!("source={raw:?}"), "")?);
        }
        if let Some(raw) = given(words.code) {
            query.code = Some(verdict_code(raw, &format!("code={raw:?}"), "")?);
        }
        query.search = given(words.search).map(str::to_owned);
        if let Some(text) = &query.search {
            let mut terms = Search::parse(text)?;
            query.source = agree(query.source, terms.source.take(), "source")?;
            query.code = agree(query.code, terms.code.take(), "code")?;
            query.terms = terms;
        }
        Ok(query)
    }

    /// The storage filter for these (the API adds its own to it).
    pub fn filter(&self) -> Filter {
        Filter {
            status: self.status,
            rejected_only: self.rejected_only,
            source: self.source,
            code: self.code,
            words: self.terms.words.clone(),
            key_name: self.terms.key.clone(),
            ..Filter::default()
        }
    }
}

/// A filter set both by its parameter and in the search box: the same value, or a refusal
/// (the two cannot both hold).
fn agree<T: PartialEq + Copy>(
    parameter: Option<T>,
    searched: Option<T>,
    name: &str,
) -> Result<Option<T>, Problem> {
    match (parameter, searched) {
        (Some(a), Some(b)) if a != b => Err(invalid(
            format!("{name}= and {name}: in the search disagree."),
            format!("Choose one: clear the {name} choice, or the {name}: term of the search."),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// A value given and not blank, trimmed.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn parse_status(raw: &str, parameter: &str) -> Result<SignatureStatus, Problem> {
    raw.parse::<SignatureStatus>().map_err(|()| {
        let hint = if parameter == "filter" {
            "Use filter=all, valid, invalid, absent or dropped.".to_owned()
        } else {
            format!("Use {parameter}=valid, {parameter}=invalid or {parameter}=absent.")
        };
        invalid(format!("Unknown {parameter} {raw:?}."), hint)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_lists_words_give_one_query_and_the_same_refusals() {
        let api = LogQuery::parse(LogWords {
            status: Some("invalid"),
            rejected_only: true,
            source: Some("widget"),
            code: Some("not_allowlisted"),
            search: Some("  ada "),
            ..LogWords::default()
        })
        .unwrap();
        assert_eq!(api.status, Some(SignatureStatus::Invalid));
        assert_eq!(api.search.as_deref(), Some("ada"));
        let portal = LogQuery::parse(LogWords {
            shown: Some("dropped"),
            source: Some("widget"),
            code: Some("not_allowlisted"),
            search: Some("ada"),
            ..LogWords::default()
        })
        .unwrap();
        assert!(portal.rejected_only && portal.status.is_none());
        assert_eq!((portal.source, portal.code), (api.source, api.code));
        for words in [
            LogWords {
                source: Some("fax"),
                ..LogWords::default()
            },
            LogWords {
                code: Some("invalid_pem"),
                ..LogWords::default()
            },
            LogWords {
                status: Some("maybe"),
                ..LogWords::default()
            },
            LogWords {
                shown: Some("some"),
                ..LogWords::default()
            },
        ] {
            assert_eq!(
                LogQuery::parse(words).unwrap_err().code,
                Code::InvalidRequest
            );
        }
        assert_eq!(
            LogQuery::parse(LogWords::default()).unwrap(),
            LogQuery::default()
        );
    }
}
