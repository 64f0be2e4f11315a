-- Writers no longer number the outbox as they insert: a transaction that took a smaller number could commit
-- after one that took a larger one, and the relay would then send the two out of order. A row now gets only an
-- internal id when written; the relay gives it its published sequence (the Redis stream id, the SSE event id,
-- the replay cursor) once it has committed. The published number keeps the column name `sequence`.
DROP INDEX ix_outbox_unsent;
ALTER TABLE outbox RENAME COLUMN sequence TO id;
ALTER TABLE outbox ADD COLUMN sequence bigint NULL;

-- Rows written before this migration keep the sequence they have, or would have had.
UPDATE outbox SET sequence = id;

-- The highest sequence ever given out. Pruning deletes rows, so it cannot be read back from them, and a number
-- given twice would be refused by Redis as already sent. Rows never seen here (pruned, rolled back) still
-- count: the identity's last value is above all of them.
CREATE TABLE outbox_head (
    id integer NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence bigint NOT NULL
);

INSERT INTO outbox_head (id, sequence)
SELECT 1, GREATEST(COALESCE(pg_sequence_last_value(pg_get_serial_sequence('outbox', 'id')::regclass), 0), COALESCE(MAX(id), 0))
FROM outbox;

CREATE UNIQUE INDEX ux_outbox_sequence ON outbox (sequence);
CREATE INDEX ix_outbox_unsent ON outbox (sequence) WHERE sent_at IS NULL AND sequence IS NOT NULL;
CREATE INDEX ix_outbox_unsequenced ON outbox (id) WHERE sequence IS NULL;
