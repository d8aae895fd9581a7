//! The `engagements` tables: each engagement's row, its arrivals (with the verification that
//! judged each) and the items its agent was given. Rows decode into typed values or fail.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::domain::engagement::{AgentItem, EngagementState, Provenance};

/// An engagement as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEngagement {
    /// The numeric id (Talkative's Core API names interactions by it).
    pub id: i64,
    pub uuid: Uuid,
    pub config_uuid: Uuid,
    pub action: String,
    pub channel: String,
    pub queue_uuid: Option<Uuid>,
    pub start_url: Option<String>,
    pub state: EngagementState,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// One arrival of data, and the verification that judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub arrival: i64,
    pub kind: String,
    pub verification: Uuid,
    pub received_at: i64,
}

/// What a new engagement is.
pub struct NewEngagement<'a> {
    pub uuid: Uuid,
    pub config_uuid: Uuid,
    pub action: &'a str,
    pub channel: &'a str,
    pub queue_uuid: Option<Uuid>,
    pub start_url: Option<&'a str>,
    pub started_at: i64,
}

const COLUMNS: &str = "id, uuid, config_uuid, action, channel, queue_uuid, start_url, state, \
     started_at, ended_at, completed_at, updated_at";

/// Inserts an active engagement; its numeric id.
pub async fn insert(
    connection: &mut SqliteConnection,
    new: &NewEngagement<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO engagements (uuid, config_uuid, action, channel, queue_uuid, start_url, \
         state, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?7, ?7) RETURNING id",
    )
    .bind(new.uuid.to_string())
    .bind(new.config_uuid.to_string())
    .bind(new.action)
    .bind(new.channel)
    .bind(new.queue_uuid.map(|q| q.to_string()))
    .bind(new.start_url)
    .bind(new.started_at)
    .fetch_one(connection)
    .await
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

pub async fn get_by_id(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<StoredEngagement>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM engagements WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
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

/// The newest engagements first, at most `limit`.
pub async fn list(pool: &SqlitePool, limit: u32) -> sqlx::Result<Vec<StoredEngagement>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM engagements ORDER BY id DESC LIMIT ?"
    ))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?
    .iter()
    .map(decode)
    .collect()
}

/// Records an arrival and the items its agent was given (those the verdict accepted), after
/// the engagement's earlier ones; the arrival's number.
pub async fn add_arrival(
    connection: &mut SqliteConnection,
    engagement_id: i64,
    kind: &str,
    verification: Uuid,
    received_at: i64,
    items: &[AgentItem],
) -> sqlx::Result<i64> {
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
    .bind(kind)
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
    for item in items {
        sqlx::query(
            "INSERT INTO engagement_items (engagement_id, position, arrival, name, label, data, \
             type, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(engagement_id)
        .bind(position)
        .bind(arrival)
        .bind(item.name.as_deref())
        .bind(&item.label)
        .bind(&item.data)
        .bind(&item.kind)
        .bind(item.provenance.as_str())
        .execute(&mut *connection)
        .await?;
        position += 1;
    }
    Ok(arrival)
}

/// Every item the engagement's agent was given, in order of arrival.
pub async fn items(
    connection: &mut SqliteConnection,
    engagement_id: i64,
) -> sqlx::Result<Vec<AgentItem>> {
    sqlx::query(
        "SELECT name, label, data, type, provenance, arrival, position FROM engagement_items \
         WHERE engagement_id = ? ORDER BY position",
    )
    .bind(engagement_id)
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
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
    })
    .collect()
}

pub async fn arrivals(pool: &SqlitePool, engagement_id: i64) -> sqlx::Result<Vec<Arrival>> {
    sqlx::query(
        "SELECT arrival, kind, verification, received_at FROM engagement_arrivals \
         WHERE engagement_id = ? ORDER BY arrival",
    )
    .bind(engagement_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let verification: String = row.try_get("verification")?;
        Ok(Arrival {
            arrival: row.try_get("arrival")?,
            kind: row.try_get("kind")?,
            verification: parse_uuid(&verification)?,
            received_at: row.try_get("received_at")?,
        })
    })
    .collect()
}

/// The engagement a verification was an arrival of, and which arrival: `(uuid, id, arrival)`.
pub async fn arrival_of(
    pool: &SqlitePool,
    verification: Uuid,
) -> sqlx::Result<Option<(Uuid, i64, i64)>> {
    let row = sqlx::query(
        "SELECT e.uuid, e.id, a.arrival FROM engagement_arrivals a \
         JOIN engagements e ON e.id = a.engagement_id WHERE a.verification = ?",
    )
    .bind(verification.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        let uuid: String = row.try_get(0)?;
        let uuid = Uuid::try_parse(&uuid).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok((uuid, row.try_get(1)?, row.try_get(2)?))
    })
    .transpose()
}

/// Moves the engagement from `from` to `to`, stamping when it ended or completed; false when
/// it was no longer in `from` (another request moved it first).
pub async fn set_state(
    pool: &SqlitePool,
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
    .execute(pool)
    .await?;
    Ok(changed.rows_affected() == 1)
}

/// Marks an active engagement changed (data arrived); `Some(its state)` when it is no longer
/// active, and then changes nothing.
pub async fn touch_if_open(
    connection: &mut SqliteConnection,
    id: i64,
    now: i64,
) -> sqlx::Result<Option<EngagementState>> {
    let touched = sqlx::query("UPDATE engagements SET updated_at = ? WHERE id = ? AND state = ?")
        .bind(now)
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
    state
        .parse()
        .map(Some)
        .map_err(|e: String| sqlx::Error::Decode(e.into()))
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
        channel: row.try_get("channel")?,
        queue_uuid: queue.as_deref().map(parse_uuid).transpose()?,
        start_url: row.try_get("start_url")?,
        state: state.parse().map_err(decode_error)?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        completed_at: row.try_get("completed_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn parse_uuid(text: &str) -> sqlx::Result<Uuid> {
    Uuid::try_parse(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn decode_error(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}
