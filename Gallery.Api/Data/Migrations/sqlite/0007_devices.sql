-- Devices: owner tokens that act for an owner other than their own hash (paired devices), or that were revoked. A token
-- with no row keeps its original meaning: its hash is its owner id. Only token hashes are kept, never tokens.
-- created_at is NULL for an owner's first token, which had no row when it was made.
CREATE TABLE owner_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NULL,
    last_seen_at TEXT NULL,
    revoked_at TEXT NULL,
    CONSTRAINT ux_owner_tokens_id UNIQUE (id)
);

CREATE INDEX ix_owner_tokens_owner ON owner_tokens (owner_id);

-- Pairing codes: the first characters select the row, the whole code's SHA-256 proves it; a code dies when used,
-- expired, or tried wrongly too often.
CREATE TABLE pairing_codes (
    selector TEXT NOT NULL PRIMARY KEY,
    code_hash TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT NULL
);

CREATE INDEX ix_pairing_codes_owner ON pairing_codes (owner_id);
