-- Credit at the store (protocol 11; store/credit.rs, pos_shared::credit):
-- the store's customers' accounts as the hub last sent them, every till's
-- grant on each (the largest heard: grants only grow), this till's own
-- cumulative release per account, and what this till put on accounts and
-- took in payment. A sale on account is allowed only while this till's
-- grant, less what it gave back, plus what it was paid, covers what it lent.
CREATE TABLE credit_accounts (
    phone           TEXT PRIMARY KEY,
    name            TEXT,
    limit_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    -- Owed as the hub last said.
    dues_minor      INTEGER NOT NULL,
    keep_minor      INTEGER NOT NULL,
    closed          INTEGER NOT NULL,
    -- This till's own cumulative release, written before its fact is queued.
    released_minor  INTEGER NOT NULL DEFAULT 0,
    heard_seq       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE credit_grants (
    phone           TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    granted_minor   INTEGER NOT NULL,
    PRIMARY KEY (phone, terminal_id)
) WITHOUT ROWID;

CREATE TABLE credit_entries (
    -- The sale's id, the payment's, or the return's.
    id              TEXT PRIMARY KEY,
    phone           TEXT NOT NULL,
    -- sale (put on the account), payment, or refund (a return's, back on
    -- the account); held_payment or held_refund while the hub refuses its
    -- fact (it does not count toward what the till may lend).
    kind            TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    -- A payment's shift (its cash is in that drawer) and the payment as JSON.
    shift_id        TEXT,
    body            TEXT
);
CREATE INDEX credit_payments_by_shift ON credit_entries (shift_id) WHERE shift_id IS NOT NULL;
CREATE INDEX credit_entries_by_phone ON credit_entries (phone, kind);

-- A top-up the hub granted for a sale being made now, kept from release
-- until the sale used it or the hold ran out.
CREATE TABLE credit_top_ups (
    phone           TEXT PRIMARY KEY,
    held_until_ms   INTEGER NOT NULL
) WITHOUT ROWID;
