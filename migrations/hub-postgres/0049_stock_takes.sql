-- Stock takes approved at the stores (shared/src/stock_take.rs,
-- storage/sql/stock_takes.rs). The counting itself lives in the store's
-- stock_takes document; what reaches the hub is the approval, in parts of at
-- most 1,000 lines, each a fact kept in stock_take_parts. The first approval
-- the hub hears of a take is the take's: stock_takes keeps its header and
-- approval_id, and a part of any other approval of the same take is refused.
CREATE TABLE stock_takes (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL REFERENCES stores (id),
    -- Where it was approved.
    terminal_id     UUID NOT NULL REFERENCES terminals (id),
    approval_id     UUID NOT NULL,
    name            TEXT NOT NULL,
    -- The count's scope as JSON ({"kind": "store"}, …).
    scope           TEXT NOT NULL,
    blind           BOOLEAN NOT NULL,
    started_at_ms   BIGINT NOT NULL,
    approved_at_ms  BIGINT NOT NULL,
    -- Who approved it, as JSON (staff_id, name).
    approved_by     TEXT NOT NULL,
    parts           BIGINT NOT NULL,
    received_at_ms  BIGINT NOT NULL
);
CREATE INDEX stock_takes_by_store ON stock_takes (tenant_id, store_id, received_at_ms, id);

CREATE TABLE stock_take_parts (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL REFERENCES stores (id),
    terminal_id     UUID NOT NULL REFERENCES terminals (id),
    take_id         UUID NOT NULL REFERENCES stock_takes (id),
    part            BIGINT NOT NULL,
    received_at_ms  BIGINT NOT NULL,
    envelope        TEXT NOT NULL,
    UNIQUE (take_id, part)
);
CREATE INDEX stock_take_parts_by_store ON stock_take_parts (tenant_id, store_id, received_at_ms, id);

CREATE TABLE stock_take_lines (
    take_id         UUID NOT NULL REFERENCES stock_takes (id),
    variant_id      UUID NOT NULL,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    counted_milli   BIGINT NOT NULL,
    expected_milli  BIGINT NOT NULL,
    -- The adjustment it made; NULL when the count agreed.
    movement_id     UUID,
    PRIMARY KEY (take_id, variant_id)
);
