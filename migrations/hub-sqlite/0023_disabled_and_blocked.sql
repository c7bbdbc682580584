-- Two more reasons an item cannot be ordered: HQ disabled it at every store
-- (`item_disabled`), or its stock at one store is on hold (`blocked`).
ALTER TABLE variants ADD COLUMN disabled_at_ms INTEGER;
CREATE TABLE stock_blocks (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    variant_id     BLOB NOT NULL REFERENCES variants (id),
    reason         TEXT NOT NULL,
    blocked_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, variant_id)
);
