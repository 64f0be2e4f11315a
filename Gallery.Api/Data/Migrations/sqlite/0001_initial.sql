CREATE TABLE photos (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    length INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    status TEXT NOT NULL,
    moderation TEXT NOT NULL,
    caption TEXT NULL,
    author TEXT NULL,
    placeholder TEXT NULL,
    failure_reason TEXT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT ux_photos_owner_sha UNIQUE (owner_id, sha256)
);

CREATE INDEX ix_photos_sha256 ON photos (sha256);
CREATE INDEX ix_photos_public ON photos (status, moderation, id);
CREATE INDEX ix_photos_owner ON photos (owner_id, id);

CREATE TABLE renditions (
    photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    preset TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (photo_id, preset)
);

CREATE TABLE settings (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    uploads_open INTEGER NOT NULL,
    moderation TEXT NOT NULL CHECK (moderation IN ('off', 'pre'))
);

INSERT INTO settings (id, uploads_open, moderation) VALUES (1, 1, 'off');

-- AUTOINCREMENT: a sequence number is never reused, even after the newest row is deleted,
-- because it is the Redis stream id.
CREATE TABLE outbox (
    sequence INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('job', 'event')),
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    owner_id TEXT NULL,
    traceparent TEXT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT NULL
);

CREATE INDEX ix_outbox_unsent ON outbox (sequence) WHERE sent_at IS NULL;
