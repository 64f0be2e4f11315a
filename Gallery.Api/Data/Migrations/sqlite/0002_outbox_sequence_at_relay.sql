-- Writers no longer number the outbox as they insert; the relay gives a committed row its published sequence
-- (the Redis stream id, the SSE event id, the replay cursor). SQLite's writers take turns, so numbering at
-- insert was in commit order here, but the schema and the SQL stay the same as on PostgreSQL, where it was not.
-- The published number keeps the column name `sequence`; the AUTOINCREMENT column becomes the internal id.
DROP INDEX ix_outbox_unsent;
ALTER TABLE outbox RENAME COLUMN sequence TO id;
ALTER TABLE outbox ADD COLUMN sequence INTEGER NULL;

-- Rows written before this migration keep the sequence they have, or would have had.
UPDATE outbox SET sequence = id;

-- The highest sequence ever given out. Pruning deletes rows, so it cannot be read back from them, and a number
-- given twice would be refused by Redis as already sent. AUTOINCREMENT's counter remembers deleted rows too.
CREATE TABLE outbox_head (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL
);

INSERT INTO outbox_head (id, sequence)
SELECT 1, MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0), COALESCE(MAX(id), 0))
FROM outbox;

CREATE UNIQUE INDEX ux_outbox_sequence ON outbox (sequence);
CREATE INDEX ix_outbox_unsent ON outbox (sequence) WHERE sent_at IS NULL AND sequence IS NOT NULL;
CREATE INDEX ix_outbox_unsequenced ON outbox (id) WHERE sequence IS NULL;
