-- Returns made at this terminal, against its own sales.
CREATE TABLE returns (
    id                TEXT PRIMARY KEY,
    receipt_no        TEXT NOT NULL UNIQUE,
    original_sale_id  TEXT NOT NULL REFERENCES sales (id),
    total_minor       INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    occurred_at_ms    INTEGER NOT NULL,
    fact              TEXT NOT NULL,
    shift_id          TEXT REFERENCES shifts (id)
);
CREATE INDEX returns_by_sale ON returns (original_sale_id);
CREATE INDEX returns_by_shift ON returns (shift_id);
