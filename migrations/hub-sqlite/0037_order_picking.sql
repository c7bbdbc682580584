-- Orders picked at the store: each line carries the price the customer was
-- charged (in `lines`), the order its total, and once packed the total of
-- what was picked. The first picker's claim the hub hears of is `picker`
-- (JSON: terminal, staff, name); `pick_lines` is the pick list as the
-- store received it (bins, batches, the substitutes offered and their
-- prices), made once when the order reaches the store. The store's claim and pack facts are kept
-- in order_facts, by id, like every other fact.
ALTER TABLE orders ADD COLUMN total_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'INR';
ALTER TABLE orders ADD COLUMN packed_total_minor INTEGER;
ALTER TABLE orders ADD COLUMN picker TEXT;

CREATE TABLE order_facts (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    order_id        BLOB NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('claim', 'pack')),
    outcome         TEXT NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX order_facts_by_order ON order_facts (tenant_id, order_id);
ALTER TABLE orders ADD COLUMN pick_lines TEXT;
-- How the pack went (lines, short, substituted, picks, wrong scans), for
-- the store's pick performance.
ALTER TABLE orders ADD COLUMN pack_stats TEXT;
