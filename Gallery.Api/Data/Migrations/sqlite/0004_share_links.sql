-- Share links: a token that shows one album or one photo to whoever holds it. Only the token's SHA-256 is kept.
-- Deleting what a link names deletes the link.
CREATE TABLE share_links (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    album_id TEXT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id TEXT NULL REFERENCES photos (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NULL,
    revoked_at TEXT NULL,
    CONSTRAINT ux_share_links_token UNIQUE (token_hash),
    CONSTRAINT ck_share_links_one_target CHECK ((album_id IS NULL) <> (photo_id IS NULL))
);

CREATE INDEX ix_share_links_owner ON share_links (owner_id, id);
