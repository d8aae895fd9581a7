//! The `interactions` table, the interaction log: its rows (written by `storage/batch.rs`, pruned
//! by `storage/retention.rs`), pages read newest first within a byte budget (the API), and the
//! portal's browsing:
//! filtered, searched and counted without reading requests or verdicts. What each interaction
//! carried is kept whole in `interaction_items` (one row per item) and its codes as a JSON
//! array in `verdict_codes`; [`codes_of`]/[`items_of`] make them, the readers here decode them
//! into typed rows, and a row that does not decode is an error, never a guess.

use bytestring::ByteString;
use std::collections::HashMap;

use super::retention::{ITEM_COLUMNS, ITEM_INDEX, LOG_ROW_COLUMNS, LOG_ROW_INDEXES, row_cost};
use crate::domain::problem::Code;
use crate::domain::site::Site;
use crate::domain::source::Source;
use crate::verdict::{SignatureStatus, Verdict};
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row, SqlitePool};
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
    /// The engagement it was an arrival of, when the widget sent it.
    pub engagement: Option<Uuid>,
    /// Whose share of the budget it counts against (domain/site.rs).
    pub site: Site,
    pub accepted: i64,
    /// See [`codes_of`] and [`items_of`].
    pub codes: Vec<Code>,
    pub items: CarriedItems,
}

/// The items an interaction carried, waiting in the recorder's buffer (thousands of records
/// under load): one allocation however many items, each item its name, label and data, each
/// as its length (4 bytes, little-endian; `u32::MAX` for no name) then its bytes. With a
/// `String` per label and data the load test's peak RSS rose by a quarter. Made by
/// [`items_of`], read by [`Self::iter`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarriedItems(Vec<u8>);

/// The length that marks a missing name.
const NO_TEXT: u32 = u32::MAX;

/// An item as the recorder writes it: `(name, label, data)`.
pub type ItemText<'a> = (Option<&'a str>, &'a str, &'a str);

impl CarriedItems {
    /// `(name, label, data)` of each item, in order.
    pub fn iter(&self) -> impl Iterator<Item = ItemText<'_>> {
        let mut offset = 0;
        std::iter::from_fn(move || {
            let (item, next) = self.at(offset)?;
            offset = next;
            Some(item)
        })
    }

    /// The item that starts at `offset` (0 for the first), and where the next one starts.
    pub(super) fn at(&self, offset: usize) -> Option<(ItemText<'_>, usize)> {
        let rest = self.0.get(offset..)?;
        let (name, after_name) = Self::next_text(rest)?;
        let (label, after_label) = Self::next_text(after_name)?;
        let (data, after_data) = Self::next_text(after_label)?;
        Some(((name, label?, data?), self.0.len() - after_data.len()))
    }

    /// A length-prefixed text at the start of `bytes` (`None` for the no-text mark), and what
    /// follows it.
    fn next_text(bytes: &[u8]) -> Option<(Option<&str>, &[u8])> {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = u32::from_le_bytes(*length);
        if length == NO_TEXT {
            return Some((None, rest));
        }
        let (text, rest) = rest.split_at_checked(length as usize)?;
        // Written from `&str`s by `items_of` only.
        Some((Some(std::str::from_utf8(text).ok()?), rest))
    }

    pub(super) fn push_text(&mut self, text: Option<&str>) {
        // An item's members are far under 4 GiB (a body is at most a few MiB).
        let length = text.map_or(NO_TEXT, |text| {
            u32::try_from(text.len()).unwrap_or(NO_TEXT - 1)
        });
        self.0.extend_from_slice(&length.to_le_bytes());
        self.0
            .extend_from_slice(text.unwrap_or_default().as_bytes());
    }

    /// How many items.
    pub fn count(&self) -> usize {
        self.iter().count()
    }

    /// The bytes of their names, labels and data.
    pub fn bytes(&self) -> usize {
        self.iter()
            .map(|(name, label, data)| name.map_or(0, str::len) + label.len() + data.len())
            .sum()
    }
}

/// An item an interaction carried, as a browsed row previews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedItem {
    pub name: Option<String>,
    pub label: String,
    pub data: String,
}

/// The codes an interaction's verdict carries, each once: the signature's error, then each
/// rejection reason, then each warning.
pub fn codes_of(verdict: &Verdict) -> Vec<Code> {
    let all = (verdict.signature.error.iter().map(|p| p.code))
        .chain(verdict.rejected.iter().map(|r| r.reason.code))
        .chain(verdict.warnings.iter().map(|w| w.code));
    let mut codes: Vec<Code> = Vec::new();
    for code in all {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// What an interaction carried: its accepted items, then its rejected ones, whole.
pub fn items_of(verdict: &Verdict) -> CarriedItems {
    let accepted = (verdict.accepted.iter()).map(|a| (a.name.as_deref(), &a.label, &a.data));
    let rejected = (verdict.rejected.iter()).map(|r| (r.name.as_deref(), &r.label, &r.data));
    let all = accepted.chain(rejected);
    let size = all
        .clone()
        .map(|(name, label, data)| 12 + name.map_or(0, str::len) + label.len() + data.len())
        .sum();
    let mut items = CarriedItems(Vec::with_capacity(size));
    for (name, label, data) in all {
        items.push_text(name);
        items.push_text(Some(label));
        items.push_text(Some(data));
    }
    items
}

/// `verdict_codes` as stored: a JSON array of code names. The one encoder.
pub(super) fn encode_codes(codes: &[Code]) -> String {
    // A list of unit variants that serialize as strings cannot fail to serialize.
    serde_json::to_string(codes).unwrap_or_else(|_| "[]".to_owned())
}

/// `verdict_codes` as read back. The one decoder: a name that is no code is an error.
fn decode_codes(stored: &str) -> Result<Vec<Code>, sqlx::Error> {
    serde_json::from_str(stored).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Items previewed per browsed row (the list and the stream), and characters of data each.
pub const PREVIEW_ITEMS: usize = 20;
pub const PREVIEW_DATA_CHARS: usize = 120;

impl NewInteraction {
    /// What it takes in memory while it waits to be written: its request, verdict and items.
    /// (What it will take on disk, [`Self::bytes`], is more: the pages its rows fill.)
    pub fn memory(&self) -> usize {
        self.request.len() + self.verdict.len() + self.items.0.len()
    }

    /// What the row keeps (request, verdict and the items it carried, and what SQLite spends on
    /// the row and each item: `storage/retention.rs`), the unit both retention and paging count
    /// in.
    pub fn bytes(&self) -> usize {
        let row = row_cost((self.request.len() + self.verdict.len()) as u64 + LOG_ROW_COLUMNS);
        let items: u64 = self
            .items
            .iter()
            .map(|(name, label, data)| {
                let text = name.map_or(0, str::len) + label.len() + data.len();
                row_cost(text as u64 + ITEM_COLUMNS) + ITEM_INDEX
            })
            .sum();
        usize::try_from(row + LOG_ROW_INDEXES + items).unwrap_or(usize::MAX)
    }
}

#[derive(Debug, Clone)]
pub struct StoredInteraction {
    /// Insertion order: newer rows have larger values. Paging cursors are made of it.
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: SignatureStatus,
    pub rejected: i64,
    pub request: String,
    pub verdict: String,
    pub engagement: Option<Uuid>,
    /// Who sent it; `None` for rows recorded before sources were kept.
    pub source: Option<Source>,
}

impl<'r> FromRow<'r, SqliteRow> for StoredInteraction {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(Self {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            received_at: row.try_get("received_at")?,
            status: decode_status(row.try_get("status")?)?,
            rejected: row.try_get("rejected")?,
            request: row.try_get("request")?,
            verdict: row.try_get("verdict")?,
            engagement: decode_engagement(row.try_get("engagement")?)?,
            source: decode_source(row.try_get("source")?)?,
        })
    }
}

/// The stored status, or an error naming what the row holds instead.
fn decode_status(stored: &str) -> sqlx::Result<SignatureStatus> {
    stored
        .parse()
        .map_err(|()| decode_error(format!("unknown signature status {stored:?}")))
}

fn decode_source(stored: Option<&str>) -> sqlx::Result<Option<Source>> {
    stored
        .map(|name| {
            Source::parse(name).ok_or_else(|| decode_error(format!("unknown source {name:?}")))
        })
        .transpose()
}

fn decode_engagement(stored: Option<&str>) -> sqlx::Result<Option<Uuid>> {
    stored
        .map(|uuid| {
            Uuid::try_parse(uuid)
                .map_err(|_| decode_error(format!("engagement {uuid:?} is not a UUID")))
        })
        .transpose()
}

fn decode_error(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

const COLUMNS: &str =
    "seq, id, received_at, status, rejected, request, verdict, engagement, source";

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
const MATCHES: &str = "(?1 IS NULL OR status = ?1) AND (?2 = 0 OR rejected > 0) \
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
            "SELECT seq, bytes FROM interactions WHERE {MATCHES} AND (?11 IS NULL OR seq < ?11) \
             ORDER BY seq DESC LIMIT ?12"
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
            "SELECT {COLUMNS} FROM interactions WHERE {MATCHES} AND seq BETWEEN ?11 AND ?12 \
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
#[derive(Debug, Clone)]
pub struct BrowseRow {
    pub seq: i64,
    pub id: String,
    pub received_at: i64,
    pub status: SignatureStatus,
    pub accepted: i64,
    pub rejected: i64,
    /// `None` for interactions recorded before sources were kept.
    pub source: Option<Source>,
    pub engagement: Option<Uuid>,
    /// As [`codes_of`] made them: the signature's error first.
    pub codes: Vec<Code>,
    /// The first [`PREVIEW_ITEMS`] items, data cut to [`PREVIEW_DATA_CHARS`] characters.
    pub items: Vec<CarriedItem>,
}

impl<'r> FromRow<'r, SqliteRow> for BrowseRow {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(Self {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            received_at: row.try_get("received_at")?,
            status: decode_status(row.try_get("status")?)?,
            accepted: row.try_get("accepted")?,
            rejected: row.try_get("rejected")?,
            source: decode_source(row.try_get("source")?)?,
            engagement: decode_engagement(row.try_get("engagement")?)?,
            codes: decode_codes(row.try_get("verdict_codes")?)?,
            // Read for the whole page at once, by `with_previews`.
            items: Vec::new(),
        })
    }
}

/// Fills in the previews of `rows`' items, in one query for them all.
async fn with_previews(
    pool: &SqlitePool,
    mut rows: Vec<BrowseRow>,
) -> sqlx::Result<Vec<BrowseRow>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let seqs = serde_json::to_string(&rows.iter().map(|row| row.seq).collect::<Vec<_>>())
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let previews: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
        "SELECT seq, name, label, substr(data, 1, ?2) FROM interaction_items \
         WHERE seq IN (SELECT value FROM json_each(?1)) AND position < ?3 \
         ORDER BY seq, position",
    )
    .bind(seqs)
    .bind(PREVIEW_DATA_CHARS as i64)
    .bind(PREVIEW_ITEMS as i64)
    .fetch_all(pool)
    .await?;
    let mut by_seq: HashMap<i64, Vec<CarriedItem>> = HashMap::new();
    for (seq, name, label, data) in previews {
        by_seq
            .entry(seq)
            .or_default()
            .push(CarriedItem { name, label, data });
    }
    for row in &mut rows {
        row.items = by_seq.remove(&row.seq).unwrap_or_default();
    }
    Ok(rows)
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
    "seq, id, received_at, status, accepted, rejected, source, verdict_codes, engagement";

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
            let rows = bind_filter(
                sqlx::query_as(&format!(
                    "SELECT {BROWSE_COLUMNS} FROM interactions \
                     WHERE {MATCHES} AND (?11 IS NULL OR seq < ?11) ORDER BY seq DESC LIMIT ?12"
                )),
                filter,
            )
            .bind(before)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            with_previews(pool, rows).await?
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
            "SELECT COUNT(*), COALESCE(SUM(seq > ?11), 0) FROM interactions \
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
    let rows = bind_filter(
        sqlx::query_as(&format!(
            "SELECT {BROWSE_COLUMNS} FROM interactions \
             WHERE {MATCHES} AND seq > ?11 ORDER BY seq ASC LIMIT ?12"
        )),
        filter,
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    with_previews(pool, rows).await
}

/// The ids of the interactions recorded just after and just before the one at `seq`:
/// `(newer, older)`, for a detail page's next and previous.
pub async fn neighbours(
    pool: &SqlitePool,
    seq: i64,
) -> sqlx::Result<(Option<String>, Option<String>)> {
    let newer =
        sqlx::query_scalar("SELECT id FROM interactions WHERE seq > ? ORDER BY seq LIMIT 1")
            .bind(seq)
            .fetch_optional(pool)
            .await?;
    let older =
        sqlx::query_scalar("SELECT id FROM interactions WHERE seq < ? ORDER BY seq DESC LIMIT 1")
            .bind(seq)
            .fetch_optional(pool)
            .await?;
    Ok((newer, older))
}

/// Deletes one recorded interaction and its items; whether it was there. An engagement's
/// arrival no longer counts what it held (its arrival stays, its link to the log gone).
pub async fn delete(pool: &SqlitePool, id: Uuid) -> sqlx::Result<bool> {
    super::write_transaction(pool, async |tx| {
        let row: Option<(i64, i64, Option<String>)> =
            sqlx::query_as("SELECT seq, bytes, engagement FROM interactions WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((seq, bytes, engagement)) = row else {
            return Ok::<_, sqlx::Error>(false);
        };
        if let Some(engagement) = engagement {
            sqlx::query(
                "UPDATE engagements SET verifications = MAX(verifications - 1, 0), \
                 bytes = MAX(bytes - ?, 0) WHERE uuid = ?",
            )
            .bind(bytes)
            .bind(engagement)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM interaction_items WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM interactions WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        Ok(true)
    })
    .await
}

/// Deletes every recorded interaction; how many there were. Engagements stay, holding what they
/// hold besides their verifications.
pub async fn clear(pool: &SqlitePool) -> sqlx::Result<u64> {
    super::write_transaction(pool, async |tx| {
        sqlx::query(
            "UPDATE engagements SET verifications = 0, bytes = MAX(bytes - COALESCE((SELECT \
             SUM(bytes) FROM interactions WHERE engagement = engagements.uuid), 0), 0)",
        )
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM interactions")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM interaction_items")
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
                    name: None,
                    matched_on: None,
                    label: (*label).to_owned(),
                    data: (*data).to_owned(),
                    kind: "string".to_owned(),
                    source: AcceptedSource::Signed,
                })
                .collect(),
            rejected: rejected
                .iter()
                .map(|(label, data, code)| RejectedItem {
                    name: None,
                    matched_on: None,
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
    fn codes_list_each_code_once_signature_error_first_and_read_back_as_written() {
        let v = verdict(
            &[],
            &[
                ("a", "", Code::NotAllowlisted),
                ("b", "", Code::NotAllowlisted),
                ("c", "", Code::DuplicateLabel),
            ],
        );
        let codes = codes_of(&v);
        assert_eq!(
            codes,
            [
                Code::SignatureMismatch,
                Code::NotAllowlisted,
                Code::DuplicateLabel,
                Code::UnknownItemField
            ]
        );
        let stored = encode_codes(&codes);
        assert_eq!(
            stored,
            r#"["signature_mismatch","not_allowlisted","duplicate_label","unknown_item_field"]"#
        );
        assert_eq!(decode_codes(&stored).unwrap(), codes);
        let mut clean = verdict(&[], &[]);
        clean.signature.error = None;
        clean.warnings.clear();
        assert_eq!(encode_codes(&codes_of(&clean)), "[]");
    }

    #[test]
    fn a_stored_row_that_does_not_decode_is_an_error_not_a_guess() {
        assert!(decode_codes(r#"["no_such_code"]"#).is_err());
        assert!(
            decode_codes(" signature_mismatch ").is_err(),
            "the old format"
        );
        assert!(decode_status("bogus").is_err());
        assert!(decode_source(Some("fax")).is_err());
        assert_eq!(decode_source(None).unwrap(), None);
    }

    #[test]
    fn items_are_kept_whole_accepted_first_and_counted_in_the_rows_bytes() {
        let long = "é".repeat(5000);
        let v = verdict(
            &[("email", "a@b.c"), ("multi\tline", "one\ntwo")],
            &[("page", &long, Code::NotAllowlisted)],
        );
        let items = items_of(&v);
        assert_eq!(items.0.capacity(), items.0.len(), "sized up front");
        let pairs: Vec<(Option<&str>, &str, &str)> = items.iter().collect();
        assert_eq!(
            pairs,
            [
                (None, "email", "a@b.c"),
                (None, "multi\tline", "one\ntwo"),
                (None, "page", long.as_str())
            ]
        );
        let record = NewInteraction {
            id: Uuid::nil(),
            received_at: 0,
            status: "invalid",
            rejected: 1,
            request: "{}".into(),
            verdict: "{}".into(),
            key_used: None,
            source: Source::Api,
            engagement: None,
            site: Site::direct(),
            accepted: 2,
            codes: Vec::new(),
            items,
        };
        // The row (a small one), two small items, and one of 10 KB: two overflow pages and half
        // a leaf page. What SQLite lays out, not the text's length.
        let row = row_cost(4 + LOG_ROW_COLUMNS) + LOG_ROW_INDEXES;
        let small = row_cost(10 + ITEM_COLUMNS) + row_cost(17 + ITEM_COLUMNS) + 2 * ITEM_INDEX;
        let large = row_cost(4 + long.len() as u64 + ITEM_COLUMNS) + ITEM_INDEX;
        assert_eq!(record.bytes() as u64, row + small + large);
        assert!((2 * 4096..3 * 4096).contains(&large), "{large}");
    }
}
