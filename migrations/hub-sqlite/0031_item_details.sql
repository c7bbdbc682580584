-- An item's unit, pack, pictures and attributes, as one JSON object (NULL
-- for a plain counted item with none); the hub checks it on the way in.
ALTER TABLE variants ADD COLUMN details TEXT;
