-- Batches (lots) with their expiry. A movement may name its batch; the
-- store's stock of each batch is kept beside the position. Outgoing stock
-- that names no batch (a till's sale) is taken from the batch that expires
-- first. `alerted_at_ms` is set once the batch has been announced as expiring.
ALTER TABLE stock_movements ADD COLUMN batch_code TEXT;
ALTER TABLE stock_movements ADD COLUMN batch_expires_on TEXT;
CREATE TABLE stock_batches (
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    store_id       UUID NOT NULL REFERENCES stores (id),
    variant_id     UUID NOT NULL REFERENCES variants (id),
    code           TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    on_hand_milli  BIGINT NOT NULL CHECK (on_hand_milli >= 0),
    alerted_at_ms  BIGINT,
    PRIMARY KEY (tenant_id, store_id, variant_id, code)
);
CREATE INDEX stock_batches_expiring ON stock_batches (expires_on) WHERE on_hand_milli > 0 AND alerted_at_ms IS NULL;
