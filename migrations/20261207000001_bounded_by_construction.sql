-- Issue #28: everything a request can make the server keep is inside one budget, shared out by
-- site and pruned a whole unit at a time (storage/retention.rs). A unit is a verification on
-- its own (the verify endpoint, the playground) or an engagement with everything it holds: its
-- arrivals, its items, its agent view and its verifications in the log.

-- Who sent each record (domain/site.rs): '' for requests without an Origin (scripts,
-- backends), '(portal)' for the emulator's own pages, else the page's site.
ALTER TABLE interactions ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE engagements ADD COLUMN site TEXT NOT NULL DEFAULT '';

-- What an engagement holds, kept by the one writer as it adds to it: its arrivals, its rows in
-- the log, the keys its agent sees, the bytes of all of it (as storage/retention.rs counts
-- them), and the seq of its latest verification (pruning takes the least recently active unit
-- first).
ALTER TABLE engagements ADD COLUMN arrivals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN verifications INTEGER NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN keys INTEGER NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE engagements ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;

-- Items in rowid tables: in a WITHOUT ROWID table a row over ~1,000 bytes spills into an
-- overflow page of its own, mostly empty (3.65 MB for 0.84 MB of items at the smallest budget);
-- a rowid table keeps rows up to ~4 KB on the page and fills overflow pages whole.
CREATE TABLE interaction_items_new (
    item_id  INTEGER PRIMARY KEY,
    seq      INTEGER NOT NULL,   -- interactions.seq (deleted with it: storage/retention.rs)
    position INTEGER NOT NULL,   -- 0-based, accepted items first, then rejected
    label    TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    name     TEXT
) STRICT;
INSERT INTO interaction_items_new (seq, position, label, data, name)
SELECT seq, position, label, data, name FROM interaction_items ORDER BY seq, position;
DROP TABLE interaction_items;
ALTER TABLE interaction_items_new RENAME TO interaction_items;
CREATE UNIQUE INDEX interaction_items_by_seq ON interaction_items (seq, position);

CREATE TABLE engagement_items_new (
    item_id       INTEGER PRIMARY KEY,
    engagement_id INTEGER NOT NULL,
    position      INTEGER NOT NULL,   -- order of arrival across the engagement
    arrival       INTEGER NOT NULL,
    name          TEXT,
    label         TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    provenance    TEXT    NOT NULL    -- signed | allowlisted | unsigned | report_only | server
) STRICT;
INSERT INTO engagement_items_new (engagement_id, position, arrival, name, label, data, type, provenance)
SELECT engagement_id, position, arrival, name, label, data, type, provenance
FROM engagement_items ORDER BY engagement_id, position;
DROP TABLE engagement_items;
ALTER TABLE engagement_items_new RENAME TO engagement_items;
CREATE UNIQUE INDEX engagement_items_by_position ON engagement_items (engagement_id, position);
-- An arrival's items, for the pages that list arrivals a page at a time.
CREATE INDEX engagement_items_by_arrival ON engagement_items (engagement_id, arrival);

-- What each engagement's agent sees, kept as data arrives: per key (the item's name, else its
-- label), where it first came (the view's order) and the item holding its latest value. An
-- append then costs a lookup per new item instead of reading everything the engagement has.
CREATE TABLE engagement_view (
    engagement_id  INTEGER NOT NULL,
    key            TEXT    NOT NULL,
    first_position INTEGER NOT NULL,
    item_id        INTEGER NOT NULL,   -- engagement_items.item_id
    signed         INTEGER NOT NULL CHECK (signed IN (0, 1)),
    PRIMARY KEY (engagement_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX engagement_view_in_order ON engagement_view (engagement_id, first_position);

-- The view of what was stored before: each key's latest item (an unsigned item never followed a
-- signed one of its key: its verdict refused it), in the order keys first came.
INSERT INTO engagement_view (engagement_id, key, first_position, item_id, signed)
SELECT engagement_id, key, first_position, item_id, provenance = 'signed' FROM (
    SELECT item_id, engagement_id, provenance, COALESCE(name, label) AS key,
           MIN(position) OVER (PARTITION BY engagement_id, COALESCE(name, label)) AS first_position,
           ROW_NUMBER() OVER (PARTITION BY engagement_id, COALESCE(name, label)
                              ORDER BY position DESC) AS newest
    FROM engagement_items
) WHERE newest = 1;

-- A verification naming an engagement that does not exist (a start whose engagement was never
-- written) belonged to no unit: it is a verification on its own.
UPDATE interactions SET engagement = NULL
WHERE engagement IS NOT NULL AND engagement NOT IN (SELECT uuid FROM engagements);

-- What engagements stored before this held. Their verifications in the log may have been pruned
-- on their own then; what is left of them counts now.
UPDATE engagements SET
    arrivals = (SELECT COUNT(*) FROM engagement_arrivals WHERE engagement_id = engagements.id),
    verifications = (SELECT COUNT(*) FROM interactions WHERE engagement = engagements.uuid),
    keys = (SELECT COUNT(*) FROM engagement_view WHERE engagement_id = engagements.id),
    last_seq = COALESCE((SELECT MAX(seq) FROM interactions WHERE engagement = engagements.uuid), 0),
    bytes = 512 + length(CAST(COALESCE(start_url, '') AS BLOB))
        + COALESCE((SELECT SUM(bytes) FROM interactions WHERE engagement = engagements.uuid), 0)
        + COALESCE((SELECT SUM(96 + length(CAST(COALESCE(name, '') AS BLOB))
                               + length(CAST(label AS BLOB)) + length(CAST(data AS BLOB))
                               + length(CAST(type AS BLOB)))
                    FROM engagement_items WHERE engagement_id = engagements.id), 0)
        + 128 * (SELECT COUNT(*) FROM engagement_arrivals WHERE engagement_id = engagements.id);

-- Pruning reads a site's oldest units: its verifications on their own (the verify endpoint's,
-- the playground's), and its engagements by last activity. The old (seq, bytes) index served a
-- log pruned oldest-first regardless of who sent what.
DROP INDEX IF EXISTS interactions_seq_bytes;
CREATE INDEX interactions_alone_by_site ON interactions (site, seq, bytes) WHERE engagement IS NULL;
CREATE INDEX engagements_by_site ON engagements (site, last_seq);

-- A crash between answering and writing can lose the verify endpoint's newest records (they
-- are written every 2 s): `acknowledged` is how many answered records the log has accounted
-- for (written, or pruned unseen), compared at the next start with how many the server had
-- answered, a count it keeps in a file beside the database (storage/acknowledged.rs), to say
-- how many a crash lost. `epoch` ties that file to this database.
CREATE TABLE log_accounts (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    epoch        INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL,
    lost         INTEGER NOT NULL    -- lost in crashes, as found at starts since
) STRICT;
INSERT INTO log_accounts (id, epoch, acknowledged, lost) VALUES (1, abs(random()), 0, 0);
