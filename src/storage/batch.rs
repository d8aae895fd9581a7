//! What the recorder buffered, written in one transaction: verifications on their own, and
//! engagements' starts and arrivals with the verification of each, so that an arrival never
//! points at a verdict the log does not have. The budget is checked first (whole units pruned,
//! `storage/retention.rs`), and each arrival against what its engagement holds
//! (`domain::engagement::Limits`) and its state, under the write lock. Either all of it lands or
//! none of it.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use uuid::Uuid;

use super::engagements::{self, Given, NewEngagement};
use super::interactions::{ItemText, NewInteraction, encode_codes};
use super::retention::{
    AGENT_ITEM_INDEXES, ARRIVAL_OVERHEAD, ENGAGEMENT_OVERHEAD, ITEM_COLUMNS, Ledger, Retention,
    Usage, VIEW_KEY_OVERHEAD, make_room, row_cost,
};
use crate::domain::engagement::{
    AgentItem, ArrivalKind, EngagementState, Held, not_found, takes_no_data,
};
use crate::domain::problem::Problem;
use crate::domain::site::Site;

/// One thing to write.
#[derive(Debug)]
pub enum Entry {
    /// A verification on its own: the verify endpoint's, the playground's.
    Alone(NewInteraction),
    /// An engagement's start: its first verification, the engagement, what its agent was given.
    Start {
        verification: NewInteraction,
        /// Boxed: thousands of entries can wait at once under load, each the size of the
        /// largest variant.
        engagement: Box<NewEngagement>,
        given: Vec<AgentItem>,
    },
    /// Data arriving for an engagement under way, with its verification.
    Arrival {
        verification: NewInteraction,
        engagement_id: i64,
        engagement_uuid: Uuid,
        kind: ArrivalKind,
        given: Vec<AgentItem>,
    },
}

impl Entry {
    pub fn verification(&self) -> &NewInteraction {
        match self {
            Entry::Alone(verification)
            | Entry::Start { verification, .. }
            | Entry::Arrival { verification, .. } => verification,
        }
    }

    /// What it takes in memory while it waits, as the recorder's byte bound counts it.
    pub fn memory(&self) -> usize {
        let given: usize = match self {
            Entry::Alone(_) => 0,
            Entry::Start { given, .. } | Entry::Arrival { given, .. } => given
                .iter()
                .map(|item| {
                    item.name.as_deref().map_or(0, str::len)
                        + item.label.len()
                        + item.data.len()
                        + item.kind.len()
                })
                .sum(),
        };
        self.verification().memory() + given
    }
}

/// What writing an entry did.
#[derive(Debug)]
pub enum Written {
    /// A verification on its own, in the log.
    Logged,
    /// The engagement started, with this id.
    Started { id: i64 },
    /// The arrival, numbered, and what each item did.
    Arrived { arrival: i64, given: Vec<Given> },
    /// Nothing of it was written: the engagement is gone, finalised or full.
    Refused(Problem),
}

/// Writes `entries` in one transaction, pruning first what the budget does not keep (the
/// engagements `entries` add to excepted), and adds `accounted` to the log's count of answered
/// verifications (`storage/acknowledged.rs`). `ledger` is the writer's, read first when `None`,
/// and `None` again if the write fails. One result per entry, in order.
///
/// Rows go in multi-row INSERTs rather than one statement per row: sqlx runs SQLite on a worker
/// thread, and a round trip per row cost more in thread hand-offs than the insert itself. The
/// statements have fixed sizes (64, 32, …, 1 rows) so each is prepared once and then reused from
/// the statement cache; preparing a fresh statement per batch size churned memory.
pub async fn write(
    pool: &sqlx::SqlitePool,
    entries: &[Entry],
    last_use: &HashMap<Uuid, i64>,
    retention: Retention,
    ledger: &mut Option<Ledger>,
    accounted: u64,
) -> sqlx::Result<Vec<Written>> {
    let known = ledger.take();
    let (results, after) = super::write_transaction(pool, async |tx| {
        let mut ledger = match known {
            Some(ledger) => ledger,
            None => Ledger::read(tx).await?,
        };
        let plans = plan(tx, entries).await?;
        let mut incoming: Vec<(Site, Usage)> = Vec::new();
        let mut keep = HashSet::new();
        for plan in &plans {
            if let Plan::Write { site, usage, .. } = plan {
                match incoming.iter_mut().find(|(s, _)| s == site) {
                    Some((_, total)) => total.add(*usage),
                    None => incoming.push((site.clone(), *usage)),
                }
            }
        }
        for (entry, plan) in entries.iter().zip(&plans) {
            if let (Entry::Arrival { engagement_id, .. }, Plan::Write { .. }) = (entry, plan) {
                keep.insert(*engagement_id);
            }
        }
        make_room(tx, &mut ledger, retention, &incoming, &keep).await?;

        // Each row's seq is given here rather than by AUTOINCREMENT, so that its items can name
        // it in the same statements' batch. sqlite_sequence keeps the largest seq ever given
        // (clearing the log does not lower it), so a seq is never reused, as AUTOINCREMENT
        // promises followers resuming from an event id.
        let last: i64 = sqlx::query_scalar(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'interactions'), \
             (SELECT MAX(seq) FROM interactions), 0)",
        )
        .fetch_one(&mut *tx)
        .await?;
        let written: Vec<&NewInteraction> = entries
            .iter()
            .zip(&plans)
            .filter(|(_, plan)| matches!(plan, Plan::Write { .. }))
            .map(|(entry, _)| entry.verification())
            .collect();
        let rows: Vec<(i64, &NewInteraction)> = (last + 1..).zip(written).collect();
        insert_rows(tx, &rows).await?;

        let mut seqs = rows.iter().map(|(seq, _)| *seq);
        let mut results = Vec::with_capacity(entries.len());
        for (entry, plan) in entries.iter().zip(plans) {
            let (held, seq) = match plan {
                Plan::Refuse(problem) => {
                    results.push(Written::Refused(problem));
                    continue;
                }
                Plan::Write { held, .. } => (held, seqs.next().unwrap_or_default()),
            };
            results.push(match entry {
                Entry::Alone(_) => Written::Logged,
                Entry::Start {
                    verification,
                    engagement,
                    given,
                } => {
                    let id = engagements::insert(tx, engagement, held, seq).await?;
                    engagements::add_arrival(
                        tx,
                        id,
                        ArrivalKind::Start,
                        verification.id,
                        verification.received_at,
                        given,
                    )
                    .await?;
                    Written::Started { id }
                }
                Entry::Arrival {
                    verification,
                    engagement_id,
                    kind,
                    given,
                    ..
                } => {
                    let (arrival, given) = engagements::add_arrival(
                        tx,
                        *engagement_id,
                        *kind,
                        verification.id,
                        verification.received_at,
                        given,
                    )
                    .await?;
                    // Active: `plan` read its state under this transaction's write lock.
                    engagements::note_arrival(
                        tx,
                        *engagement_id,
                        verification.received_at,
                        seq,
                        held,
                    )
                    .await?;
                    Written::Arrived { arrival, given }
                }
            });
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
        if accounted > 0 {
            super::acknowledged::account(tx, accounted).await?;
        }
        for (site, usage) in &incoming {
            ledger.add(site, *usage);
        }
        Ok::<_, sqlx::Error>((results, ledger))
    })
    .await?;
    *ledger = Some(after);
    Ok(results)
}

/// What is done with an entry: written, holding this much (for an engagement's entries, all it
/// holds after), or refused.
enum Plan {
    Write {
        site: Site,
        usage: Usage,
        held: Held,
    },
    Refuse(Problem),
}

/// Decides each entry, under the write lock: what it adds to whose share, and, for arrivals,
/// whether their engagement still exists, is active and has room (arrivals to one engagement in
/// the same batch counted one after the other).
async fn plan(tx: &mut sqlx::SqliteConnection, entries: &[Entry]) -> sqlx::Result<Vec<Plan>> {
    let mut engagements: HashMap<i64, (EngagementState, Held, Site)> = HashMap::new();
    let mut keys_added: HashSet<(i64, String)> = HashSet::new();
    let mut plans = Vec::with_capacity(entries.len());
    for entry in entries {
        let plan = match entry {
            Entry::Alone(verification) => Plan::Write {
                site: verification.site.clone(),
                usage: Usage {
                    rows: 1,
                    bytes: verification.bytes() as u64,
                },
                held: Held::default(),
            },
            Entry::Start {
                verification,
                engagement,
                given,
            } => {
                let keys: HashSet<&str> = given.iter().map(AgentItem::key).collect();
                let bytes = ENGAGEMENT_OVERHEAD
                    + text_bytes(engagement.start_url.as_deref().unwrap_or_default())
                    + text_bytes(&engagement.action)
                    + arrival_bytes(verification, given);
                let held = Held {
                    arrivals: 1,
                    keys: keys.len() as u64,
                    bytes,
                };
                match Held::default().check_room(held.keys, bytes) {
                    Err(problem) => Plan::Refuse(problem),
                    Ok(()) => Plan::Write {
                        site: engagement.site.clone(),
                        usage: Usage { rows: 1, bytes },
                        held,
                    },
                }
            }
            Entry::Arrival {
                verification,
                engagement_id,
                engagement_uuid,
                given,
                ..
            } => {
                plan_arrival(
                    tx,
                    &mut engagements,
                    &mut keys_added,
                    (*engagement_id, *engagement_uuid),
                    verification,
                    given,
                )
                .await?
            }
        };
        plans.push(plan);
    }
    Ok(plans)
}

/// An arrival's plan: refused if its engagement is gone, no longer active or has no room for it;
/// else what its engagement holds after it (noted in `engagements` for the batch's next ones).
async fn plan_arrival(
    tx: &mut sqlx::SqliteConnection,
    engagements: &mut HashMap<i64, (EngagementState, Held, Site)>,
    keys_added: &mut HashSet<(i64, String)>,
    (id, uuid): (i64, Uuid),
    verification: &NewInteraction,
    given: &[AgentItem],
) -> sqlx::Result<Plan> {
    let (state, held, site) = match engagements.get(&id) {
        Some(known) => known.clone(),
        None => match engagements::state_and_held(tx, id).await? {
            Some(found) => found,
            None => return Ok(Plan::Refuse(not_found(uuid))),
        },
    };
    if !state.accepts_data() {
        return Ok(Plan::Refuse(takes_no_data(state)));
    }
    let fresh: Vec<&str> = given
        .iter()
        .map(AgentItem::key)
        .filter(|key| !keys_added.contains(&(id, (*key).to_owned())))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let new_keys = engagements::new_keys(tx, id, &fresh).await?;
    let bytes = arrival_bytes(verification, given);
    if let Err(problem) = held.check_room(new_keys, bytes) {
        return Ok(Plan::Refuse(problem));
    }
    let after = Held {
        arrivals: held.arrivals + 1,
        keys: held.keys + new_keys,
        bytes: held.bytes + bytes,
    };
    engagements.insert(id, (state, after, site.clone()));
    keys_added.extend(fresh.into_iter().map(|key| (id, key.to_owned())));
    Ok(Plan::Write {
        site,
        usage: Usage { rows: 1, bytes },
        held: after,
    })
}

/// What an arrival adds to its engagement: its verification in the log, its own row, the items
/// given and a key of the view for each (counted for every item, though a replaced key adds
/// none: the bound errs high).
fn arrival_bytes(verification: &NewInteraction, given: &[AgentItem]) -> u64 {
    verification.bytes() as u64 + ARRIVAL_OVERHEAD + given_bytes(given) as u64
}

fn given_bytes(given: &[AgentItem]) -> usize {
    given
        .iter()
        .map(|item| {
            let text = item.name.as_deref().map_or(0, str::len)
                + item.label.len()
                + item.data.len()
                + item.kind.len()
                + 16;
            let row = row_cost(text as u64 + ITEM_COLUMNS) + AGENT_ITEM_INDEXES;
            (row + item.key().len() as u64 + VIEW_KEY_OVERHEAD) as usize
        })
        .sum()
}

fn text_bytes(text: &str) -> u64 {
    text.len() as u64
}

/// Inserts the verifications' rows and the items each carried.
async fn insert_rows(
    tx: &mut sqlx::SqliteConnection,
    rows: &[(i64, &NewInteraction)],
) -> sqlx::Result<()> {
    let mut rest = rows;
    while !rest.is_empty() {
        let size = chunk_size(rest.len());
        let (chunk, remaining) = rest.split_at(size);
        let mut insert = sqlx::query(insert_sql(Table::Interactions, size));
        for (seq, record) in chunk {
            insert = insert
                .bind(*seq)
                .bind(record.id.to_string())
                .bind(record.received_at)
                .bind(record.status)
                .bind(record.rejected)
                .bind(&*record.request)
                .bind(&*record.verdict)
                .bind(i64::try_from(record.bytes()).unwrap_or(i64::MAX))
                .bind(record.source.as_str())
                .bind(record.accepted)
                .bind(encode_codes(&record.codes))
                .bind(record.engagement.map(|uuid| uuid.to_string()))
                .bind(record.site.as_str())
                .bind(record.key_name.as_deref());
        }
        insert.execute(&mut *tx).await?;
        rest = remaining;
    }
    // Items go in chunks as they come, never collected for the whole batch (under load a
    // batch is thousands of records: the list once took 4 MB at the load test's peak).
    let mut remaining: usize = rows.iter().map(|(_, r)| r.items.count()).sum();
    let mut next = ItemCursor::default();
    let mut chunk = Vec::with_capacity(INSERT_SIZES[0]);
    while remaining > 0 {
        let size = chunk_size(remaining);
        chunk.clear();
        while chunk.len() < size
            && let Some(item) = next.take(rows)
        {
            chunk.push(item);
        }
        let mut insert = sqlx::query(insert_sql(Table::Items, size));
        for (seq, position, (name, label, data)) in &chunk {
            insert = insert
                .bind(*seq)
                .bind(*position)
                .bind(*name)
                .bind(*label)
                .bind(*data);
        }
        insert.execute(&mut *tx).await?;
        remaining -= size;
    }
    Ok(())
}

/// Where the next item of a batch is: which record, where in its items, and its position.
#[derive(Default)]
struct ItemCursor {
    record: usize,
    offset: usize,
    position: i64,
}

impl ItemCursor {
    /// The next item of `rows` as `(seq, position, (label, data))`, and the cursor moved past it.
    fn take<'a>(&mut self, rows: &[(i64, &'a NewInteraction)]) -> Option<(i64, i64, ItemText<'a>)> {
        loop {
            let &(seq, record) = rows.get(self.record)?;
            match record.items.at(self.offset) {
                Some((item, next)) => {
                    let position = self.position;
                    self.offset = next;
                    self.position += 1;
                    return Some((seq, position, item));
                }
                None => {
                    *self = Self {
                        record: self.record + 1,
                        ..Self::default()
                    }
                }
            }
        }
    }
}

/// Rows per INSERT statement, largest first; any batch is a sum of these.
const INSERT_SIZES: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// The largest statement size that fits `remaining` rows.
fn chunk_size(remaining: usize) -> usize {
    INSERT_SIZES
        .iter()
        .copied()
        .find(|size| *size <= remaining)
        .unwrap_or(1)
}

#[derive(Clone, Copy)]
enum Table {
    Interactions,
    Items,
}

/// The INSERT text for `rows` rows (one of INSERT_SIZES) of `table`, built once per size.
fn insert_sql(table: Table, rows: usize) -> &'static str {
    static TEXTS: OnceLock<[Vec<String>; 2]> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        let statements = |head: &str, row: &str| -> Vec<String> {
            INSERT_SIZES
                .iter()
                .map(|&n| format!("{head} VALUES {}", vec![row; n].join(", ")))
                .collect()
        };
        [
            statements(
                "INSERT INTO interactions (seq, id, received_at, status, rejected, request, \
                 verdict, bytes, source, accepted, verdict_codes, engagement, site, key_name)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            statements(
                "INSERT INTO interaction_items (seq, position, name, label, data)",
                "(?, ?, ?, ?, ?)",
            ),
        ]
    });
    let index = INSERT_SIZES
        .iter()
        .position(|&n| n == rows)
        .expect("rows is one of INSERT_SIZES");
    &texts[table as usize][index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::source::Source;
    use crate::storage::interactions::CarriedItems;

    #[test]
    fn waiting_in_memory_counts_bytes_held_not_the_pages_they_will_fill() {
        let mut carried = CarriedItems::default();
        for text in [None, Some("page"), Some("/pricing")] {
            carried.push_text(text);
        }
        let record = NewInteraction {
            id: Uuid::nil(),
            received_at: 0,
            status: "valid",
            rejected: 0,
            request: "x".repeat(1_500).into(),
            verdict: "{}".into(),
            key_used: None,
            key_name: None,
            source: Source::Api,
            engagement: None,
            site: Site::direct(),
            accepted: 1,
            codes: Vec::new(),
            items: carried,
        };
        // The recorder's 16 MiB bound is memory: counting the pages a row will fill (a 1.5 KB
        // row takes half a page) made it push back at 60 % of it, and writes under load came
        // several times as often (benches/README.md, issue #28).
        let in_memory = 1_500 + 2 + 12 + "page/pricing".len();
        let entry = Entry::Alone(record);
        assert_eq!(entry.memory(), in_memory);
        assert!(entry.verification().bytes() > in_memory * 4 / 3);
    }

    #[test]
    fn a_batchs_items_come_out_in_order_across_records_empty_ones_included() {
        let record = |items: &[(Option<&str>, &str, &str)]| {
            let mut carried = CarriedItems::default();
            for (name, label, data) in items {
                carried.push_text(*name);
                carried.push_text(Some(label));
                carried.push_text(Some(data));
            }
            NewInteraction {
                id: Uuid::nil(),
                received_at: 0,
                status: "absent",
                rejected: 0,
                request: "{}".into(),
                verdict: "{}".into(),
                key_used: None,
                key_name: None,
                source: Source::Api,
                engagement: None,
                site: Site::direct(),
                accepted: 0,
                codes: Vec::new(),
                items: carried,
            }
        };
        let records = [
            record(&[(None, "a", "1"), (Some(""), "", "")]),
            record(&[]),
            record(&[(Some("u"), "ü", "日本"), (None, "c", "3")]),
        ];
        let rows: Vec<(i64, &NewInteraction)> = (10..).zip(&records).collect();
        let mut cursor = ItemCursor::default();
        let taken: Vec<_> = std::iter::from_fn(|| cursor.take(&rows)).collect();
        assert_eq!(
            taken,
            [
                (10, 0, (None, "a", "1")),
                (10, 1, (Some(""), "", "")),
                (12, 0, (Some("u"), "ü", "日本")),
                (12, 1, (None, "c", "3")),
            ]
        );
        assert_eq!(records[2].items.bytes(), "uü日本c3".len());
    }
}
