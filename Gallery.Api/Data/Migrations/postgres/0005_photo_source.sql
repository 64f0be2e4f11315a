-- Where a photo saved from the web was found (the page's address and title), kept apart from its caption.
ALTER TABLE photos ADD COLUMN source_url TEXT NULL;
ALTER TABLE photos ADD COLUMN source_title TEXT NULL;
