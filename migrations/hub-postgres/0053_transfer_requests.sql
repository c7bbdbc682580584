-- Transfers at the store (shared/src/transfer.rs, storage/sql/transfer_requests.rs):
-- HQ's requests that a store pick and send stock to another store, which a
-- till of the source dispatches by scan (offline too), and the facts of
-- dispatches and arrivals made at tills. A request is dispatched once; the
-- transfer it starts is received once.
CREATE TABLE transfer_requests (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    from_store_id   UUID NOT NULL REFERENCES stores (id),
    to_store_id     UUID NOT NULL REFERENCES stores (id),
    variant_id      UUID NOT NULL REFERENCES variants (id),
    qty_milli       BIGINT NOT NULL CHECK (qty_milli > 0),
    note            TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL CHECK (state IN ('open', 'dispatched', 'cancelled')),
    raised_at_ms    BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    -- The transfer its dispatch started.
    transfer_id     UUID,
    CHECK (from_store_id <> to_store_id)
);
CREATE INDEX transfer_requests_from ON transfer_requests (tenant_id, from_store_id, raised_at_ms, id);
CREATE INDEX transfer_requests_to ON transfer_requests (tenant_id, to_store_id, raised_at_ms, id);

-- Dispatches and arrivals uploaded by tills, kept as they came.
CREATE TABLE transfer_facts (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL REFERENCES stores (id),
    terminal_id     UUID NOT NULL,
    transfer_id     UUID NOT NULL,
    -- dispatch, receipt.
    kind            TEXT NOT NULL CHECK (kind IN ('dispatch', 'receipt')),
    received_at_ms  BIGINT NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX transfer_facts_by_store ON transfer_facts (tenant_id, store_id, received_at_ms, id);

ALTER TABLE stock_transfers ADD COLUMN request_id UUID;
-- Who scanned it out and in at a till, by name.
ALTER TABLE stock_transfers ADD COLUMN dispatched_by TEXT;
ALTER TABLE stock_transfers ADD COLUMN received_by TEXT;
