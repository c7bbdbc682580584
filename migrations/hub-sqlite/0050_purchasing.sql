-- Buying stock in (shared/src/purchase.rs, storage/sql/purchasing.rs):
-- suppliers, purchase orders HQ raises to a supplier for one store, and the
-- goods receipts the store's tills make by scanning the delivery, each a
-- fact. A receipt's accepted lines are receipt movements into batches (in
-- the ledger, like any movement); its damaged lines move nothing. What was
-- received against an order is summed from the receipts, never stored twice.
CREATE TABLE suppliers (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    name            TEXT NOT NULL,
    -- Lower-cased and trimmed: one supplier a name per tenant.
    name_key        TEXT NOT NULL,
    gstin           TEXT,
    phone           TEXT,
    created_at_ms   INTEGER NOT NULL,
    UNIQUE (tenant_id, name_key)
);
CREATE INDEX suppliers_by_tenant ON suppliers (tenant_id, created_at_ms, id);

CREATE TABLE purchase_orders (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    supplier_id     BLOB NOT NULL REFERENCES suppliers (id),
    -- The tenant's running number: PO-000001, PO-000002, …
    seq             INTEGER NOT NULL,
    -- open, part_received, received, closed, cancelled.
    state           TEXT NOT NULL,
    expected_on     TEXT,
    note            TEXT NOT NULL,
    raised_at_ms    INTEGER NOT NULL,
    -- The event source of whoever raised it (hq:key:…, hq:user:…).
    raised_by       TEXT NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    UNIQUE (tenant_id, seq)
);
CREATE INDEX purchase_orders_by_store ON purchase_orders (tenant_id, store_id, raised_at_ms, id);

CREATE TABLE purchase_order_lines (
    po_id           BLOB NOT NULL REFERENCES purchase_orders (id),
    line_no         INTEGER NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    variant_id      BLOB NOT NULL,
    ordered_milli   INTEGER NOT NULL,
    unit_cost_minor INTEGER,
    PRIMARY KEY (po_id, variant_id)
);

CREATE TABLE goods_receipts (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    po_id           BLOB REFERENCES purchase_orders (id),
    supplier_id     BLOB NOT NULL REFERENCES suppliers (id),
    started_at_ms   INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    -- Who took it in, as JSON (staff_id, name).
    received_by     TEXT NOT NULL,
    bill_no         TEXT NOT NULL,
    note            TEXT NOT NULL,
    -- The order's state when the receipt reached the hub, when HQ had
    -- already closed or cancelled it (the goods came all the same).
    order_was       TEXT,
    recorded_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX goods_receipts_by_store ON goods_receipts (tenant_id, store_id, recorded_at_ms, id);
CREATE INDEX goods_receipts_by_order ON goods_receipts (po_id);

CREATE TABLE goods_receipt_lines (
    receipt_id      BLOB NOT NULL REFERENCES goods_receipts (id),
    line_no         INTEGER NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    variant_id      BLOB NOT NULL,
    received_milli  INTEGER NOT NULL,
    damaged_milli   INTEGER NOT NULL,
    batch_code      TEXT,
    batch_expires_on TEXT,
    -- When the store already had this batch code with another expiry: the
    -- store's date, which the stock went in under (the label's is above).
    store_expires_on TEXT,
    movement_id     BLOB,
    PRIMARY KEY (receipt_id, line_no)
);
