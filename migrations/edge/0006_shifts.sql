-- Cashier shifts: opening float, cash in/out, and the Z report at close.
CREATE TABLE shifts (
    id                   TEXT PRIMARY KEY,
    opened_by            TEXT NOT NULL,
    opened_at_ms         INTEGER NOT NULL,
    opening_float_minor  INTEGER NOT NULL CHECK (opening_float_minor >= 0),
    currency             TEXT NOT NULL,
    closed_at_ms         INTEGER,
    z_report             TEXT
);
-- At most one open shift per terminal.
CREATE UNIQUE INDEX shifts_one_open ON shifts ((closed_at_ms IS NULL)) WHERE closed_at_ms IS NULL;

CREATE TABLE cash_movements (
    id            INTEGER PRIMARY KEY,
    shift_id      TEXT NOT NULL REFERENCES shifts (id),
    kind          TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    reason        TEXT NOT NULL,
    at_ms         INTEGER NOT NULL
);

ALTER TABLE sales ADD COLUMN shift_id TEXT REFERENCES shifts (id);
CREATE INDEX sales_by_shift ON sales (shift_id);
