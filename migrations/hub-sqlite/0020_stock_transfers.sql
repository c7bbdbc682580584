-- Stock sent from one store of the chain to another. Dispatch writes a
-- `transfer_out` movement at the source (its id is the transfer's) and leaves
-- the transfer `in_transit`; receipt writes a `transfer_in` movement at the
-- destination for what arrived. What did not arrive is the shortfall.
CREATE TABLE stock_transfers (
    id                  BLOB PRIMARY KEY,
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    from_store_id       BLOB NOT NULL REFERENCES stores (id),
    to_store_id         BLOB NOT NULL REFERENCES stores (id),
    variant_id          BLOB NOT NULL REFERENCES variants (id),
    qty_milli           INTEGER NOT NULL CHECK (qty_milli > 0),
    note                TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL CHECK (state IN ('in_transit', 'received')),
    dispatched_at_ms    INTEGER NOT NULL,
    received_qty_milli  INTEGER,
    received_movement_id BLOB,
    received_at_ms      INTEGER,
    CHECK (from_store_id <> to_store_id)
);
CREATE INDEX stock_transfers_from ON stock_transfers (tenant_id, from_store_id, id);
CREATE INDEX stock_transfers_to ON stock_transfers (tenant_id, to_store_id, id);
