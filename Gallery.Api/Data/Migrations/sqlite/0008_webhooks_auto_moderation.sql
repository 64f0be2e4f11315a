-- Moderation gains 'auto': a classifier looks at a rendition before the photo is published. Its verdict (allow, hold
-- or reject, with labels and scores, as JSON) is kept with the photo for the admin queue. SQLite cannot change a CHECK
-- constraint in place, so settings is made anew.
CREATE TABLE settings_new (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    uploads_open INTEGER NOT NULL,
    moderation TEXT NOT NULL CHECK (moderation IN ('off', 'pre', 'auto'))
);
INSERT INTO settings_new (id, uploads_open, moderation) SELECT id, uploads_open, moderation FROM settings;
DROP TABLE settings;
ALTER TABLE settings_new RENAME TO settings;

ALTER TABLE photos ADD COLUMN classification TEXT NULL;

-- Webhooks: endpoints an admin registered, with the event types each wants. The secret signs deliveries and must be
-- readable to do so; after a rotation the previous one signs too until previous_secret_expires_at.
CREATE TABLE webhooks (
    id TEXT NOT NULL PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT NULL,
    previous_secret_expires_at TEXT NULL,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT NULL,
    disabled_at TEXT NULL,
    created_at TEXT NOT NULL
);

-- How far deliveries were made from the outbox: the last sequence fanned out. A new database starts at the outbox's head,
-- so registering the first webhook does not replay history. Pruning keeps every row above it.
CREATE TABLE webhook_cursor (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, sequence) SELECT 1, sequence FROM outbox_head WHERE id = 1;

-- One message for one endpoint; its id is the message's webhook-id, the same on every attempt.
CREATE TABLE webhook_deliveries (
    id TEXT NOT NULL PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    traceparent TEXT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    leased_until TEXT NULL,
    completed_at TEXT NULL
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- The delivery log: every attempt, newest last.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    status_code INTEGER NULL,
    latency_ms REAL NOT NULL,
    error TEXT NULL,
    response_excerpt TEXT NULL
);
CREATE INDEX ix_webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id);
