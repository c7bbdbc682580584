-- Transfers at the store (protocol 12; store/transfers.rs): HQ's requests
-- for this store to send stock and the transfers on their way to it, kept
-- as the hub last sent them; what this till counted of one (scanned out for
-- a request, scanned in for a transfer, by batch); and what this till
-- dispatched or received, so a retry answers the same.
CREATE TABLE transfer_requests (
    request_id   TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    -- pos_shared::transfer::TransferRequest as JSON.
    body         TEXT NOT NULL,
    updated_seq  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE transfers_in (
    transfer_id  TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    -- pos_shared::transfer::Transfer as JSON.
    body         TEXT NOT NULL,
    updated_seq  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE transfer_counts (
    -- The request's id (scanned out) or the transfer's (scanned in).
    id           TEXT NOT NULL,
    -- '' for stock counted without a batch.
    batch_code   TEXT NOT NULL,
    expires_on   TEXT,
    qty_milli    INTEGER NOT NULL,
    PRIMARY KEY (id, batch_code)
) WITHOUT ROWID;

CREATE TABLE transfers_done (
    -- The request's id or the transfer's.
    id           TEXT PRIMARY KEY,
    -- out (dispatched here) or in (received here).
    direction    TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    -- The fact this till made of it.
    fact_id      TEXT NOT NULL,
    qty_milli    INTEGER NOT NULL,
    done_at_ms   INTEGER NOT NULL,
    -- Who did it, as JSON (staff_id, name).
    done_by      TEXT NOT NULL
) WITHOUT ROWID;
