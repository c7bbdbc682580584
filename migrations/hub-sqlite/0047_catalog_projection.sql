-- Kept in step with hub-postgres/0047_catalog_projection.sql (SQLite adds one
-- column per statement).
ALTER TABLE stock_positions ADD COLUMN delisted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stock_positions ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stock_positions ADD COLUMN bin_code TEXT;
ALTER TABLE stock_positions ADD COLUMN zone TEXT;
ALTER TABLE stock_positions ADD COLUMN held_milli BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stock_positions ADD COLUMN held_until_ms BIGINT;
ALTER TABLE stock_positions ADD COLUMN has_store_windows BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE variants ADD COLUMN has_chain_windows BOOLEAN NOT NULL DEFAULT FALSE;

-- Filled from the source tables by the data step the hub runs after its
-- migrations (`rebuild_projection`, the code a repair runs too).
INSERT INTO hub_data_steps (step) VALUES ('catalog_projection_from_sources');
