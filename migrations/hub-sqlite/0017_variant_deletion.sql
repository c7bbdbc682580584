-- Variants HQ deleted. The row stays: the ledger, sales, returns and version
-- history name it, and its SKU and barcodes stay claimed so a restore is
-- always possible. Deleted variants are hidden from the catalog, the catalog
-- view and snapshots, and reach tills as a tombstone in the feed.
ALTER TABLE variants ADD COLUMN deleted_at_ms BIGINT;
