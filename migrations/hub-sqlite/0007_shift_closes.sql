-- Z reports uploaded by terminals when a shift closes, kept whole as received.
CREATE TABLE shift_closes (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    closed_at_ms    INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX shift_closes_store ON shift_closes (tenant_id, store_id, closed_at_ms);
