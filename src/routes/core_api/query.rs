//! The Core API's query parameters, read strictly: JSON:API wants a 400 for a parameter the
//! server does not support, and a typo (`pagesize`) should not silently give the default.

use crate::domain::problem::{Code, Problem};
use crate::routes::kit::json_api::ErrorSource;
use crate::routes::kit::refusal::Refusal;
use uuid::Uuid;

/// What `?include=` may name: the interaction's data. Talkative's other relationships (its
/// article's `user`, `customer`) are not emulated, and are refused by name.
pub const INCLUDABLE: &[&str] = &["interactionData"];
const NOT_EMULATED: &[&str] = &["user", "customer", "queue", "messages"];

/// Fifteen a page unless asked: Laravel's default, which Talkative's API is built on.
pub const DEFAULT_PAGE_SIZE: u32 = 15;
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub page: u64,
    pub size: u32,
    pub newest_first: bool,
    pub uuid: Option<Uuid>,
    pub include_data: bool,
}

/// `?include=` alone (the single interaction's routes).
pub fn include_only(query: &str) -> Result<bool, Refusal> {
    let mut include = false;
    for (name, value) in pairs(query)? {
        match name.as_str() {
            "include" => include = includes(&value)?,
            _ => return Err(unsupported(&name, "include")),
        }
    }
    Ok(include)
}

/// The list's parameters: `page` or `page[number]`, `page[size]` or `per_page`, `sort`
/// (`id`, `-id`, `created_at`, `-created_at`), `filter[uuid]`, `include`.
pub fn list(query: &str) -> Result<ListQuery, Refusal> {
    let mut list = ListQuery {
        page: 1,
        size: DEFAULT_PAGE_SIZE,
        ..ListQuery::default()
    };
    for (name, value) in pairs(query)? {
        match name.as_str() {
            "page" | "page[number]" => {
                list.page = number(&name, &value, 1, u64::from(u32::MAX))?;
            }
            "page[size]" | "per_page" => {
                list.size = u32::try_from(number(&name, &value, 1, u64::from(MAX_PAGE_SIZE))?)
                    .unwrap_or(MAX_PAGE_SIZE);
            }
            "sort" => {
                list.newest_first = match value.as_str() {
                    "id" | "created_at" => false,
                    "-id" | "-created_at" => true,
                    _ => {
                        return Err(bad(
                            &name,
                            format!("Cannot sort by {value:?}."),
                            "Sort by `id` or `created_at` (oldest first, the default), or \
                             `-id` / `-created_at` (newest first).",
                        ));
                    }
                }
            }
            "filter[uuid]" => {
                list.uuid = Some(Uuid::try_parse(value.trim()).map_err(|_| {
                    bad(
                        &name,
                        format!("{value:?} is not a UUID."),
                        "Filter by the interaction's UUID, as the widget gives it to the page \
                         (talkativeApi.interaction.getUuid()).",
                    )
                })?);
            }
            "include" => list.include_data = includes(&value)?,
            _ => {
                return Err(unsupported(
                    &name,
                    "page, page[number], page[size], per_page, sort, filter[uuid], include",
                ));
            }
        }
    }
    Ok(list)
}

fn pairs(query: &str) -> Result<Vec<(String, String)>, Refusal> {
    serde_urlencoded::from_str(query).map_err(|e| {
        Problem::new(
            Code::InvalidRequest,
            format!("The query string cannot be read: {e}."),
            "Percent-encode parameter values.",
        )
        .into()
    })
}

/// Whether `include` asks for the interaction's data; a refusal for anything else.
fn includes(value: &str) -> Result<bool, Refusal> {
    let mut data = false;
    for path in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if INCLUDABLE.contains(&path) {
            data = true;
        } else if NOT_EMULATED.contains(&path) {
            return Err(Refusal::at(
                Problem::new(
                    Code::UnsupportedInclude,
                    format!(
                        "The emulator does not emulate Talkative's {path:?} relationship, so it \
                         cannot include it."
                    ),
                    "Include only `interactionData`; the emulator has no agents, customers or \
                     messages to give.",
                ),
                ErrorSource::Parameter("include".into()),
            ));
        } else {
            let hint = if path.eq_ignore_ascii_case("interactiondata")
                || path == "interaction_data"
                || path == "interaction-data"
            {
                "Relationship names are case-sensitive: write `interactionData`.".to_owned()
            } else {
                format!("Include one of: {}.", INCLUDABLE.join(", "))
            };
            return Err(Refusal::at(
                Problem::new(
                    Code::UnsupportedInclude,
                    format!("An interaction has no relationship {path:?}."),
                    hint,
                ),
                ErrorSource::Parameter("include".into()),
            ));
        }
    }
    Ok(data)
}

fn number(name: &str, value: &str, min: u64, max: u64) -> Result<u64, Refusal> {
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad(
            name,
            format!("{name}={value:?} is not a whole number from {min} to {max}."),
            "Pages count from 1; a page holds at most 100 interactions.",
        )),
    }
}

fn bad(name: &str, message: String, hint: &str) -> Refusal {
    Refusal::at(
        Problem::new(Code::InvalidRequest, message, hint),
        ErrorSource::Parameter(name.to_owned()),
    )
}

fn unsupported(name: &str, supported: &str) -> Refusal {
    bad(
        name,
        format!("This route takes no query parameter {name:?}."),
        &format!("It takes: {supported}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<impl std::fmt::Debug, Refusal>) -> Code {
        match result.unwrap_err() {
            Refusal::Rejected(p) | Refusal::At(p, _) => p.code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_list_reads_both_pagination_spellings() {
        let q =
            list("page%5Bnumber%5D=3&page%5Bsize%5D=50&sort=-id&include=interactionData").unwrap();
        assert_eq!(
            (q.page, q.size, q.newest_first, q.include_data),
            (3, 50, true, true)
        );
        let q = list("page=2&per_page=10").unwrap();
        assert_eq!((q.page, q.size, q.newest_first), (2, 10, false));
        assert_eq!(list("").unwrap().size, DEFAULT_PAGE_SIZE);
    }

    #[test]
    fn what_it_cannot_do_is_a_400_not_a_default() {
        for bad in [
            "page=0",
            "page=x",
            "per_page=101",
            "sort=name",
            "pagesize=3",
            "filter%5Buuid%5D=7",
        ] {
            assert_eq!(code(list(bad)), Code::InvalidRequest, "{bad}");
        }
        for bad in ["include=user", "include=interactiondata", "include=nope"] {
            assert_eq!(code(list(bad)), Code::UnsupportedInclude, "{bad}");
        }
        assert_eq!(code(include_only("page=1")), Code::InvalidRequest);
        assert!(include_only("include=interactionData").unwrap());
        assert!(!include_only("").unwrap());
    }
}
