-- Orders handed over to a delivery partner and paid through a gateway.
--
-- order_delivery: one row per order the hub pays for or hands over (made at
-- placement when the order carries a payment, else at the first hand-over
-- try). The payment the channel's checkout authorised and where it stands;
-- the partner and its delivery reference once handed over; while it waits,
-- the failed tries, the last error and when the next try is due
-- (next_attempt_at_ms is also the lease a hub takes while it works on the
-- order, so two hubs never ask the partner twice at once).
CREATE TABLE order_delivery (
    order_id            BLOB PRIMARY KEY,
    tenant_id           BLOB NOT NULL REFERENCES tenants (id),
    payment_ref         TEXT,
    authorized_minor    INTEGER,
    currency            TEXT,
    payment_state       TEXT CHECK (payment_state IN ('authorized', 'captured', 'voided', 'refunded', 'failed')),
    captured_minor      INTEGER,
    refunded_minor      INTEGER,
    partner             TEXT,
    partner_ref         TEXT,
    eta_ms              INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    next_attempt_at_ms  INTEGER,
    issue               TEXT
);
CREATE UNIQUE INDEX order_delivery_by_reference ON order_delivery (partner, partner_ref);
CREATE INDEX orders_by_state ON orders (state);

-- Every payment operation, one per order and kind, under its idempotency key
-- (the order and the kind): recorded as pending before the gateway is asked,
-- so a retry after a crash asks for the same operation again.
CREATE TABLE payment_operations (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    order_id         BLOB NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('capture', 'refund', 'void')),
    idempotency_key  TEXT NOT NULL UNIQUE,
    amount_minor     INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'failed')),
    gateway_ref      TEXT,
    detail           TEXT,
    created_at_ms    INTEGER NOT NULL,
    updated_at_ms    INTEGER NOT NULL
);
CREATE INDEX payment_operations_by_order ON payment_operations (tenant_id, order_id);

-- Partner callbacks by webhook-id, so a delivery retried by the partner is
-- applied once; the body's hash tells a retry from an id reused.
CREATE TABLE delivery_callbacks (
    partner         TEXT NOT NULL,
    webhook_id      TEXT NOT NULL,
    body_hash       TEXT NOT NULL,
    order_id        BLOB NOT NULL,
    status          TEXT NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (partner, webhook_id)
);
