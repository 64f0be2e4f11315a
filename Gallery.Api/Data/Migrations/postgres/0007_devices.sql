-- Devices: owner tokens that act for an owner other than their own hash (paired devices), or that were revoked. A token
-- with no row keeps its original meaning: its hash is its owner id. Only token hashes are kept, never tokens.
-- created_at is NULL for an owner's first token, which had no row when it was made.
CREATE TABLE owner_tokens (
    token_hash text NOT NULL PRIMARY KEY,
    id uuid NOT NULL,
    owner_id text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NULL,
    last_seen_at timestamptz NULL,
    revoked_at timestamptz NULL,
    CONSTRAINT ux_owner_tokens_id UNIQUE (id)
);

CREATE INDEX ix_owner_tokens_owner ON owner_tokens (owner_id);

-- Pairing codes: the first characters select the row, the whole code's SHA-256 proves it; a code dies when used,
-- expired, or tried wrongly too often.
CREATE TABLE pairing_codes (
    selector text NOT NULL PRIMARY KEY,
    code_hash text NOT NULL,
    owner_id text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    used_at timestamptz NULL
);

CREATE INDEX ix_pairing_codes_owner ON pairing_codes (owner_id);
