-- Receipts and other print jobs, one queue per printer. The bytes are kept so a
-- failed job prints exactly what the cashier saw when it is retried.
CREATE TABLE print_jobs (
    id          INTEGER PRIMARY KEY,
    printer     TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('receipt', 'reprint', 'test')),
    sale_id     TEXT,
    payload     BLOB NOT NULL,
    preview     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'printed', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    printed_at  INTEGER
);
CREATE INDEX print_jobs_queue ON print_jobs (printer, state, id);
CREATE INDEX print_jobs_sale ON print_jobs (sale_id);
