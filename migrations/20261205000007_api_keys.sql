-- Core API keys (domain/api_key.rs): what the portal's API Keys page makes. The token is shown
-- once and never stored: `token_sha256` is what a request's bearer token is looked up by.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    token_sha256 TEXT    NOT NULL UNIQUE,   -- hex SHA-256 of the token
    token_hint   TEXT    NOT NULL,          -- its last four characters, to tell keys apart
    created_at   INTEGER NOT NULL,          -- unix milliseconds
    last_used_at INTEGER,
    revoked_at   INTEGER,                   -- a revoked key opens nothing, and stays listed
    from_config  INTEGER NOT NULL DEFAULT 0 -- installed by the config file's [[api_keys]]
) STRICT;
