-- The store catalog's read model (storage/sql/projection.rs, ARCHITECTURE.md
-- "The catalog projection"). A stock position also carries what a store's
-- catalog view and orderability need from the tables that decide them, kept
-- in the same transaction as every write to those tables, so a page of the
-- view reads the variants and one position each instead of probing six
-- tables per item:
--   delisted, blocked     a row in store_delistings, stock_blocks;
--   bin_code, zone        the item's slot and its bin's zone;
--   held_milli            what held reservations hold (whatever their expiry);
--   held_until_ms         the earliest expiry among them: before it, every
--                         held reservation still holds, so held_milli is
--                         exact; after it the view sums them again;
--   has_store_windows     a price window of this store for the item exists
--                         (windows are never deleted), else none can apply.
-- A variant carries has_chain_windows likewise for the chain's windows.
ALTER TABLE stock_positions
    ADD COLUMN delisted          BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN blocked           BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN bin_code          TEXT,
    ADD COLUMN zone              TEXT,
    ADD COLUMN held_milli        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN held_until_ms     BIGINT,
    ADD COLUMN has_store_windows BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE variants ADD COLUMN has_chain_windows BOOLEAN NOT NULL DEFAULT FALSE;

-- Filled from the source tables by the data step the hub runs after its
-- migrations (`rebuild_projection`, the code a repair runs too).
INSERT INTO hub_data_steps (step) VALUES ('catalog_projection_from_sources');
