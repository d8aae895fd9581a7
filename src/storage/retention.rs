//! The one budget everything a request can make the server keep is inside: the verification
//! log's rows and the items they carried, and every engagement with its arrivals, items and
//! agent view. Counted in rows (the log's rows) and bytes (what each row and item holds, plus
//! what SQLite spends on it: [`LOG_ROW_OVERHEAD`] and the others below), kept by the one writer
//! in a [`Ledger`] per [`Site`], and pruned a whole *unit* at a time so that no link dangles:
//!
//! - a verification on its own (the verify endpoint's, the playground's): its row and items;
//! - an engagement: its row, arrivals, items and view, every verification it was given, and its
//!   webhook deliveries with their attempts (reserved whole when each is made:
//!   `storage/webhooks.rs`, `delivery_cost`).
//!
//! When what is kept plus what a write adds would pass the budget, [`make_room`] deletes the
//! least recently active units of whichever site holds the most, until it fits or that site no
//! longer holds the most: a page flooding the emulator evicts its own entries first, and never
//! what requests without an Origin (tests, backends) recorded while it holds more than they do.
//! The units a write adds to are never pruned by it.

use std::collections::{HashMap, HashSet};

use sqlx::{Row, SqliteConnection};

use crate::domain::site::Site;

/// What the log may keep: rows (`--interaction-retention`) and bytes
/// (`Settings::retention`, from `--interaction-retention-bytes`).
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub rows: u32,
    pub bytes: u64,
}

/// SQLite's page size: the default, which the emulator does not change.
const PAGE: u64 = 4096;

/// What a row whose record is `payload` bytes takes in a rowid table: its share of a leaf page
/// and its overflow pages, as SQLite lays rows out. A page holds as many whole cells as fit, so
/// a 2.3 KB item takes a whole page (two do not fit), and counting its bytes alone let the
/// smallest budget overshoot by a quarter; a record over 4,061 bytes keeps a part on the leaf
/// and fills whole 4 KiB overflow pages with the rest.
pub fn row_cost(payload: u64) -> u64 {
    const MAX_LOCAL: u64 = PAGE - 35;
    const MIN_LOCAL: u64 = (PAGE - 12) * 32 / 255 - 23;
    const OVERFLOW_PAYLOAD: u64 = PAGE - 4;
    // The cell pointer (2 bytes), the record length and the rowid (varints, at most 9 each).
    const CELL_HEADER: u64 = 2 + 9 + 9;
    const LEAF_SPACE: u64 = PAGE - 8;
    let (local, overflow_pages) = if payload <= MAX_LOCAL {
        (payload, 0)
    } else {
        let local = MIN_LOCAL + (payload - MIN_LOCAL) % OVERFLOW_PAYLOAD;
        let local = if local > MAX_LOCAL { MIN_LOCAL } else { local };
        // The cell then ends with the overflow chain's first page number.
        (local + 4, (payload - local).div_ceil(OVERFLOW_PAYLOAD))
    };
    let cells_per_page = (LEAF_SPACE / (local + CELL_HEADER)).max(1);
    PAGE.div_ceil(cells_per_page) + overflow_pages * PAGE
}

/// A verification's row besides its request and verdict: its fixed columns, and its entries in
/// the id, site and engagement indexes.
pub const LOG_ROW_COLUMNS: u64 = 160;
pub const LOG_ROW_INDEXES: u64 = 160;
/// An item's row besides its name, label and data (seq, position, record header), and its
/// entry in the `(seq, position)` index.
pub const ITEM_COLUMNS: u64 = 24;
pub const ITEM_INDEX: u64 = 24;
/// An engagement's own row, besides its page and action, with its entries in the uuid and site
/// indexes.
pub const ENGAGEMENT_OVERHEAD: u64 = 512;
/// One arrival's row.
pub const ARRIVAL_OVERHEAD: u64 = 128;
/// An item the agent was given besides its row: its entries in the position and arrival indexes.
pub const AGENT_ITEM_INDEXES: u64 = 48;
/// A key of the agent view, besides the key itself: its row and its order index entry.
pub const VIEW_KEY_OVERHEAD: u64 = 64;

/// Rows and bytes, as the budget counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub rows: u64,
    pub bytes: u64,
}

impl Usage {
    pub fn add(&mut self, other: Usage) {
        self.rows += other.rows;
        self.bytes += other.bytes;
    }

    fn minus(self, other: Usage) -> Usage {
        Usage {
            rows: self.rows.saturating_sub(other.rows),
            bytes: self.bytes.saturating_sub(other.bytes),
        }
    }

    fn covers(self, needed: Usage) -> bool {
        self.rows >= needed.rows && self.bytes >= needed.bytes
    }
}

/// What each site holds. Kept by the writer across writes (every write that adds goes through
/// it); anything else that deletes (a delete from the portal, a clear, a reset) makes the writer
/// read it again.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    sites: HashMap<Site, Usage>,
}

impl Ledger {
    /// What the database holds now, per site.
    pub async fn read(tx: &mut SqliteConnection) -> sqlx::Result<Self> {
        let rows = sqlx::query(
            "SELECT site, COUNT(*), COALESCE(SUM(bytes), 0) FROM interactions \
             WHERE engagement IS NULL GROUP BY site \
             UNION ALL \
             SELECT site, COALESCE(SUM(verifications), 0), COALESCE(SUM(bytes), 0) \
             FROM engagements GROUP BY site",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut ledger = Ledger::default();
        for row in rows {
            let usage = Usage {
                rows: u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or_default(),
                bytes: u64::try_from(row.try_get::<i64, _>(2)?).unwrap_or_default(),
            };
            ledger.add(&Site::from_stored(row.try_get(0)?), usage);
        }
        Ok(ledger)
    }

    pub fn add(&mut self, site: &Site, usage: Usage) {
        self.sites.entry(site.clone()).or_default().add(usage);
    }

    fn remove(&mut self, site: &Site, usage: Usage) {
        if let Some(held) = self.sites.get_mut(site) {
            *held = held.minus(usage);
            if *held == Usage::default() {
                self.sites.remove(site);
            }
        }
    }

    pub fn total(&self) -> Usage {
        let mut total = Usage::default();
        for usage in self.sites.values() {
            total.add(*usage);
        }
        total
    }

    pub fn of(&self, site: &Site) -> Usage {
        self.sites.get(site).copied().unwrap_or_default()
    }

    /// Every site and what it holds, the largest first (by bytes, then rows).
    pub fn sites(&self) -> Vec<(Site, Usage)> {
        let mut sites: Vec<(Site, Usage)> =
            self.sites.iter().map(|(s, u)| (s.clone(), *u)).collect();
        sites.sort_by_key(|(_, usage)| std::cmp::Reverse((usage.bytes, usage.rows)));
        sites
    }
}

/// One unit pruning may delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A verification on its own, by its seq.
    Alone { seq: i64 },
    /// An engagement, by its id.
    Engagement { id: i64 },
}

/// How many of a site's oldest units are read at a time.
const CHUNK: i64 = 512;

/// Deletes whole units, least recently active first, from whichever site holds the most (by
/// bytes while bytes are over, else by rows), until `incoming` (per site: what this write
/// adds) fits in `limit` with what is kept. Never deletes an engagement in `keep` (this write
/// adds to them). When nothing else can go, it stops: what is left over is this write's own.
pub async fn make_room(
    tx: &mut SqliteConnection,
    ledger: &mut Ledger,
    limit: Retention,
    incoming: &[(Site, Usage)],
    keep: &HashSet<i64>,
) -> sqlx::Result<()> {
    let limit = Usage {
        rows: u64::from(limit.rows),
        bytes: limit.bytes,
    };
    let mut exhausted: HashSet<Site> = HashSet::new();
    loop {
        let mut held = ledger.clone();
        for (site, usage) in incoming {
            held.add(site, *usage);
        }
        let total = held.total();
        let over = total.minus(limit);
        if over == Usage::default() {
            return Ok(());
        }
        // Largest first by what is over: bytes if they are, else rows.
        let mut sites = held.sites();
        if over.bytes == 0 {
            sites.sort_by_key(|(_, usage)| std::cmp::Reverse(usage.rows));
        }
        let measure = |usage: Usage| {
            if over.bytes > 0 {
                usage.bytes
            } else {
                usage.rows
            }
        };
        let Some(position) = sites.iter().position(|(site, _)| !exhausted.contains(site)) else {
            return Ok(());
        };
        let (site, holding) = sites[position].clone();
        let next_largest = sites
            .iter()
            .skip(position + 1)
            .find(|(s, _)| !exhausted.contains(s))
            .map_or(0, |(_, usage)| measure(*usage));
        let candidates = oldest_units(tx, &site, keep).await?;
        if candidates.is_empty() {
            exhausted.insert(site);
            continue;
        }
        // This site gives what is over, or until it holds no more than the next largest (then
        // the loop looks again): at least one unit.
        let mut freed = Usage::default();
        let mut chosen = Vec::new();
        for (unit, usage) in candidates {
            chosen.push(unit);
            freed.add(usage);
            if freed.covers(over) || measure(holding.minus(freed)) < next_largest {
                break;
            }
        }
        delete_units(tx, &chosen).await?;
        ledger.remove(&site, freed);
    }
}

/// A site's least recently active units (at most [`CHUNK`] of each kind), oldest first, with
/// what each holds; engagements in `keep` left out.
async fn oldest_units(
    tx: &mut SqliteConnection,
    site: &Site,
    keep: &HashSet<i64>,
) -> sqlx::Result<Vec<(Unit, Usage)>> {
    let alone: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT seq, bytes FROM interactions WHERE site = ?1 AND engagement IS NULL \
         ORDER BY seq LIMIT ?2",
    )
    .bind(site.as_str())
    .bind(CHUNK)
    .fetch_all(&mut *tx)
    .await?;
    let engagements: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, last_seq, verifications, bytes FROM engagements WHERE site = ?1 \
         ORDER BY last_seq LIMIT ?2",
    )
    .bind(site.as_str())
    .bind(CHUNK + i64::try_from(keep.len()).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let mut units: Vec<(i64, Unit, Usage)> = alone
        .into_iter()
        .map(|(seq, bytes)| {
            let usage = Usage {
                rows: 1,
                bytes: count(bytes),
            };
            (seq, Unit::Alone { seq }, usage)
        })
        .collect();
    units.extend(
        engagements
            .into_iter()
            .filter(|(id, ..)| !keep.contains(id))
            .map(|(id, last_seq, rows, bytes)| {
                let usage = Usage {
                    rows: count(rows),
                    bytes: count(bytes),
                };
                (last_seq, Unit::Engagement { id }, usage)
            }),
    );
    units.sort_by_key(|(age, ..)| *age);
    Ok(units
        .into_iter()
        .map(|(_, unit, usage)| (unit, usage))
        .collect())
}

/// Deletes the units, each whole.
async fn delete_units(tx: &mut SqliteConnection, units: &[Unit]) -> sqlx::Result<()> {
    let mut alone = Vec::new();
    let mut engagements = Vec::new();
    for unit in units {
        match unit {
            Unit::Alone { seq } => alone.push(*seq),
            Unit::Engagement { id } => engagements.push(*id),
        }
    }
    if !alone.is_empty() {
        let seqs = json_list(&alone)?;
        sqlx::query("DELETE FROM interaction_items WHERE seq IN (SELECT value FROM json_each(?))")
            .bind(&seqs)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM interactions WHERE seq IN (SELECT value FROM json_each(?))")
            .bind(&seqs)
            .execute(&mut *tx)
            .await?;
    }
    if !engagements.is_empty() {
        delete_engagements(tx, &engagements).await?;
    }
    Ok(())
}

/// Deletes engagements with everything they hold, their verifications in the log and their
/// webhook deliveries included.
pub async fn delete_engagements(tx: &mut SqliteConnection, ids: &[i64]) -> sqlx::Result<()> {
    let ids = json_list(ids)?;
    for statement in [
        "DELETE FROM interaction_items WHERE seq IN (SELECT i.seq FROM interactions i \
         JOIN engagements e ON i.engagement = e.uuid WHERE e.id IN (SELECT value FROM json_each(?)))",
        "DELETE FROM interactions WHERE engagement IN \
         (SELECT uuid FROM engagements WHERE id IN (SELECT value FROM json_each(?)))",
        "DELETE FROM engagement_view WHERE engagement_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM engagement_items WHERE engagement_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM engagement_arrivals WHERE engagement_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
         WHERE engagement_id IN (SELECT value FROM json_each(?)))",
        "DELETE FROM webhook_deliveries WHERE engagement_id IN (SELECT value FROM json_each(?))",
        "DELETE FROM engagements WHERE id IN (SELECT value FROM json_each(?))",
    ] {
        sqlx::query(statement).bind(&ids).execute(&mut *tx).await?;
    }
    Ok(())
}

fn json_list(values: &[i64]) -> sqlx::Result<String> {
    serde_json::to_string(values).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rows_cost_is_the_pages_it_takes_not_its_length() {
        // Small rows share a page.
        assert!(row_cost(100) < 130, "{}", row_cost(100));
        // Two of 2.3 KB do not fit on one page: each takes a whole one.
        assert_eq!(row_cost(2_300), PAGE);
        assert_eq!(row_cost(1_900), PAGE / 2);
        // Past 4,061 bytes: a part on the leaf and whole overflow pages for the rest.
        let large = row_cost(500_000);
        assert!((500_000..=500_000 + 3 * PAGE).contains(&large), "{large}");
        for payload in [0, 1, 1_000, 4_061, 4_062, 8_000, 100_000] {
            assert!(row_cost(payload) >= payload, "{payload}");
        }
    }

    #[test]
    fn the_ledger_lists_the_largest_site_first_and_forgets_emptied_ones() {
        let mut ledger = Ledger::default();
        let (tests, page) = (Site::direct(), Site::of_origin("http://evil.example"));
        ledger.add(
            &tests,
            Usage {
                rows: 10,
                bytes: 100,
            },
        );
        ledger.add(
            &page,
            Usage {
                rows: 2,
                bytes: 900,
            },
        );
        assert_eq!(
            ledger.total(),
            Usage {
                rows: 12,
                bytes: 1000
            }
        );
        assert_eq!(ledger.sites()[0].0, page);
        ledger.remove(
            &page,
            Usage {
                rows: 2,
                bytes: 900,
            },
        );
        assert_eq!(ledger.sites().len(), 1);
        assert_eq!(ledger.of(&page), Usage::default());
        // Removing more than is held cannot go below nothing.
        ledger.remove(&tests, Usage { rows: 11, bytes: 1 });
        assert_eq!(ledger.of(&tests), Usage { rows: 0, bytes: 99 });
    }
}
