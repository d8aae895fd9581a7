//! The `engagements` tables: each engagement's row (with what it holds against its limits), its
//! arrivals (with the verification that judged each), the items its agent was given, and the
//! agent view kept as they arrive (`engagement_view`: per key, where it first came and the item
//! holding its latest value). Written only by the log's writer (`storage/batch.rs`), in the
//! transaction that writes each arrival's verification; rows decode into typed values or fail.

use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::domain::engagement::{
    AgentItem, ArrivalKind, EngagementState, Held, Provenance, replaces,
};
use crate::domain::site::Site;
use crate::domain::widget_config::Channel;

/// An engagement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEngagement {
    /// The numeric id (Talkative's Core API names interactions by it).
    pub id: i64,
    pub uuid: Uuid,
    pub config_uuid: Uuid,
    pub action: String,
    pub channel: Channel,
    pub queue_uuid: Option<Uuid>,
    pub start_url: Option<String>,
    pub state: EngagementState,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
    /// What it holds, against `domain::engagement::Limits`.
    pub held: Held,
}

/// One arrival of data, and the verification that judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub arrival: i64,
    pub kind: ArrivalKind,
    pub verification: Uuid,
    pub received_at: i64,
    /// What its verification dropped, and why (read from the verdict it recorded).
    pub dropped: Vec<DroppedItem>,
    /// The code its token was refused with, when it was.
    pub signature_error: Option<String>,
}

/// An item an arrival's verification dropped, as its verdict recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DroppedItem {
    #[serde(default)]
    pub name: Option<String>,
    pub label: String,
    pub reason: DroppedReason,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DroppedReason {
    pub code: String,
    pub message: String,
}

/// What a new engagement is.
#[derive(Debug, Clone)]
pub struct NewEngagement {
    pub uuid: Uuid,
    pub config_uuid: Uuid,
    pub action: String,
    pub channel: Channel,
    pub queue_uuid: Option<Uuid>,
    pub start_url: Option<String>,
    pub started_at: i64,
    /// Whose share of the budget it counts against: the page that started it.
    pub site: Site,
}

/// An item of the agent view, with how and when its arrival came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewItem {
    pub item: AgentItem,
    pub kind: ArrivalKind,
    pub received_at: i64,
}

/// An item an arrival gave the agent, and whether it replaced an earlier value of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub item: AgentItem,
    pub replaced: bool,
}

const COLUMNS: &str = "id, uuid, config_uuid, action, channel, queue_uuid, start_url, state, \
     started_at, ended_at, completed_at, updated_at, arrivals, keys, bytes";

/// Inserts an active engagement holding `held`, its latest verification at `last_seq`; its id.
pub async fn insert(
    connection: &mut SqliteConnection,
    new: &NewEngagement,
    held: Held,
    last_seq: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO engagements (uuid, config_uuid, action, channel, queue_uuid, start_url, \
         state, started_at, updated_at, site, arrivals, verifications, keys, bytes, last_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8, ?9, 1, ?10, ?11, ?12) RETURNING id",
    )
    .bind(new.uuid.to_string())
    .bind(new.config_uuid.to_string())
    .bind(&new.action)
    .bind(new.channel.as_str())
    .bind(new.queue_uuid.map(|q| q.to_string()))
    .bind(new.start_url.as_deref())
    .bind(new.started_at)
    .bind(new.site.as_str())
    .bind(count(held.arrivals))
    .bind(count(held.keys))
    .bind(count(held.bytes))
    .bind(last_seq)
    .fetch_one(connection)
    .await
}

/// An engagement's state, what it holds and whose it is, read in the writer's transaction.
pub async fn state_and_held(
    connection: &mut SqliteConnection,
    id: i64,
) -> sqlx::Result<Option<(EngagementState, Held, Site)>> {
    let row =
        sqlx::query("SELECT state, arrivals, keys, bytes, site FROM engagements WHERE id = ?")
            .bind(id)
            .fetch_optional(connection)
            .await?;
    row.map(|row| {
        let state: String = row.try_get("state")?;
        Ok((
            state.parse().map_err(decode_error)?,
            held_of(&row)?,
            Site::from_stored(row.try_get("site")?),
        ))
    })
    .transpose()
}

/// How many of `keys` the engagement's agent view does not have yet.
pub async fn new_keys(
    connection: &mut SqliteConnection,
    id: i64,
    keys: &[&str],
) -> sqlx::Result<u64> {
    if keys.is_empty() {
        return Ok(0);
    }
    let keys_json = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let known: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM engagement_view WHERE engagement_id = ? \
         AND key IN (SELECT value FROM json_each(?))",
    )
    .bind(id)
    .bind(keys_json)
    .fetch_one(connection)
    .await?;
    Ok((keys.len() as u64).saturating_sub(u64::try_from(known).unwrap_or_default()))
}

/// Records an arrival and the items its agent was given (those the verdict accepted), after the
/// engagement's earlier ones, and merges them into its agent view: a lookup per item, whatever
/// the engagement already holds. The arrival's number and what each item did.
pub async fn add_arrival(
    connection: &mut SqliteConnection,
    engagement_id: i64,
    kind: ArrivalKind,
    verification: Uuid,
    received_at: i64,
    items: &[AgentItem],
) -> sqlx::Result<(i64, Vec<Given>)> {
    let arrival: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(arrival) + 1, 0) FROM engagement_arrivals WHERE engagement_id = ?",
    )
    .bind(engagement_id)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO engagement_arrivals (engagement_id, arrival, kind, verification, received_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(engagement_id)
    .bind(arrival)
    .bind(kind.as_str())
    .bind(verification.to_string())
    .bind(received_at)
    .execute(&mut *connection)
    .await?;
    let mut position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM engagement_items WHERE engagement_id = ?",
    )
    .bind(engagement_id)
    .fetch_one(&mut *connection)
    .await?;
    let mut given = Vec::with_capacity(items.len());
    for item in items {
        let item_id: i64 = sqlx::query_scalar(
            "INSERT INTO engagement_items (engagement_id, position, arrival, name, label, data, \
             type, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING item_id",
        )
        .bind(engagement_id)
        .bind(position)
        .bind(arrival)
        .bind(item.name.as_deref())
        .bind(&item.label)
        .bind(&item.data)
        .bind(&item.kind)
        .bind(item.provenance.as_str())
        .fetch_one(&mut *connection)
        .await?;
        let signed = item.provenance.is_signed();
        let earlier: Option<bool> = sqlx::query_scalar(
            "SELECT signed FROM engagement_view WHERE engagement_id = ? AND key = ?",
        )
        .bind(engagement_id)
        .bind(item.key())
        .fetch_optional(&mut *connection)
        .await?;
        let replaced = match earlier {
            None => {
                sqlx::query(
                    "INSERT INTO engagement_view (engagement_id, key, first_position, item_id, \
                     signed) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(engagement_id)
                .bind(item.key())
                .bind(position)
                .bind(item_id)
                .bind(signed)
                .execute(&mut *connection)
                .await?;
                false
            }
            Some(earlier_signed) if replaces(earlier_signed, signed) => {
                sqlx::query(
                    "UPDATE engagement_view SET item_id = ?, signed = ? \
                     WHERE engagement_id = ? AND key = ?",
                )
                .bind(item_id)
                .bind(signed)
                .bind(engagement_id)
                .bind(item.key())
                .execute(&mut *connection)
                .await?;
                true
            }
            // Its verdict refused it already (`overridden_by_signed`); kept in the history only.
            Some(_) => false,
        };
        given.push(Given {
            item: AgentItem {
                arrival,
                position,
                ..item.clone()
            },
            replaced,
        });
        position += 1;
    }
    Ok((arrival, given))
}

/// Notes an arrival on an active engagement: when, its latest verification, and what it holds
/// now. `Some(its state)` when it is no longer active, and then changes nothing.
pub async fn note_arrival(
    connection: &mut SqliteConnection,
    id: i64,
    now: i64,
    last_seq: i64,
    held: Held,
) -> sqlx::Result<Option<EngagementState>> {
    let touched = sqlx::query(
        "UPDATE engagements SET updated_at = ?, last_seq = ?, arrivals = ?, keys = ?, \
         bytes = ?, verifications = verifications + 1 WHERE id = ? AND state = ?",
    )
    .bind(now)
    .bind(last_seq)
    .bind(count(held.arrivals))
    .bind(count(held.keys))
    .bind(count(held.bytes))
    .bind(id)
    .bind(EngagementState::Active.as_str())
    .execute(&mut *connection)
    .await?;
    if touched.rows_affected() == 1 {
        return Ok(None);
    }
    let state: String = sqlx::query_scalar("SELECT state FROM engagements WHERE id = ?")
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    state.parse().map(Some).map_err(decode_error)
}

pub async fn get(pool: &SqlitePool, uuid: Uuid) -> sqlx::Result<Option<StoredEngagement>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM engagements WHERE uuid = ?"))
        .bind(uuid.to_string())
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

pub async fn get_by_id(
    executor: impl sqlx::SqliteExecutor<'_>,
    id: i64,
) -> sqlx::Result<Option<StoredEngagement>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM engagements WHERE id = ?"))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// One page of engagements by id (`newest_first` or oldest first), optionally only the one with
/// `uuid`, and how many there are in all.
pub async fn page(
    pool: &SqlitePool,
    offset: u64,
    limit: u32,
    newest_first: bool,
    uuid: Option<Uuid>,
) -> sqlx::Result<(Vec<StoredEngagement>, u64)> {
    // Two fixed statements, chosen here: the order is not input.
    let order = if newest_first { "DESC" } else { "ASC" };
    let filter = "WHERE (?1 IS NULL OR uuid = ?1)";
    let uuid = uuid.map(|u| u.to_string());
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM engagements {filter} ORDER BY id {order} LIMIT ?2 OFFSET ?3"
    ))
    .bind(uuid.as_deref())
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?
    .iter()
    .map(decode)
    .collect::<sqlx::Result<Vec<_>>>()?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM engagements {filter}"))
        .bind(uuid.as_deref())
        .fetch_one(pool)
        .await?;
    Ok((rows, u64::try_from(total).unwrap_or_default()))
}

/// At most `limit` engagements older than `before` (an id; the newest when `None`), newest
/// first, and whether older ones remain.
pub async fn list(
    pool: &SqlitePool,
    before: Option<i64>,
    limit: u32,
) -> sqlx::Result<(Vec<StoredEngagement>, bool)> {
    let mut rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM engagements WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2"
    ))
    .bind(before)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?
    .iter()
    .map(decode)
    .collect::<sqlx::Result<Vec<_>>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// How many engagements there are, and how many of them are newer than `id`.
pub async fn count_around(pool: &SqlitePool, id: Option<i64>) -> sqlx::Result<(u64, u64)> {
    let (total, newer): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(id > COALESCE(?, 9223372036854775807)), 0) FROM engagements",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    Ok((
        u64::try_from(total).unwrap_or_default(),
        u64::try_from(newer).unwrap_or_default(),
    ))
}

/// Which of `keys` the engagement's agent has signed: unsigned data never replaces them.
pub async fn signed_keys(
    pool: &SqlitePool,
    id: i64,
    keys: &[&str],
) -> sqlx::Result<std::collections::HashSet<String>> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let keys_json = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let signed: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM engagement_view WHERE engagement_id = ? AND signed = 1 \
         AND key IN (SELECT value FROM json_each(?))",
    )
    .bind(id)
    .bind(keys_json)
    .fetch_all(pool)
    .await?;
    Ok(signed.into_iter().collect())
}

/// What the agent of engagement `id` sees: each key's latest value, in the order keys first
/// came, with how and when it arrived. At most `Limits::KEYS` rows.
pub async fn agent_view(
    executor: impl sqlx::SqliteExecutor<'_>,
    id: i64,
) -> sqlx::Result<Vec<ViewItem>> {
    Ok(agent_views(executor, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// [`agent_view`] of several engagements, in one query (a list page with its data included).
///
/// The rows come back as one JSON array made by SQLite, not a row each: sqlx hands every row
/// over from its worker thread, and for a page of 100 interactions of five items that cost more
/// than the rest of the answer (`benches/core_api_include.sh`: the list with its data included
/// took 3.9 times the list alone, 1.9 times with one row).
pub async fn agent_views(
    executor: impl sqlx::SqliteExecutor<'_>,
    ids: &[i64],
) -> sqlx::Result<HashMap<i64, Vec<ViewItem>>> {
    let mut views: HashMap<i64, Vec<ViewItem>> = HashMap::new();
    if ids.is_empty() {
        return Ok(views);
    }
    let ids_json = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let rows: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(v.engagement_id, v.first_position, i.name, i.label, \
         i.data, i.type, i.provenance, i.arrival, i.position, a.kind, a.received_at)) \
         FROM engagement_view v \
         JOIN engagement_items i ON i.item_id = v.item_id \
         JOIN engagement_arrivals a ON a.engagement_id = i.engagement_id AND a.arrival = i.arrival \
         WHERE v.engagement_id IN (SELECT value FROM json_each(?))",
    )
    .bind(ids_json)
    .fetch_one(executor)
    .await?;
    // Provenance and arrival kind read straight into their enums (a stored name that is
    // neither is an error, as everywhere).
    type Row = (
        i64,
        i64,
        Option<String>,
        String,
        String,
        String,
        Provenance,
        i64,
        i64,
        ArrivalKind,
        i64,
    );
    let mut rows: Vec<Row> = serde_json::from_str(rows.as_deref().unwrap_or("[]"))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    // In order here rather than by SQLite's sorter: the view's order is where each key first
    // came.
    rows.sort_unstable_by_key(|row| (row.0, row.1));
    for (id, _, name, label, data, kind, provenance, arrival, position, how, received_at) in rows {
        views.entry(id).or_default().push(ViewItem {
            item: AgentItem {
                name,
                label,
                data,
                kind,
                provenance,
                arrival,
                position,
            },
            kind: how,
            received_at,
        });
    }
    Ok(views)
}

/// At most `limit` of the engagement's arrivals after arrival `after` (from the first when
/// `None`), in order, and whether more follow.
pub async fn arrivals(
    pool: &SqlitePool,
    engagement_id: i64,
    after: Option<i64>,
    limit: u32,
) -> sqlx::Result<(Vec<Arrival>, bool)> {
    // Each with what its verification dropped (the verdict is kept with the engagement: they
    // are pruned as one unit).
    let mut arrivals = sqlx::query(
        "SELECT a.arrival, a.kind, a.verification, a.received_at, \
                json_extract(i.verdict, '$.rejected') AS dropped, \
                json_extract(i.verdict, '$.signature.error.code') AS signature_error \
         FROM engagement_arrivals AS a LEFT JOIN interactions AS i ON i.id = a.verification \
         WHERE a.engagement_id = ?1 AND (?2 IS NULL OR a.arrival > ?2) ORDER BY a.arrival LIMIT ?3",
    )
    .bind(engagement_id)
    .bind(after)
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let verification: String = row.try_get("verification")?;
        let kind: String = row.try_get("kind")?;
        Ok(Arrival {
            arrival: row.try_get("arrival")?,
            kind: kind
                .parse()
                .map_err(|_| decode_error(format!("unknown arrival kind {kind:?}")))?,
            verification: parse_uuid(&verification)?,
            received_at: row.try_get("received_at")?,
            dropped: row
                .try_get::<Option<String>, _>("dropped")?
                .map(|json| serde_json::from_str(&json))
                .transpose()
                .map_err(|e| decode_error(format!("an arrival's dropped items: {e}")))?
                .unwrap_or_default(),
            signature_error: row.try_get("signature_error")?,
        })
    })
    .collect::<sqlx::Result<Vec<_>>>()?;
    let more = arrivals.len() > limit as usize;
    arrivals.truncate(limit as usize);
    Ok((arrivals, more))
}

/// The items arrivals `first..=last` of the engagement gave its agent, in order.
pub async fn items_of_arrivals(
    pool: &SqlitePool,
    engagement_id: i64,
    first: i64,
    last: i64,
) -> sqlx::Result<Vec<AgentItem>> {
    sqlx::query(
        "SELECT name, label, data, type, provenance, arrival, position FROM engagement_items \
         WHERE engagement_id = ? AND arrival BETWEEN ? AND ? ORDER BY position",
    )
    .bind(engagement_id)
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await?
    .iter()
    .map(agent_item)
    .collect()
}

/// The engagement a verification was an arrival of, and which arrival: `(uuid, id, arrival)`.
pub async fn arrival_of(
    pool: &SqlitePool,
    verification: Uuid,
) -> sqlx::Result<Option<(Uuid, i64, i64, ArrivalKind)>> {
    let row = sqlx::query(
        "SELECT e.uuid, e.id, a.arrival, a.kind FROM engagement_arrivals a \
         JOIN engagements e ON e.id = a.engagement_id WHERE a.verification = ?",
    )
    .bind(verification.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        let uuid: String = row.try_get(0)?;
        let kind: String = row.try_get(3)?;
        let kind = kind
            .parse::<ArrivalKind>()
            .map_err(|_| sqlx::Error::Decode(format!("unknown arrival kind {kind:?}").into()))?;
        Ok((parse_uuid(&uuid)?, row.try_get(1)?, row.try_get(2)?, kind))
    })
    .transpose()
}

/// Moves the engagement from `from` to `to`, stamping when it ended or completed; false when
/// it was no longer in `from` (another request moved it first).
pub async fn set_state(
    executor: impl sqlx::SqliteExecutor<'_>,
    id: i64,
    from: EngagementState,
    to: EngagementState,
    now: i64,
) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE engagements SET state = ?2, updated_at = ?3, \
         ended_at = CASE WHEN ?2 IN ('ended', 'completed') THEN COALESCE(ended_at, ?3) ELSE ended_at END, \
         completed_at = CASE WHEN ?2 = 'completed' THEN ?3 ELSE completed_at END \
         WHERE id = ?1 AND state = ?4",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(now)
    .bind(from.as_str())
    .execute(executor)
    .await?;
    Ok(changed.rows_affected() == 1)
}

fn agent_item(row: &SqliteRow) -> sqlx::Result<AgentItem> {
    Ok(AgentItem {
        name: row.try_get("name")?,
        label: row.try_get("label")?,
        data: row.try_get("data")?,
        kind: row.try_get("type")?,
        provenance: row
            .try_get::<String, _>("provenance")?
            .parse::<Provenance>()
            .map_err(decode_error)?,
        arrival: row.try_get("arrival")?,
        position: row.try_get("position")?,
    })
}

fn held_of(row: &SqliteRow) -> sqlx::Result<Held> {
    let number = |name: &str| -> sqlx::Result<u64> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or_default())
    };
    Ok(Held {
        arrivals: number("arrivals")?,
        keys: number("keys")?,
        bytes: number("bytes")?,
    })
}

fn decode(row: &SqliteRow) -> sqlx::Result<StoredEngagement> {
    let uuid: String = row.try_get("uuid")?;
    let config: String = row.try_get("config_uuid")?;
    let queue: Option<String> = row.try_get("queue_uuid")?;
    let state: String = row.try_get("state")?;
    Ok(StoredEngagement {
        id: row.try_get("id")?,
        uuid: parse_uuid(&uuid)?,
        config_uuid: parse_uuid(&config)?,
        action: row.try_get("action")?,
        channel: {
            let channel: String = row.try_get("channel")?;
            channel
                .parse()
                .map_err(|_| decode_error(format!("unknown channel {channel:?}")))?
        },
        queue_uuid: queue.as_deref().map(parse_uuid).transpose()?,
        start_url: row.try_get("start_url")?,
        state: state.parse().map_err(decode_error)?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        completed_at: row.try_get("completed_at")?,
        updated_at: row.try_get("updated_at")?,
        held: held_of(row)?,
    })
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn parse_uuid(text: &str) -> sqlx::Result<Uuid> {
    Uuid::try_parse(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn decode_error(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

/// The site whose share of the budget engagement `id` counts against.
pub async fn site_of(tx: &mut SqliteConnection, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT site FROM engagements WHERE id = ?")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
}

/// Counts `bytes` more in what engagement `id` holds (its webhook deliveries).
pub async fn add_bytes(tx: &mut SqliteConnection, id: i64, bytes: u64) -> sqlx::Result<()> {
    sqlx::query("UPDATE engagements SET bytes = bytes + ? WHERE id = ?")
        .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
