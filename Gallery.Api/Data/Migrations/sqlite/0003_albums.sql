-- Albums: an owner's collections of their own photos. Deleting an album leaves its photos; deleting a photo takes it
-- out of every album (and off a cover). Photo ids are UUIDv7, so photo_id order is the order photos were taken in.
CREATE TABLE albums (
    id TEXT NOT NULL PRIMARY KEY,
    owner_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NULL,
    sort_order TEXT NOT NULL CHECK (sort_order IN ('newest', 'custom')),
    cover_photo_id TEXT NULL REFERENCES photos (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX ix_albums_owner ON albums (owner_id, id);

-- position: the owner's order, ascending, with gaps so a move usually rewrites one row.
CREATE TABLE album_photos (
    album_id TEXT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (album_id, photo_id)
);

CREATE INDEX ix_album_photos_position ON album_photos (album_id, position, photo_id);
CREATE INDEX ix_album_photos_photo ON album_photos (photo_id);
