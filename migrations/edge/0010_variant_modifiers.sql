-- Modifier and add-on groups of a variant, as the feed brings them (JSON).
ALTER TABLE variants ADD COLUMN modifiers TEXT;
