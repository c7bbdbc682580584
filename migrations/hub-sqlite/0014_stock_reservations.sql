-- Stock held for orders. A reservation is `held` until it is released, committed
-- (the goods left: a sale movement with the reservation's id) or expired (the
-- hub's sweeper settles it after `expires_at_ms`). Available stock is on hand
-- less what is held and not yet past its expiry, so it is exact between sweeps.
CREATE TABLE stock_reservations (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    variant_id     BLOB NOT NULL REFERENCES variants (id),
    qty_milli      INTEGER NOT NULL CHECK (qty_milli > 0),
    order_ref      TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('held', 'released', 'committed', 'expired')),
    expires_at_ms  INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    settled_at_ms  INTEGER
);
CREATE INDEX stock_reservations_held ON stock_reservations (tenant_id, store_id, variant_id) WHERE state = 'held';
CREATE INDEX stock_reservations_expiry ON stock_reservations (expires_at_ms) WHERE state = 'held';
