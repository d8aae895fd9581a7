-- Which key signed a refused token (#31): when an inactive key was deactivated, and the public
-- halves of keys deleted in the last 30 days, kept only to name them when a token they signed is
-- refused. Neither ever verifies anything.
ALTER TABLE signing_keys ADD COLUMN deactivated_at INTEGER;  -- unix milliseconds, while inactive

CREATE TABLE deleted_signing_keys (
    id             TEXT    PRIMARY KEY NOT NULL,             -- the key's uuid when it was stored
    name           TEXT    NOT NULL,
    public_key_pem TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL,
    deleted_at     INTEGER NOT NULL                          -- unix milliseconds
) STRICT;
CREATE INDEX deleted_signing_keys_by_time ON deleted_signing_keys (deleted_at);
