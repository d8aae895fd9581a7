//! The `interactions` table, the interaction log: batch inserts with pruning to the retention
//! bounds, pages read newest first within a byte budget (the API), and the portal's browsing:
//! filtered, searched and counted over a covering index, never reading requests or verdicts.

use bytestring::ByteString;
use std::collections::HashMap;

use std::sync::OnceLock;

use crate::domain::problem::Code;
use crate::verdict::{SignatureStatus, Verdict};
use sqlx::{FromRow, SqlitePool};
use uuid::Uuid;

/// One verification, as recorded.
#[derive(Debug, Clone)]
pub struct NewInteraction {
    pub id: Uuid,
    pub received_at: i64,
    pub status: &'static str,
    pub rejected: i64,
    /// The request body and the verdict JSON: UTF-8 checked once, on the request's own thread,
    /// and shared with the HTTP response, so the recorder neither copies nor re-validates them.
    pub request: ByteString,
    pub verdict: ByteString,
    pub key_used: Option<Uuid>,
    pub source: Source,
    pub accepted: i64,
    /// See [`codes_of`] and [`summary_of`].
    pub codes: String,
    pub summary: String,
}

/// Where a recorded interaction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `POST /api/v1/verify` from a test, a script or a backend.
    Api,
    /// The widget shim (`/static/talkative-engage.js`) on a page of the integrator's own.
    Widget,
    /// The widget shim on the portal's /demo page.
    Demo,
    Playground,
}

impl Source {
    pub const ALL: [Source; 4] = [Self::Api, Self::Widget, Self::Demo, Self::Playground];

    /// The wire name: what the log stores, the filters use and the shim sends.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Widget => "widget",
            Self::Demo => "demo",
            Self::Playground => "playground",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The portal's words for it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Api => "API",
            Self::Widget => "Widget shim",
            Self::Demo => "Demo page",
            Self::Playground => "Playground",
        }
    }
}

/// The codes an interaction's verdict carries, space-separated with a space at each end, so a
/// filter is `codes LIKE '% code %'`: the signature's error, each rejection reason, each warning.
pub fn codes_of(verdict: &Verdict) -> String {
    // Written in place: this runs for every verification, on the request's thread.
    let all = (verdict.signature.error.iter().map(|p| p.code))
        .chain(verdict.rejected.iter().map(|r| r.reason.code))
        .chain(verdict.warnings.iter().map(|w| w.code));
    let mut codes = String::new();
    codes.push(' ');
    for code in all {
        let name = code.as_str();
        if !codes.split(' ').any(|seen| seen == name) {
            codes.push_str(name);
            codes.push(' ');
        }
    }
    if codes.len() == 1 {
        // No codes: two spaces, as the migration's backfill writes it.
        codes.push(' ');
    }
    codes
}

/// Longest data shown (and searched) per item in the list, in characters.
pub const SUMMARY_DATA_CHARS: usize = 120;
/// Longest summary kept: short enough that an index entry stays on its page.
pub const SUMMARY_BYTES: usize = 480;

/// What an interaction carried, for the list's previews and search: a `label<TAB>data` line per
/// item, accepted then rejected, data cut to [`SUMMARY_DATA_CHARS`], the whole cut to
/// [`SUMMARY_BYTES`]. Tabs and line breaks inside labels and data become spaces.
pub fn summary_of(verdict: &Verdict) -> String {
    let items = (verdict.accepted.iter().map(|a| (&a.label, &a.data)))
        .chain(verdict.rejected.iter().map(|r| (&r.label, &r.data)));
    // Character by character into one buffer of the size it will have: this runs for every
    // verification, the record then waits in the recorder's buffer (up to `retention` of
    // them), and copying each (possibly 8 KB) data whole to flatten it, as it once did, cost
    // more than it kept.
    let flat = |c: char| {
        if matches!(c, '\t' | '\n' | '\r') {
            ' '
        } else {
            c
        }
    };
    let shown = |data: &str| {
        data.char_indices()
            .nth(SUMMARY_DATA_CHARS)
            .map_or(data.len(), |(end, _)| end)
    };
    let mut size = 0;
    for (label, data) in items.clone() {
        // A line break before every item but the first, a tab inside each.
        size += usize::from(size > 0) + label.len() + 1 + shown(data);
        if size >= SUMMARY_BYTES {
            break;
        }
    }
    let mut summary = String::with_capacity(size);
    for (label, data) in items {
        if !summary.is_empty() {
            summary.push('\n');
        }
        summary.extend(label.chars().map(flat));
        summary.push('\t');
        summary.extend(data.chars().take(SUMMARY_DATA_CHARS).map(flat));
        if summary.len() >= SUMMARY_BYTES {
            break;
        }
    }
    if summary.len() > SUMMARY_BYTES {
        let mut end = SUMMARY_BYTES;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        summary.truncate(end);
    }
    summary
}

/// The `(label, data)` pairs a [`summary_of`] holds, in order: what the list previews and the
/// stream's events carry.
pub fn summary_items(summary: &str) -> impl Iterator<Item = (&str, &str)> {
    summary
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| line.split_once('\t').unwrap_or((line, "")))
}

impl NewInteraction {
    /// What the row's request and verdict take, the unit both retention and paging count in.
    pub fn bytes(&self) -> usize {
        self.request.len() + self.verdict.len()
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct StoredInteraction {
    /// Insertion order: newer rows have larger values. Paging cursors are made of it.
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: String,
    pub rejected: i64,
    pub request: String,
    pub verdict: String,
}

/// How much the log may keep: rows, and bytes of request and verdict.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub rows: u32,
    pub bytes: u64,
}

/// Writes a batch in one transaction: the interactions, the keys' last use (`last_use`, latest
/// time per key), and the pruning of what `retention` does not keep. Either all of it lands or
/// none of it.
///
/// Room is made before inserting, so the pages the oldest rows free are reused by this very
/// transaction and the file stays near its bound instead of growing by a batch each time. The
/// size check scans an index, which every write paying for it made recording ~3% of the verify
/// path's instructions; `log_bytes` is an upper bound of what the log holds, kept by the one
/// writer across batches (`None` when unknown), and the scan runs only when the bound says the
/// batch might not fit. Rows the row bound deletes leave it high, which is safe: the next scan
/// makes it exact again.
///
/// Rows go in multi-row INSERTs rather than one statement per row: sqlx runs SQLite on a worker
/// thread, and a round trip per row cost more in thread hand-offs than the insert itself. The
/// statements have fixed sizes (64, 32, …, 1 rows) so each is prepared once and then reused from
/// the statement cache; preparing a fresh statement per batch size churned memory.
pub async fn insert_batch(
    pool: &SqlitePool,
    batch: &[NewInteraction],
    last_use: &HashMap<Uuid, i64>,
    retention: Retention,
    log_bytes: &mut Option<i64>,
) -> sqlx::Result<()> {
    let budget = i64::try_from(retention.bytes).unwrap_or(i64::MAX);
    let incoming: i64 = batch
        .iter()
        .map(|r| i64::try_from(r.bytes()).unwrap_or(i64::MAX))
        .fold(0, i64::saturating_add);
    let known = *log_bytes;
    let written = super::write_transaction(pool, async |tx| {
        let kept = match known {
            Some(bytes) if bytes.saturating_add(incoming) <= budget => bytes,
            _ => {
                prune_to_bytes(tx, budget.saturating_sub(incoming)).await?;
                sqlx::query_scalar("SELECT COALESCE(SUM(bytes), 0) FROM interactions")
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let mut rest = batch;
        while !rest.is_empty() {
            let rows = INSERT_SIZES
                .iter()
                .copied()
                .find(|size| *size <= rest.len())
                .unwrap_or(1);
            let (chunk, remaining) = rest.split_at(rows);
            let mut insert = sqlx::query(insert_sql(rows));
            for record in chunk {
                insert = insert
                    .bind(record.id.to_string())
                    .bind(record.received_at)
                    .bind(record.status)
                    .bind(record.rejected)
                    .bind(&*record.request)
                    .bind(&*record.verdict)
                    .bind(i64::try_from(record.bytes()).unwrap_or(i64::MAX))
                    .bind(record.source.as_str())
                    .bind(record.accepted)
                    .bind(&record.codes)
                    .bind(&record.summary);
            }
            insert.execute(&mut *tx).await?;
            rest = remaining;
        }
        for (key, used_at) in last_use {
            sqlx::query(
                "UPDATE signing_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
            )
            .bind(*used_at)
            .bind(key.to_string())
            .execute(&mut *tx)
            .await?;
        }
        // seq only grows, so everything more than `retention.rows` behind the newest row is old.
        sqlx::query("DELETE FROM interactions WHERE seq <= (SELECT MAX(seq) FROM interactions) - ?")
            .bind(i64::from(retention.rows))
            .execute(&mut *tx)
            .await?;
        // A batch larger than the whole budget keeps only its newest rows.
        if incoming > budget {
            prune_to_bytes(tx, budget).await?;
        }
        Ok::<_, sqlx::Error>(kept.saturating_add(incoming))
    })
    .await?;
    *log_bytes = Some(written);
    Ok(())
}

/// Deletes the oldest rows until the rest take at most `allowance` bytes. Reads only the
/// (seq, bytes) index: a running total from the newest row down finds the first row that does
/// not fit, and it and everything older go.
async fn prune_to_bytes(tx: &mut sqlx::SqliteConnection, allowance: i64) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM interactions WHERE seq <= ( \
           SELECT seq FROM ( \
             SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS newer FROM interactions \
           ) WHERE newer > ?1 ORDER BY seq DESC LIMIT 1)",
    )
    .bind(allowance)
    .execute(tx)
    .await?;
    Ok(())
}

const COLUMNS: &str = "seq, id, received_at, status, rejected, request, verdict";

/// The most request and verdict bytes one list page carries (it always carries one row): a
/// page of 500 of the largest interactions was 250 MB.
pub const PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Which interactions a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<SignatureStatus>,
    /// Only interactions where something was dropped.
    pub rejected_only: bool,
    pub source: Option<Source>,
    /// Only interactions whose verdict carries this code (see [`codes_of`]).
    pub code: Option<Code>,
    /// Only interactions with this text in a label or data (case-insensitive for ASCII), as
    /// far as the summary keeps them.
    pub search: Option<String>,
    /// Only interactions that carried an item with exactly this label (as far as the summary
    /// keeps them).
    pub label: Option<String>,
    /// Only interactions recorded after this one (a `seq`).
    pub after_seq: Option<i64>,
    /// Only interactions received after this time (Unix milliseconds).
    pub received_after: Option<i64>,
}

/// The filter as SQL over ?1..?8 (bound by [`bind_filter`]). A label is a summary line's start:
/// the summary is `label<TAB>data` lines.
const MATCHES: &str = "(?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
     AND (?3 IS NULL OR source = ?3) AND (?4 IS NULL OR codes LIKE '% ' || ?4 || ' %') \
     AND (?5 IS NULL OR summary LIKE '%' || ?5 || '%' ESCAPE '\\') \
     AND (?6 IS NULL OR instr(char(10) || summary, char(10) || ?6 || char(9)) > 0) \
     AND (?7 IS NULL OR seq > ?7) AND (?8 IS NULL OR received_at > ?8)";

fn bind_filter<'q, O>(
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

/// One page of a list, newest first, and where the next page starts (older rows remain).
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<StoredInteraction>,
    pub next: Option<i64>,
}

/// At most `limit` rows older than `before` (a `Page::next`), and no more than `max_bytes` of
/// request and verdict, though always at least one row: sizes are read from the index first,
/// so a page of 500 KB rows never loads more rows than it returns.
pub async fn page(
    pool: &SqlitePool,
    filter: &Filter,
    limit: u32,
    before: Option<i64>,
    max_bytes: u64,
) -> sqlx::Result<Page> {
    let sizes: Vec<(i64, i64)> = bind_filter(
        sqlx::query_as(&format!(
            "SELECT seq, bytes FROM interactions WHERE {MATCHES} AND (?9 IS NULL OR seq < ?9) \
             ORDER BY seq DESC LIMIT ?10"
        )),
        filter,
    )
    .bind(before)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;
    let max_bytes = i64::try_from(max_bytes).unwrap_or(i64::MAX);
    let mut taken = 0;
    let mut total: i64 = 0;
    for (_, bytes) in sizes
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        total = total.saturating_add(*bytes);
        if taken > 0 && total > max_bytes {
            break;
        }
        taken += 1;
    }
    let (Some((newest, _)), Some((oldest, _))) = (sizes.first(), sizes.get(taken.max(1) - 1))
    else {
        return Ok(Page {
            rows: Vec::new(),
            next: None,
        });
    };
    let rows = bind_filter(
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM interactions WHERE {MATCHES} AND seq BETWEEN ?9 AND ?10 \
             ORDER BY seq DESC"
        )),
        filter,
    )
    .bind(oldest)
    .bind(newest)
    .fetch_all(pool)
    .await?;
    Ok(Page {
        rows,
        next: (sizes.len() > taken).then_some(*oldest),
    })
}

/// One row of the portal's list: the browse columns only, read from the covering index.
#[derive(Debug, Clone, FromRow)]
pub struct BrowseRow {
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: String,
    pub accepted: i64,
    pub rejected: i64,
    pub source: Option<String>,
    pub codes: String,
    pub summary: String,
}

/// Where a browsed page sits.
#[derive(Debug, Clone, Copy)]
pub enum Position {
    Newest,
    /// The page of rows just older than this `seq` (an "older" link).
    Before(i64),
    /// The page of rows just newer than this `seq` (a "newer" link).
    After(i64),
}

/// A page of the list, newest first, and where it sits among what matches.
#[derive(Debug)]
pub struct Browse {
    pub rows: Vec<BrowseRow>,
    /// How many interactions match the filter, and how many of those are newer than this page.
    pub matching: i64,
    pub newer: i64,
    /// How many interactions the log holds.
    pub total: i64,
}

const BROWSE_COLUMNS: &str =
    "seq, id, received_at, status, accepted, rejected, source, codes, summary";

/// A page of at most `limit` rows at `position`, with the counts for "51–100 of 8,214". The
/// queries read the browse columns only; a row's request and verdict are read from disk only
/// when they spill onto overflow pages before those columns (a row over ~4 KB).
pub async fn browse(
    pool: &SqlitePool,
    filter: &Filter,
    limit: u32,
    position: Position,
) -> sqlx::Result<Browse> {
    let rows: Vec<BrowseRow> = match position {
        Position::Newest | Position::Before(_) => {
            let before = match position {
                Position::Before(seq) => Some(seq),
                _ => None,
            };
            bind_filter(
                sqlx::query_as(&format!(
                    "SELECT {BROWSE_COLUMNS} FROM interactions \
                     WHERE {MATCHES} AND (?9 IS NULL OR seq < ?9) ORDER BY seq DESC LIMIT ?10"
                )),
                filter,
            )
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        }
        Position::After(after) => {
            let mut rows = newer_than(pool, filter, after, limit).await?;
            rows.reverse();
            rows
        }
    };
    // Newer than the page's newest row; with no rows, newer than where the page would start.
    let newest_shown = rows.first().map(|r| r.seq).or(match position {
        Position::Newest => None,
        Position::Before(seq) => Some(seq - 1),
        Position::After(seq) => Some(seq),
    });
    let (matching, newer): (i64, i64) = bind_filter(
        sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(seq > ?9), 0) FROM interactions \
             WHERE {MATCHES}"
        )),
        filter,
    )
    .bind(newest_shown.unwrap_or(i64::MAX))
    .fetch_one(pool)
    .await?;
    let total = count(pool).await?;
    Ok(Browse {
        rows,
        matching,
        newer,
        total,
    })
}

/// At most `limit` rows newer than `after` (a `seq`), oldest first: what a follower has not
/// seen yet, in the order it happened.
pub async fn newer_than(
    pool: &SqlitePool,
    filter: &Filter,
    after: i64,
    limit: u32,
) -> sqlx::Result<Vec<BrowseRow>> {
    bind_filter(
        sqlx::query_as(&format!(
            "SELECT {BROWSE_COLUMNS} FROM interactions \
             WHERE {MATCHES} AND seq > ?9 ORDER BY seq ASC LIMIT ?10"
        )),
        filter,
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
}

/// Deletes every recorded interaction; how many there were.
pub async fn clear(pool: &SqlitePool) -> sqlx::Result<u64> {
    super::write_transaction(pool, async |tx| {
        let done = sqlx::query("DELETE FROM interactions")
            .execute(&mut *tx)
            .await?;
        Ok::<_, sqlx::Error>(done.rows_affected())
    })
    .await
}

/// How many interactions the log holds and the bytes of their requests and verdicts.
pub async fn totals(pool: &SqlitePool) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM interactions")
        .fetch_one(pool)
        .await
}

/// How many interactions the log holds.
pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM interactions")
        .fetch_one(pool)
        .await
}

/// The `seq` of the interaction with this id, if the log still holds it.
pub async fn seq_of(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT seq FROM interactions WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}

/// The newest row's `seq`, 0 for an empty log: where a follower starts.
pub async fn latest_seq(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM interactions")
        .fetch_one(pool)
        .await
}

pub async fn get(pool: &SqlitePool, id: Uuid) -> sqlx::Result<Option<StoredInteraction>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM interactions WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
}

/// Rows per INSERT statement, largest first; any batch is a sum of these.
const INSERT_SIZES: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// The INSERT text for `rows` rows (one of INSERT_SIZES), built once per size.
fn insert_sql(rows: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        INSERT_SIZES
            .iter()
            .map(|&n| {
                let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; n].join(", ");
                format!(
                    "INSERT INTO interactions (id, received_at, status, rejected, request, verdict, bytes, \
                     source, accepted, codes, summary) VALUES {values}"
                )
            })
            .collect()
    });
    let index = INSERT_SIZES
        .iter()
        .position(|&n| n == rows)
        .expect("rows is one of INSERT_SIZES");
    &texts[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::problem::{Problem, Warning};
    use crate::verdict::{
        AcceptedItem, AcceptedSource, Enforcement, Reason, RejectedItem, RejectedSource,
        SignatureVerdict,
    };

    fn verdict(accepted: &[(&str, &str)], rejected: &[(&str, &str, Code)]) -> Verdict {
        Verdict {
            id: Uuid::nil(),
            received_at: String::new(),
            enforcement: Enforcement::On,
            signature: SignatureVerdict {
                status: SignatureStatus::Invalid,
                key_id: None,
                key_name: None,
                error: Some(Problem::new(Code::SignatureMismatch, "m", "h")),
                failed_at: None,
                header: None,
            },
            accepted: accepted
                .iter()
                .map(|(label, data)| AcceptedItem {
                    label: (*label).to_owned(),
                    data: (*data).to_owned(),
                    kind: "string".to_owned(),
                    source: AcceptedSource::Signed,
                })
                .collect(),
            rejected: rejected
                .iter()
                .map(|(label, data, code)| RejectedItem {
                    label: (*label).to_owned(),
                    data: (*data).to_owned(),
                    kind: "string".to_owned(),
                    source: RejectedSource::Unsigned,
                    reason: Reason {
                        code: *code,
                        message: String::new(),
                    },
                })
                .collect(),
            would_reject: Vec::new(),
            warnings: vec![
                Warning::new(Code::UnknownItemField, "w"),
                Warning::new(Code::NotAllowlisted, "again"),
            ],
        }
    }

    #[test]
    fn codes_list_each_code_once_signature_error_first_between_spaces() {
        let v = verdict(
            &[],
            &[
                ("a", "", Code::NotAllowlisted),
                ("b", "", Code::NotAllowlisted),
                ("c", "", Code::DuplicateLabel),
            ],
        );
        assert_eq!(
            codes_of(&v),
            " signature_mismatch not_allowlisted duplicate_label unknown_item_field "
        );
        let mut clean = verdict(&[], &[]);
        clean.signature.error = None;
        clean.warnings.clear();
        assert_eq!(codes_of(&clean), "  ");
    }

    #[test]
    fn summaries_flatten_cut_each_data_and_stop_at_their_size() {
        let long = "é".repeat(200);
        let v = verdict(
            &[("email", "a@b.c"), ("multi\tline", "one\ntwo\r")],
            &[("page", &long, Code::NotAllowlisted)],
        );
        let summary = summary_of(&v);
        let items: Vec<(&str, &str)> = summary_items(&summary).collect();
        assert_eq!(items[0], ("email", "a@b.c"));
        assert_eq!(items[1], ("multi line", "one two "));
        assert_eq!(items[2].1.chars().count(), SUMMARY_DATA_CHARS);
        // Sized up front: records wait in the recorder's buffer, so spare capacity is memory.
        assert_eq!(summary.capacity(), summary.len());

        let many: Vec<(String, String)> = (0..20)
            .map(|i| (format!("label{i}"), "ü".repeat(150)))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(l, d)| (l.as_str(), d.as_str())).collect();
        let summary = summary_of(&verdict(&many, &[]));
        assert!(summary.len() <= SUMMARY_BYTES && summary.len() > SUMMARY_BYTES - 4);
        assert!(summary.starts_with("label0\t"));
    }
}
