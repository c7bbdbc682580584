-- Z reports uploaded by terminals when a shift closes, kept whole as received.
CREATE TABLE shift_closes (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL REFERENCES stores (id),
    terminal_id     UUID NOT NULL REFERENCES terminals (id),
    closed_at_ms    BIGINT NOT NULL,
    received_at_ms  BIGINT NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX shift_closes_store ON shift_closes (tenant_id, store_id, closed_at_ms);
