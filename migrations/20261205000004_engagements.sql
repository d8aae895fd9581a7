-- Engagements: what Talkative calls interactions, chats and videos that last (domain/engagement.rs).
-- Each arrival of data (what it started with, an append, and next the Core API's writes) is
-- verified and recorded in the verification log (`interactions`); an engagement keeps which
-- verifications were its arrivals, and the items its agent was given, in order, so the agent
-- view (each key's latest value) survives the log's pruning.
CREATE TABLE engagements (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,   -- the numeric id Talkative's Core API uses
    uuid         TEXT    NOT NULL UNIQUE,
    config_uuid  TEXT    NOT NULL,                    -- the widget config the page named
    action       TEXT    NOT NULL,                    -- the API action's reference, or startChat/startVideo
    channel      TEXT    NOT NULL,                    -- chat | video
    queue_uuid   TEXT,
    start_url    TEXT,                                -- the loader's `path`: the page it started on
    state        TEXT    NOT NULL,                    -- active | ended | completed
    started_at   INTEGER NOT NULL,                    -- unix milliseconds
    ended_at     INTEGER,
    completed_at INTEGER,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE engagement_arrivals (
    engagement_id INTEGER NOT NULL,   -- engagements.id
    arrival       INTEGER NOT NULL,   -- 0: what it started with, then 1, 2, …
    kind          TEXT    NOT NULL,   -- start | append
    verification  TEXT    NOT NULL,   -- interactions.id: the arrival's verdict, while the log keeps it
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (engagement_id, arrival)
) STRICT, WITHOUT ROWID;

CREATE TABLE engagement_items (
    engagement_id INTEGER NOT NULL,
    position      INTEGER NOT NULL,   -- order of arrival across the engagement
    arrival       INTEGER NOT NULL,
    name          TEXT,
    label         TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    provenance    TEXT    NOT NULL,   -- signed | allowlisted | unsigned | report_only
    PRIMARY KEY (engagement_id, position)
) STRICT, WITHOUT ROWID;
