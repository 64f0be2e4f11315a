-- Guest links: a share link of an album may let whoever holds it add photos (allow_uploads). A photo a guest adds that
-- way is theirs, but it shows only in that album, not on the site's wall (on_wall). An album may hold guests' photos
-- back until its owner approves them (guest_approval; their entries stay 'pending' until then).
ALTER TABLE share_links ADD COLUMN allow_uploads boolean NOT NULL DEFAULT false;
ALTER TABLE albums ADD COLUMN guest_approval boolean NOT NULL DEFAULT false;
ALTER TABLE album_photos ADD COLUMN state text NOT NULL DEFAULT 'approved' CHECK (state IN ('approved', 'pending'));
ALTER TABLE photos ADD COLUMN on_wall boolean NOT NULL DEFAULT true;

-- An album's own events (what its share links show changed) go only to streams following that album.
ALTER TABLE outbox ADD COLUMN album_id uuid NULL;

DROP INDEX ix_photos_public;
CREATE INDEX ix_photos_public ON photos (status, moderation, on_wall, id);
