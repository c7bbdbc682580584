-- The store's other terminals' sales and returns, as the feed brings them, so a
-- return can be made at any till of the store.
CREATE TABLE store_sales (
    id          TEXT PRIMARY KEY,
    receipt_no  TEXT NOT NULL UNIQUE,
    fact        TEXT NOT NULL
);
CREATE TABLE store_returns (
    id                TEXT PRIMARY KEY,
    original_sale_id  TEXT NOT NULL,
    fact              TEXT NOT NULL
);
CREATE INDEX store_returns_by_sale ON store_returns (original_sale_id);

-- A return may now be against another terminal's sale: rebuild the table
-- without the reference to this terminal's sales.
CREATE TABLE returns_rebuilt (
    id                TEXT PRIMARY KEY,
    receipt_no        TEXT NOT NULL UNIQUE,
    original_sale_id  TEXT NOT NULL,
    total_minor       INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    occurred_at_ms    INTEGER NOT NULL,
    fact              TEXT NOT NULL,
    shift_id          TEXT REFERENCES shifts (id)
);
INSERT INTO returns_rebuilt (id, receipt_no, original_sale_id, total_minor, currency, occurred_at_ms, fact, shift_id)
    SELECT id, receipt_no, original_sale_id, total_minor, currency, occurred_at_ms, fact, shift_id FROM returns;
DROP TABLE returns;
ALTER TABLE returns_rebuilt RENAME TO returns;
CREATE INDEX returns_by_sale ON returns (original_sale_id);
CREATE INDEX returns_by_shift ON returns (shift_id);
