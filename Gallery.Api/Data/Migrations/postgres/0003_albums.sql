-- Albums: an owner's collections of their own photos. Deleting an album leaves its photos; deleting a photo takes it
-- out of every album (and off a cover). Photo ids are UUIDv7, so photo_id order is the order photos were taken in.
CREATE TABLE albums (
    id uuid NOT NULL PRIMARY KEY,
    owner_id text NOT NULL,
    title text NOT NULL,
    description text NULL,
    sort_order text NOT NULL CHECK (sort_order IN ('newest', 'custom')),
    cover_photo_id uuid NULL REFERENCES photos (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX ix_albums_owner ON albums (owner_id, id);

-- position: the owner's order, ascending, with gaps so a move usually rewrites one row.
CREATE TABLE album_photos (
    album_id uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id uuid NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    position bigint NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (album_id, photo_id)
);

CREATE INDEX ix_album_photos_position ON album_photos (album_id, position, photo_id);
CREATE INDEX ix_album_photos_photo ON album_photos (photo_id);
