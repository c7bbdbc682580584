-- Stock takes approved at the stores (shared/src/stock_take.rs,
-- storage/sql/stock_takes.rs). The counting itself lives in the store's
-- stock_takes document; what reaches the hub is the approval, in parts of at
-- most 1,000 lines, each a fact kept in stock_take_parts. The first approval
-- the hub hears of a take is the take's: stock_takes keeps its header and
-- approval_id, and a part of any other approval of the same take is refused.
CREATE TABLE stock_takes (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    -- Where it was approved.
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    approval_id     BLOB NOT NULL,
    name            TEXT NOT NULL,
    -- The count's scope as JSON ({"kind": "store"}, …).
    scope           TEXT NOT NULL,
    blind           BOOLEAN NOT NULL,
    started_at_ms   INTEGER NOT NULL,
    approved_at_ms  INTEGER NOT NULL,
    -- Who approved it, as JSON (staff_id, name).
    approved_by     TEXT NOT NULL,
    parts           INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL
);
CREATE INDEX stock_takes_by_store ON stock_takes (tenant_id, store_id, received_at_ms, id);

CREATE TABLE stock_take_parts (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    take_id         BLOB NOT NULL REFERENCES stock_takes (id),
    part            INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL,
    UNIQUE (take_id, part)
);
CREATE INDEX stock_take_parts_by_store ON stock_take_parts (tenant_id, store_id, received_at_ms, id);

CREATE TABLE stock_take_lines (
    take_id         BLOB NOT NULL REFERENCES stock_takes (id),
    variant_id      BLOB NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    counted_milli   INTEGER NOT NULL,
    expected_milli  INTEGER NOT NULL,
    -- The adjustment it made; NULL when the count agreed.
    movement_id     BLOB,
    PRIMARY KEY (take_id, variant_id)
);
