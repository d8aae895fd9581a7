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
    /// Only interactions with this text in an item's name, label or data (case-insensitive for
    /// ASCII), anywhere in them.
    pub search: Option<String>,
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

/// The filter as SQL over ?1..?10 (bound by [`bind_filter`]). Labels and search read the items
/// the interaction carried, whole.
pub(super) const MATCHES: &str = "(?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
     AND (?3 IS NULL OR source = ?3) \
     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(verdict_codes) WHERE value = ?4)) \
     AND (?5 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq \
          AND (item.label LIKE '%' || ?5 || '%' ESCAPE '\\' OR item.data LIKE '%' || ?5 || '%' ESCAPE '\\' \
               OR item.name LIKE '%' || ?5 || '%' ESCAPE '\\'))) \
     AND (?6 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.label = ?6)) \
     AND (?7 IS NULL OR seq > ?7) AND (?8 IS NULL OR received_at > ?8) \
     AND (?9 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.name = ?9)) \
     AND (?10 IS NULL OR engagement = ?10)";

pub(super) fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    filter: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(filter.status.map(SignatureStatus::as_str))
        .bind(filter.rejected_only)
        .bind(filter.source.map(Source::as_str))
        .bind(filter.code.map(Code::as_str))
        .bind(filter.search.as_deref().map(escape_like))
        .bind(filter.label.as_deref())
        .bind(filter.after_seq)
        .bind(filter.received_after)
        .bind(filter.name.as_deref())
        .bind(filter.engagement.map(|uuid| uuid.to_string()))
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
