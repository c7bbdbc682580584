-- Returns uploaded by terminals: goods back against an earlier sale. The
-- original sale may reach the hub after its return (another till's queue), so
-- it is referenced, not enforced.
CREATE TABLE returns (
    id                UUID PRIMARY KEY,
    tenant_id         UUID NOT NULL REFERENCES tenants (id),
    store_id          UUID NOT NULL REFERENCES stores (id),
    terminal_id       UUID NOT NULL REFERENCES terminals (id),
    receipt_no        TEXT NOT NULL,
    original_sale_id  UUID NOT NULL,
    total_minor       BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    occurred_at_ms    BIGINT NOT NULL,
    received_at_ms    BIGINT NOT NULL,
    envelope          TEXT NOT NULL,
    CONSTRAINT returns_receipt_unique UNIQUE (terminal_id, receipt_no)
);
CREATE INDEX returns_by_sale ON returns (tenant_id, original_sale_id);
