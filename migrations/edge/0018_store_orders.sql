-- Delivery orders for this (dark) store, as the hub last sent them through
-- the feed (`body`: the pick list as JSON), and this terminal's work on
-- them: who claimed each here, the lines a picker marked short, when it was
-- packed. Each item picked is a row of order_picks, its movement id minted
-- at the scan; packing turns them into movements and one outbox fact in the
-- same transaction.
CREATE TABLE store_orders (
    order_id     TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    due_at_ms    INTEGER,
    body         TEXT NOT NULL,
    updated_seq  INTEGER NOT NULL
);
CREATE INDEX store_orders_by_state ON store_orders (state, due_at_ms);

CREATE TABLE order_work (
    order_id       TEXT PRIMARY KEY,
    staff_id       TEXT NOT NULL,
    picker_name    TEXT NOT NULL,
    claimed_at_ms  INTEGER NOT NULL,
    short_lines    TEXT NOT NULL DEFAULT '[]',
    wrong_scans    INTEGER NOT NULL DEFAULT 0,
    pack_id        TEXT,
    packed_at_ms   INTEGER
);

CREATE TABLE order_picks (
    movement_id       TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL,
    line              INTEGER NOT NULL,
    variant_id        TEXT NOT NULL,
    qty_milli         INTEGER NOT NULL CHECK (qty_milli > 0),
    batch_code        TEXT,
    batch_expires_on  TEXT,
    picked_at_ms      INTEGER NOT NULL
);
CREATE INDEX order_picks_by_order ON order_picks (order_id, line);
