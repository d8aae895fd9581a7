-- Signing keys: only ever public P-256 keys, stored as normalized SPKI PEM.
CREATE TABLE signing_keys (
    id            TEXT    PRIMARY KEY NOT NULL,          -- uuid
    name          TEXT    NOT NULL,
    public_key_pem TEXT   NOT NULL,
    fingerprint   TEXT    NOT NULL UNIQUE,               -- RFC 7638 JWK thumbprint
    created_at    INTEGER NOT NULL,                      -- unix milliseconds
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    last_used_at  INTEGER                                -- unix milliseconds
) STRICT;

-- Labels that may pass unsigned while signing is enforced. Exact, case-sensitive (BINARY collation).
CREATE TABLE unsigned_fields (
    label      TEXT    PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Every verification, newest kept up to a retention bound. seq orders them and makes pruning cheap.
CREATE TABLE interactions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,                 -- uuid
    received_at INTEGER NOT NULL,                        -- unix milliseconds
    status      TEXT    NOT NULL,                        -- signature status: valid | invalid | absent
    rejected    INTEGER NOT NULL,                        -- number of rejected items
    request     TEXT    NOT NULL,                        -- the request body as received
    verdict     TEXT    NOT NULL                         -- the verdict JSON as returned
) STRICT;
