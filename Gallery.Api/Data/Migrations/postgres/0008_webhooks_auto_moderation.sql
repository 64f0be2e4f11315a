-- Moderation gains 'auto': a classifier looks at a rendition before the photo is published. Its verdict (allow, hold
-- or reject, with labels and scores, as JSON) is kept with the photo for the admin queue.
ALTER TABLE settings DROP CONSTRAINT settings_moderation_check;
ALTER TABLE settings ADD CONSTRAINT settings_moderation_check CHECK (moderation IN ('off', 'pre', 'auto'));

ALTER TABLE photos ADD COLUMN classification text NULL;

-- Webhooks: endpoints an admin registered, with the event types each wants. The secret signs deliveries and must be
-- readable to do so; after a rotation the previous one signs too until previous_secret_expires_at.
CREATE TABLE webhooks (
    id uuid NOT NULL PRIMARY KEY,
    url text NOT NULL,
    description text NULL,
    event_types text NOT NULL,
    secret text NOT NULL,
    previous_secret text NULL,
    previous_secret_expires_at timestamptz NULL,
    enabled boolean NOT NULL,
    disabled_reason text NULL,
    disabled_at timestamptz NULL,
    created_at timestamptz NOT NULL
);

-- How far deliveries were made from the outbox: the last sequence fanned out. A new database starts at the outbox's head,
-- so registering the first webhook does not replay history. Pruning keeps every row above it.
CREATE TABLE webhook_cursor (
    id integer NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence bigint NOT NULL
);
INSERT INTO webhook_cursor (id, sequence) SELECT 1, sequence FROM outbox_head WHERE id = 1;

-- One message for one endpoint; its id is the message's webhook-id, the same on every attempt.
CREATE TABLE webhook_deliveries (
    id uuid NOT NULL PRIMARY KEY,
    webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    payload text NOT NULL,
    traceparent text NULL,
    created_at timestamptz NOT NULL,
    state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    leased_until timestamptz NULL,
    completed_at timestamptz NULL
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- The delivery log: every attempt, newest last.
CREATE TABLE webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    webhook_id uuid NOT NULL,
    attempt integer NOT NULL,
    started_at timestamptz NOT NULL,
    status_code integer NULL,
    latency_ms double precision NOT NULL,
    error text NULL,
    response_excerpt text NULL
);
CREATE INDEX ix_webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id);
