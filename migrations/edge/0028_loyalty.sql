-- Loyalty points at the till (protocol 13; store/loyalty.rs,
-- pos_shared::loyalty): the tenant's rules as the hub last sent them, the
-- points of the customers the store knows, every till's grant on them (the
-- largest heard: grants only grow), this till's own cumulative release,
-- and what this till's bills earned and redeemed. A bill is paid in points
-- only while this till's grant, less what it gave back, plus what its
-- bills earned, covers what its bills redeemed.
CREATE TABLE loyalty_rules (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    body            TEXT NOT NULL,
    heard_seq       INTEGER NOT NULL
);

CREATE TABLE loyalty_accounts (
    phone           TEXT PRIMARY KEY,
    -- Points as the hub last said.
    balance         INTEGER NOT NULL,
    keep            INTEGER NOT NULL,
    -- This till's own cumulative release, written before its fact is queued.
    released        INTEGER NOT NULL DEFAULT 0,
    heard_seq       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE loyalty_grants (
    phone           TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    granted         INTEGER NOT NULL,
    PRIMARY KEY (phone, terminal_id)
) WITHOUT ROWID;

-- This till's bills that earned or redeemed points (the sale's id), and
-- returns that gave redeemed points back (the return's id, negative).
CREATE TABLE loyalty_entries (
    id              TEXT PRIMARY KEY,
    phone           TEXT NOT NULL,
    earned          INTEGER NOT NULL,
    redeemed        INTEGER NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    -- What a fact the hub refused had moved at this till (a bill's points
    -- earned; a return's points back and take-back), kept aside: it counts
    -- again if HQ sends the fact again.
    aside_earned    INTEGER NOT NULL DEFAULT 0,
    aside_back      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX loyalty_entries_by_phone ON loyalty_entries (phone);

-- A top-up the hub granted for a bill being paid now, kept from release
-- until the bill used it or the hold ran out.
CREATE TABLE loyalty_top_ups (
    phone           TEXT PRIMARY KEY,
    held_until_ms   INTEGER NOT NULL
) WITHOUT ROWID;
