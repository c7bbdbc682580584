-- A store's opening hours as JSON (`utc_offset` and, per weekday, intervals);
-- NULL: it takes orders at any hour its status is open.
ALTER TABLE stores ADD COLUMN hours TEXT;
