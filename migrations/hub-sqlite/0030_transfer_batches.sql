-- The batches a transfer took from the source (first expiry first), so they
-- arrive at the destination as the same batches with the same expiry.
CREATE TABLE stock_transfer_batches (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    transfer_id     BLOB NOT NULL REFERENCES stock_transfers (id),
    code            TEXT NOT NULL,
    expires_on      TEXT NOT NULL,
    qty_milli       INTEGER NOT NULL CHECK (qty_milli > 0),
    -- How much of it arrived, once the transfer is received.
    received_milli  INTEGER,
    PRIMARY KEY (tenant_id, transfer_id, code)
);
