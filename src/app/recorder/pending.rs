//! The recorder's buffer: what waits to be written, who waits for it, and the bounds it keeps
//! (the newest `retention.rows` answered verifications, the oldest of the busiest site pushed
//! out first; its memory).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::sync::oneshot;
use uuid::Uuid;

use super::{LogUnavailable, OVERLOADED_WRITE_INTERVAL};
use crate::domain::site::Site;
use crate::storage::batch::{Entry, Written};

pub(super) type Waiter = oneshot::Sender<Result<Written, LogUnavailable>>;

pub(super) struct Queued {
    pub(super) entry: Entry,
    /// Who waits for this entry to be written; `None` for a verification already answered.
    pub(super) waiter: Option<Waiter>,
}

/// Unwritten entries (verifications: the newest `retention` only), who waits for each, and the
/// latest use of each key among all of them.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) entries: VecDeque<Entry>,
    /// One per entry, in step with `entries`.
    pub(super) waiters: VecDeque<Option<Waiter>>,
    /// What `entries` take in memory, as [`Entry::memory`] counts.
    pub(super) bytes: usize,
    pub(super) last_use: HashMap<Uuid, i64>,
    /// Answered verifications waiting, per site: the site with the most gives one up first.
    pub(super) answered_by_site: HashMap<Site, usize>,
    /// Answered verifications dropped unwritten (pushed out, shed) since the last write: the
    /// next write notes them accounted for, so that a crash does not count them again.
    pub(super) accounted_unwritten: u64,
    /// Some record was pushed out unwritten: the next write replaces the whole log.
    pub(super) overflowed: bool,
}

impl Pending {
    /// Adds an entry; returns the verification it pushed out if the buffer was full.
    pub(super) fn push(&mut self, queued: Queued, capacity: usize) -> Option<Entry> {
        let Queued { entry, waiter } = queued;
        let verification = entry.verification();
        if let Some(key) = verification.key_used {
            let latest = self.last_use.entry(key).or_insert(verification.received_at);
            *latest = (*latest).max(verification.received_at);
        }
        let pushed_out = if waiter.is_none() && self.answered_records() as usize >= capacity {
            self.overflowed = true;
            self.push_out()
        } else {
            None
        };
        if waiter.is_none() {
            *self
                .answered_by_site
                .entry(verification.site.clone())
                .or_default() += 1;
        }
        self.bytes += entry.memory();
        self.entries.push_back(entry);
        self.waiters.push_back(waiter);
        pushed_out
    }

    /// Answered verifications waiting.
    pub(super) fn answered_records(&self) -> u64 {
        self.answered_by_site.values().sum::<usize>() as u64
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.last_use.is_empty()
    }

    /// Removes the oldest answered verification of the site with the most waiting: the one the
    /// write's pruning would delete first.
    pub(super) fn push_out(&mut self) -> Option<Entry> {
        let site = self
            .answered_by_site
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(site, _)| site.clone())?;
        let index = self
            .entries
            .iter()
            .zip(&self.waiters)
            .position(|(entry, waiter)| waiter.is_none() && entry.verification().site == site)?;
        self.remove(index)
    }

    /// Removes the entry at `index` (an answered verification), noted accounted for.
    pub(super) fn remove(&mut self, index: usize) -> Option<Entry> {
        let entry = self.entries.remove(index)?;
        self.waiters.remove(index);
        self.bytes -= entry.memory();
        let site = &entry.verification().site;
        if let Some(count) = self.answered_by_site.get_mut(site) {
            *count -= 1;
            if *count == 0 {
                self.answered_by_site.remove(site);
            }
        }
        self.accounted_unwritten += 1;
        Some(entry)
    }

    /// Drops the oldest answered verifications until the rest take at most `max_bytes` (one
    /// always stays).
    pub(super) fn shed_bytes(&mut self, max_bytes: usize) -> Vec<Entry> {
        let mut shed = Vec::new();
        while self.bytes > max_bytes && self.entries.len() > 1 {
            let Some(index) = self.waiters.iter().position(Option::is_none) else {
                break;
            };
            shed.extend(self.remove(index));
        }
        shed
    }

    /// Takes out the entries someone waits for, and their waiters.
    pub(super) fn take_waiting(&mut self) -> Vec<Waiter> {
        let mut waiting = Vec::new();
        let mut index = 0;
        while index < self.entries.len() {
            if self.waiters[index].is_some() {
                let entry = self.entries.remove(index);
                if let Some(entry) = entry {
                    self.bytes -= entry.memory();
                }
                waiting.extend(self.waiters.remove(index).flatten());
            } else {
                index += 1;
            }
        }
        waiting
    }

    /// Puts `newer` (recorded after these) behind these records.
    pub(super) fn append(&mut self, newer: Pending) {
        for (key, used) in newer.last_use {
            let latest = self.last_use.entry(key).or_insert(used);
            *latest = (*latest).max(used);
        }
        for (site, count) in newer.answered_by_site {
            *self.answered_by_site.entry(site).or_default() += count;
        }
        self.bytes += newer.bytes;
        self.entries.extend(newer.entries);
        self.waiters.extend(newer.waiters);
        self.accounted_unwritten += newer.accounted_unwritten;
        self.overflowed |= newer.overflowed;
    }

    /// Whether the timed write (every [`WRITE_INTERVAL`]) should take these records now,
    /// `since_last_write` after the last write.
    pub(super) fn timed_write_due(&self, since_last_write: Duration) -> bool {
        !self.is_empty() && (!self.overflowed || since_last_write >= OVERLOADED_WRITE_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use bytestring::ByteString;
    use uuid::Uuid;

    use super::{Entry, OVERLOADED_WRITE_INTERVAL, Pending, Queued};
    use crate::app::recorder::WRITE_INTERVAL;
    use crate::domain::site::Site;
    use crate::storage::interactions::NewInteraction;

    fn record(received_at: i64, site: &Site) -> Queued {
        Queued {
            entry: Entry::Alone(NewInteraction {
                id: Uuid::new_v4(),
                received_at,
                status: "absent",
                rejected: 0,
                request: ByteString::from_static("{}"),
                verdict: ByteString::from_static("{}"),
                key_used: None,
                key_name: None,
                source: crate::domain::source::Source::Api,
                engagement: None,
                site: site.clone(),
                accepted: 0,
                codes: Vec::new(),
                items: Default::default(),
            }),
            waiter: None,
        }
    }

    fn received(entry: &Entry) -> i64 {
        entry.verification().received_at
    }

    #[test]
    fn nothing_pending_is_never_written() {
        assert!(!Pending::default().timed_write_due(OVERLOADED_WRITE_INTERVAL * 2));
    }

    #[test]
    fn records_within_retention_are_written_at_every_tick() {
        let mut pending = Pending::default();
        for at in 0..3 {
            assert!(pending.push(record(at, &Site::direct()), 3).is_none());
        }
        assert_eq!(pending.entries.len(), 3);
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }

    #[test]
    fn once_records_are_pushed_out_timed_writes_wait_for_the_overloaded_interval() {
        let mut pending = Pending::default();
        let pushed_out: Vec<i64> = (0..4)
            .filter_map(|at| pending.push(record(at, &Site::direct()), 3))
            .map(|r| received(&r))
            .collect();
        // The oldest went back to the caller; the newest three remain, in order.
        assert_eq!(pushed_out, [0]);
        let kept: Vec<i64> = pending.entries.iter().map(received).collect();
        assert_eq!(kept, [1, 2, 3]);
        assert_eq!(
            pending.accounted_unwritten, 1,
            "pushed out is accounted for"
        );
        for ticks in 1..5 {
            assert!(
                !pending.timed_write_due(WRITE_INTERVAL * ticks),
                "{ticks} ticks"
            );
        }
        assert!(pending.timed_write_due(OVERLOADED_WRITE_INTERVAL));

        // A write takes the buffer; what follows starts at the normal pace again.
        let _written = std::mem::take(&mut pending);
        assert!(pending.push(record(4, &Site::direct()), 3).is_none());
        assert!(pending.timed_write_due(WRITE_INTERVAL));
    }

    #[test]
    fn a_full_buffer_pushes_out_the_oldest_of_the_site_with_the_most_waiting() {
        let mut pending = Pending::default();
        let (tests, page) = (Site::direct(), Site::of_origin("http://evil.example"));
        assert!(pending.push(record(0, &tests), 4).is_none());
        for at in 1..4 {
            assert!(pending.push(record(at, &page), 4).is_none());
        }
        // The page floods on: its own oldest go, the tests' record stays.
        let pushed_out: Vec<i64> = (4..7)
            .filter_map(|at| pending.push(record(at, &page), 4))
            .map(|r| received(&r))
            .collect();
        assert_eq!(pushed_out, [1, 2, 3]);
        let kept: Vec<i64> = pending.entries.iter().map(received).collect();
        assert_eq!(kept, [0, 4, 5, 6]);
    }
}
