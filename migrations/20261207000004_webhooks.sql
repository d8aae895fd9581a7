-- Issue #33: Talkative calling the customer's backend. Generic CRM webhooks (a label, an endpoint,
-- a send condition, the queues it applies to, headers sent as configured) and the durable outbox
-- their deliveries go through, with a log of every attempt (app/webhooks.rs, app/outbox.rs).

CREATE TABLE webhooks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    label          TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    send_condition TEXT    NOT NULL,   -- completed_and_wrapped
    queues         TEXT    NOT NULL,   -- JSON array of queue UUIDs; [] = every queue
    headers        TEXT    NOT NULL,   -- JSON [{name, value}]: secrets, never shown again in full
    from_config    INTEGER NOT NULL DEFAULT 0 CHECK (from_config IN (0, 1)),
    created_at     INTEGER NOT NULL
) STRICT;

-- One request to send, and its state. Written in the same transaction as what caused it (a
-- completion), so it is sent after a crash too; `uuid` is the idempotency key, the same on every
-- attempt and every redelivery. `body` is what is sent, as it was when it was caused.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            TEXT    NOT NULL UNIQUE,
    webhook_id      INTEGER,           -- webhooks.id; NULL for a chatbot fulfilment call
    target          TEXT    NOT NULL,  -- the webhook's label, or the fulfilment action's reference
    url             TEXT    NOT NULL,
    event           TEXT    NOT NULL,  -- interaction.completed | webhook.test | fulfilment
    engagement_id   INTEGER,           -- engagements.id; NULL for a test (pruned with it)
    body            TEXT    NOT NULL,
    state           TEXT    NOT NULL,  -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,   -- every attempt, redeliveries included
    round_attempts  INTEGER NOT NULL DEFAULT 0,   -- since it was made or last redelivered
    next_attempt_at INTEGER,           -- unix ms; NULL when nothing is scheduled
    last_status     INTEGER,
    last_error      TEXT,              -- the last attempt's code, when it failed
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_engagement ON webhook_deliveries (engagement_id);

-- Each attempt: what was sent (headers with secrets masked), what came back (status, the first
-- bytes of the body), how long it took, and why it failed.
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      INTEGER NOT NULL,   -- webhook_deliveries.id
    attempt          INTEGER NOT NULL,   -- 1, 2, … across redeliveries
    started_at       INTEGER NOT NULL,
    latency_ms       INTEGER NOT NULL,
    status           INTEGER,            -- the HTTP status, when one came back
    error_code       TEXT,               -- why it failed (domain/problem.rs codes)
    error_message    TEXT,
    response_excerpt TEXT    NOT NULL,
    request_headers  TEXT    NOT NULL    -- JSON [[name, value]], secrets masked
) STRICT;
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempt);
