-- A source's id mapped to a record it did not make (a category of the same
-- name HQ or another source made): the source uses it but never renames or
-- moves it.
ALTER TABLE source_entities ADD COLUMN adopted BOOLEAN NOT NULL DEFAULT FALSE;
