-- A sale's receipt link (`/r/{key}`): the SHA-256 of the key the till minted,
-- hex. Only the hash is kept, so the lookup reveals nothing of a key through
-- its timing and a copy of the database holds no working links. Not unique:
-- a second row under one hash is served to nobody (see receipt_by_link).
ALTER TABLE sales ADD COLUMN receipt_key_hash TEXT;
CREATE INDEX sales_by_receipt_key ON sales (receipt_key_hash) WHERE receipt_key_hash IS NOT NULL;
