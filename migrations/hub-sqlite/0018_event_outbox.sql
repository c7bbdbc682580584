-- The transactional outbox of domain events: every change HQ may watch is
-- written here, in the envelope every event travels in, in the transaction
-- that makes it. The sequence is per tenant and bumped under the tenant row
-- lock, so events commit in sequence order and a reader following "after N"
-- never skips one. HQ reads it as a list or a live server-sent stream.
ALTER TABLE tenants ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
-- Events up to here have been pruned (kept as many as the feed keeps).
ALTER TABLE tenants ADD COLUMN event_floor BIGINT NOT NULL DEFAULT 0;

CREATE TABLE hub_events (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    seq             BIGINT NOT NULL,
    event_id        BLOB NOT NULL,
    event_type      TEXT NOT NULL,
    source          TEXT NOT NULL,
    -- The store it concerns; NULL for chain-wide events (catalog, prices).
    store_id        BLOB,
    occurred_at_ms  BIGINT NOT NULL,
    trace_id        BLOB NOT NULL,
    schema_version  INTEGER NOT NULL,
    data            TEXT NOT NULL,
    committed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
