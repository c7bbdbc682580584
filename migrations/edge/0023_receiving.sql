-- Buying stock in at the store (protocol 10; store/receiving.rs): the
-- purchase orders the hub sent for this store, kept as it last sent them,
-- and the deliveries this terminal takes in by scan. A receipt is open while
-- its lines are scanned; posting it writes its receipt movements and its
-- fact to the outbox in one transaction.
CREATE TABLE purchase_orders (
    po_id        TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    supplier_id  TEXT NOT NULL,
    -- The order as JSON (pos_shared::purchase::PurchaseOrder).
    body         TEXT NOT NULL,
    updated_seq  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE goods_receipts (
    receipt_id     TEXT PRIMARY KEY,
    po_id          TEXT,
    supplier_id    TEXT NOT NULL,
    supplier_name  TEXT NOT NULL,
    started_at_ms  INTEGER NOT NULL,
    -- Who started it, as JSON (staff_id, name).
    started_by     TEXT NOT NULL,
    bill_no        TEXT NOT NULL,
    note           TEXT NOT NULL,
    -- open, posted, cancelled.
    state          TEXT NOT NULL,
    closed_at_ms   INTEGER,
    -- Who posted or cancelled it, as JSON.
    closed_by      TEXT
);
CREATE INDEX goods_receipts_by_order ON goods_receipts (po_id);

CREATE TABLE goods_receipt_lines (
    receipt_id      TEXT NOT NULL REFERENCES goods_receipts (receipt_id),
    variant_id      TEXT NOT NULL,
    -- '' for stock whose batch is not tracked.
    batch_code      TEXT NOT NULL,
    expires_on      TEXT,
    received_milli  INTEGER NOT NULL,
    damaged_milli   INTEGER NOT NULL,
    -- When it was first scanned: lines list in that order.
    added_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (receipt_id, variant_id, batch_code)
) WITHOUT ROWID;
