-- Changes at or below feed_floor have been pruned from the feed; a terminal
-- whose cursor is below it must bootstrap from a snapshot again.
ALTER TABLE tenants ADD COLUMN feed_floor INTEGER NOT NULL DEFAULT 0;
CREATE INDEX stock_movements_by_terminal ON stock_movements (tenant_id, store_id, terminal_id, variant_id);
