-- Supplier bills matched to goods receipts (storage/sql/supplier_bills.rs):
-- HQ's accountant enters a supplier's bill with the receipts it charges for,
-- and the hub compares it, item by item, with what those receipts accepted
-- and what the orders agreed to pay. A receipt is billed once.
CREATE TABLE supplier_bills (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    supplier_id     BLOB NOT NULL REFERENCES suppliers (id),
    bill_no         TEXT NOT NULL,
    -- YYYY-MM-DD, as printed on the bill.
    bill_date       TEXT NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    -- The event source of whoever entered it.
    recorded_by     TEXT NOT NULL,
    UNIQUE (tenant_id, supplier_id, bill_no)
);
CREATE INDEX supplier_bills_by_supplier ON supplier_bills (tenant_id, supplier_id, recorded_at_ms, id);

CREATE TABLE supplier_bill_receipts (
    bill_id     BLOB NOT NULL REFERENCES supplier_bills (id),
    receipt_id  BLOB NOT NULL REFERENCES goods_receipts (id),
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (bill_id, receipt_id),
    UNIQUE (receipt_id)
);

CREATE TABLE supplier_bill_lines (
    bill_id          BLOB NOT NULL REFERENCES supplier_bills (id),
    line_no          INTEGER NOT NULL,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    variant_id       BLOB NOT NULL,
    qty_milli        INTEGER NOT NULL,
    unit_cost_minor  INTEGER NOT NULL,
    PRIMARY KEY (bill_id, line_no)
);
