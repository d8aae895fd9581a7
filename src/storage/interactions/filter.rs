//! Which interactions a list shows, as SQL: one filter for the API's pages, the portal's
//! browsing and the followers of the log.

use uuid::Uuid;

use crate::domain::problem::Code;
use crate::domain::source::Source;
use crate::verdict::SignatureStatus;

/// Which interactions a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<SignatureStatus>,
    /// Only interactions where something was dropped.
    pub rejected_only: bool,
    pub source: Option<Source>,
    /// Only interactions whose verdict carries this code (see [`codes_of`]).
    pub code: Option<Code>,
    /// Only interactions where each of these is found (case-insensitive for ASCII) in an
    /// item's name, label or data, the interaction's id, its key's name, its codes or its
    /// request (so its token).
    pub words: Vec<String>,
    /// Only interactions verified by a key whose name contains this (ASCII case-insensitive).
    pub key_name: Option<String>,
    /// Only interactions that carried an item with exactly this label.
    pub label: Option<String>,
    /// Only interactions that carried an item with exactly this name.
    pub name: Option<String>,
    /// Only interactions recorded after this one (a `seq`).
    pub after_seq: Option<i64>,
    /// Only interactions received after this time (Unix milliseconds).
    pub received_after: Option<i64>,
    /// Only the arrivals of this engagement.
    pub engagement: Option<Uuid>,
}

/// The filter as SQL over ?1..?11 (bound by [`bind_filter`]; a query adds its own from ?12). Labels and search read the items
/// the interaction carried, whole; the search's words come as one JSON array (?5), each of
/// which must match (the cheap places first: the request, which holds the token, last).
/// Columns are named with their table: `json_each` has an `id` of its own.
pub(super) const MATCHES: &str = "(?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
     AND (?3 IS NULL OR source = ?3) \
     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(verdict_codes) WHERE value = ?4)) \
     AND NOT EXISTS (SELECT 1 FROM json_each(?5) AS word WHERE NOT ( \
          EXISTS (SELECT 1 FROM interaction_items AS item WHERE item.seq = interactions.seq \
               AND (item.label LIKE '%' || word.value || '%' ESCAPE '\\' \
                    OR item.data LIKE '%' || word.value || '%' ESCAPE '\\' \
                    OR item.name LIKE '%' || word.value || '%' ESCAPE '\\')) \
          OR interactions.id LIKE '%' || word.value || '%' ESCAPE '\\' \
          OR interactions.verdict_codes LIKE '%' || word.value || '%' ESCAPE '\\' \
          OR COALESCE(json_extract(interactions.verdict, '$.signature.keyName'), '') \
               LIKE '%' || word.value || '%' ESCAPE '\\' \
          OR interactions.request LIKE '%' || word.value || '%' ESCAPE '\\')) \
     AND (?6 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.label = ?6)) \
     AND (?7 IS NULL OR seq > ?7) AND (?8 IS NULL OR received_at > ?8) \
     AND (?9 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.name = ?9)) \
     AND (?10 IS NULL OR engagement = ?10) \
     AND (?11 IS NULL OR COALESCE(json_extract(verdict, '$.signature.keyName'), '') \
          LIKE '%' || ?11 || '%' ESCAPE '\\')";

pub(super) fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    filter: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(filter.status.map(SignatureStatus::as_str))
        .bind(filter.rejected_only)
        .bind(filter.source.map(Source::as_str))
        .bind(filter.code.map(Code::as_str))
        .bind(words_json(&filter.words))
        .bind(filter.label.as_deref())
        .bind(filter.after_seq)
        .bind(filter.received_after)
        .bind(filter.name.as_deref())
        .bind(filter.engagement.map(|uuid| uuid.to_string()))
        .bind(filter.key_name.as_deref().map(escape_like))
}

/// The search's words, each escaped for `LIKE`, as the JSON array ?5 reads (`[]`: no words).
fn words_json(words: &[String]) -> String {
    let escaped: Vec<String> = words.iter().map(|word| escape_like(word)).collect();
    serde_json::to_string(&escaped).unwrap_or_else(|_| "[]".to_owned())
}

/// `text` matched literally by `LIKE … ESCAPE` with a backslash.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
