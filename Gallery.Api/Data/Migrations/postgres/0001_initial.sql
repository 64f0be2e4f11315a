CREATE TABLE photos (
    id uuid NOT NULL PRIMARY KEY,
    owner_id text NOT NULL,
    sha256 text NOT NULL,
    format text NOT NULL,
    length bigint NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    status text NOT NULL,
    moderation text NOT NULL,
    caption text NULL,
    author text NULL,
    placeholder text NULL,
    failure_reason text NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT ux_photos_owner_sha UNIQUE (owner_id, sha256)
);

CREATE INDEX ix_photos_sha256 ON photos (sha256);
CREATE INDEX ix_photos_public ON photos (status, moderation, id);
CREATE INDEX ix_photos_owner ON photos (owner_id, id);

CREATE TABLE renditions (
    photo_id uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    preset text NOT NULL,
    blob_key text NOT NULL,
    content_type text NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    length bigint NOT NULL,
    PRIMARY KEY (photo_id, preset)
);

CREATE TABLE settings (
    id integer NOT NULL PRIMARY KEY CHECK (id = 1),
    uploads_open boolean NOT NULL,
    moderation text NOT NULL CHECK (moderation IN ('off', 'pre'))
);

INSERT INTO settings (id, uploads_open, moderation) VALUES (1, true, 'off');

CREATE TABLE outbox (
    sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('job', 'event')),
    type text NOT NULL,
    payload text NOT NULL,
    owner_id text NULL,
    traceparent text NULL,
    created_at timestamptz NOT NULL,
    sent_at timestamptz NULL
);

CREATE INDEX ix_outbox_unsent ON outbox (sequence) WHERE sent_at IS NULL;
