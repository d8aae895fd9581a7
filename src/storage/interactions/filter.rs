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

/// One search word, `$word` (a parameter or a column), matched anywhere in an interaction: an
/// item's label, data or name, its id, its codes, the key's name, and, for a word of 16 or more
/// characters (a piece of a token), its request, which holds the token; the cheap places first.
/// The word comes escaped for `LIKE`, so its length is the word's own once each `\\` is one
/// character and each other `\` (before `_` or `%`) none. Columns are named with their table:
/// `json_each` has an `id` of its own.
macro_rules! word_matches {
    ($word:literal) => {
        concat!(
            "(EXISTS (SELECT 1 FROM interaction_items AS item WHERE item.seq = interactions.seq \
               AND (item.label LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\' \
                    OR item.data LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\' \
                    OR item.name LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\')) \
             OR interactions.id LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\' \
             OR interactions.verdict_codes LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\' \
             OR COALESCE(interactions.key_name, '') LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\' \
             OR (length(replace(replace(",
            $word,
            ", '\\\\', '.'), '\\', '')) >= 16 AND interactions.request LIKE '%' || ",
            $word,
            " || '%' ESCAPE '\\'))"
        )
    };
}

/// The filter as SQL over ?1..?12 (bound by [`bind_filter`]; a query adds its own from ?13).
/// Labels and search read the items the interaction carried, whole. The search's first word is
/// ?5; any others come as one JSON array (?12), each of which must match too (a first version
/// read every word from the array: `json_each` per row made a search 1.8× slower,
/// benches/README.md #32).
pub(super) const MATCHES: &str = concat!(
    "(?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
     AND (?3 IS NULL OR source = ?3) \
     AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(verdict_codes) WHERE value = ?4)) \
     AND (?5 IS NULL OR ",
    word_matches!("?5"),
    ") AND (?12 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?12) AS word WHERE NOT ",
    word_matches!("word.value"),
    ")) \
     AND (?6 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.label = ?6)) \
     AND (?7 IS NULL OR seq > ?7) AND (?8 IS NULL OR received_at > ?8) \
     AND (?9 IS NULL OR EXISTS (SELECT 1 FROM interaction_items AS item \
          WHERE item.seq = interactions.seq AND item.name = ?9)) \
     AND (?10 IS NULL OR engagement = ?10) \
     AND (?11 IS NULL OR COALESCE(key_name, '') LIKE '%' || ?11 || '%' ESCAPE '\\')"
);

pub(super) fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    filter: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(filter.status.map(SignatureStatus::as_str))
        .bind(filter.rejected_only)
        .bind(filter.source.map(Source::as_str))
        .bind(filter.code.map(Code::as_str))
        .bind(filter.words.first().map(|word| escape_like(word)))
        .bind(filter.label.as_deref())
        .bind(filter.after_seq)
        .bind(filter.received_after)
        .bind(filter.name.as_deref())
        .bind(filter.engagement.map(|uuid| uuid.to_string()))
        .bind(filter.key_name.as_deref().map(escape_like))
        .bind(other_words_json(&filter.words))
}

/// The search's words after the first, each escaped for `LIKE`, as the JSON array ?12 reads
/// (`NULL` when there are none).
fn other_words_json(words: &[String]) -> Option<String> {
    let others: Vec<String> = words.iter().skip(1).map(|word| escape_like(word)).collect();
    (!others.is_empty()).then(|| serde_json::to_string(&others).unwrap_or_else(|_| "[]".to_owned()))
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
