-- The print queue retries while a printer is unreachable instead of giving up
-- after three tries, and the cash drawer is its own job. SQLite cannot change a
-- CHECK constraint, so the table is rebuilt:
-- - purpose `drawer`: a drawer pulse, sent once at a cash sale's commit (or by
--   a supervisor) and never later; its row says whether the drawer opened.
-- - state `unconfirmed`: the job's bytes went out whole more than once and the
--   printer never confirmed them; it waits for the cashier (a retry prints it
--   again, marked DUPLICATE). `failed` is kept for what can never print.
-- - copies_sent: how many times the job's bytes went out (whole or in part),
--   so a copy after the first is marked DUPLICATE.
CREATE TABLE print_jobs_new (
    id          INTEGER PRIMARY KEY,
    printer     TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('receipt', 'reprint', 'test', 'drawer')),
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
-- Jobs that gave up under the old rule stay failed: their bytes may carry a
-- drawer pulse, which must never be sent late; a retry still prints them.
INSERT INTO print_jobs_new (id, printer, purpose, sale_id, payload, preview, state, attempts,
                            last_error, created_at, printed_at)
    SELECT id, printer, purpose, sale_id, payload, preview,
           state,
           attempts, last_error, created_at, printed_at
    FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_queue ON print_jobs (printer, state, id);
CREATE INDEX print_jobs_sale ON print_jobs (sale_id);
