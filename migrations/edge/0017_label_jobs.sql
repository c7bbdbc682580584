-- Shelf and price labels go through the print queue like receipts, with
-- purpose `label`. SQLite cannot change a CHECK constraint, so the table is
-- rebuilt with every row and index as it was.
CREATE TABLE print_jobs_new (
    id          INTEGER PRIMARY KEY,
    printer     TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('receipt', 'reprint', 'test', 'drawer', 'label')),
    sale_id     TEXT,
    payload     BLOB NOT NULL,
    preview     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'printed', 'failed', 'unconfirmed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    printed_at  INTEGER,
    copies_sent INTEGER NOT NULL DEFAULT 0
);
INSERT INTO print_jobs_new (id, printer, purpose, sale_id, payload, preview, state, attempts,
                            last_error, created_at, printed_at, copies_sent)
    SELECT id, printer, purpose, sale_id, payload, preview, state, attempts,
           last_error, created_at, printed_at, copies_sent
    FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_queue ON print_jobs (printer, state, id);
CREATE INDEX print_jobs_sale ON print_jobs (sale_id);
