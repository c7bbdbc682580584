-- Delivery orders placed with a dark store: one row per order with its
-- lines (JSON), the store chosen, where it stands, and the idempotency key
-- it was placed under (the same key again with the same body is the same
-- order). Every step it took is a row of order_transitions. Its stock is
-- held as stock_reservations whose order_ref is the order's id.
CREATE TABLE orders (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    store_id         BLOB NOT NULL REFERENCES stores (id),
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    channel          TEXT NOT NULL,
    state            TEXT NOT NULL,
    customer_lat     REAL NOT NULL,
    customer_lon     REAL NOT NULL,
    contact          TEXT NOT NULL,
    lines            TEXT NOT NULL,
    distance_m       INTEGER NOT NULL,
    created_at_ms    INTEGER NOT NULL,
    confirmed_at_ms  INTEGER,
    updated_at_ms    INTEGER NOT NULL,
    cancel_reason    TEXT,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX orders_by_store ON orders (tenant_id, store_id, state);

CREATE TABLE order_transitions (
    order_id    BLOB NOT NULL REFERENCES orders (id),
    seq         INTEGER NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    reason      TEXT,
    PRIMARY KEY (order_id, seq)
);

-- How a tenant's orders choose their store: 'nearest' or 'balanced'.
ALTER TABLE tenants ADD COLUMN order_strategy TEXT NOT NULL DEFAULT 'nearest';
