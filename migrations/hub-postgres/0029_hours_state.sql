-- Whether a store's opening hours had it open when the hub last looked, so
-- the moment it opens or closes by the clock is announced once.
ALTER TABLE stores ADD COLUMN hours_state TEXT CHECK (hours_state IN ('open', 'closed'));
