-- Loyalty points across the chain (protocol 13; shared/src/loyalty.rs,
-- storage/sql/loyalty.rs): the tenant's rules, each customer's points by
-- phone, each till's grant on them (an escrow like credit's: grants only
-- grow, and only within the points the hub holds free), what each till
-- earned, redeemed and gave back, and the statement's entries.
CREATE TABLE loyalty_rules (
    tenant_id         BLOB PRIMARY KEY REFERENCES tenants (id),
    enabled           INTEGER NOT NULL,
    points_per_100    INTEGER NOT NULL,
    point_value_minor INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    max_bill_percent  INTEGER NOT NULL,
    min_redeem        INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL
);

CREATE TABLE loyalty_accounts (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    -- HQ's adjustments, added up (a welcome bonus, a correction).
    adjusted        INTEGER NOT NULL,
    -- What each till of the stores that know the customer holds offline.
    keep            INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, phone)
);

CREATE TABLE loyalty_shares (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    terminal_id     BLOB NOT NULL,
    granted         INTEGER NOT NULL,
    released        INTEGER NOT NULL,
    earned          INTEGER NOT NULL,
    redeemed        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, phone, terminal_id)
);

-- A bill that earned or redeemed points (its sale id), a return that gave
-- redeemed points back (its return id, redeemed negative), or HQ's adjustment.
CREATE TABLE loyalty_entries (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('bill', 'return', 'adjustment')),
    store_id        BLOB,
    terminal_id     BLOB,
    earned          INTEGER NOT NULL,
    redeemed        INTEGER NOT NULL,
    -- A bill's value, for taking back what a return of part of it earned.
    value_minor     INTEGER NOT NULL,
    -- What the points paid of the bill, for giving points back on a return.
    redeemed_minor  INTEGER NOT NULL DEFAULT 0,
    -- The bill's number, or HQ's reason.
    reference       TEXT NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL
);
CREATE INDEX loyalty_entries_by_phone ON loyalty_entries (tenant_id, phone, occurred_at_ms);

CREATE TABLE loyalty_releases (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL,
    terminal_id     BLOB NOT NULL,
    phone           TEXT NOT NULL,
    released        INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
