-- Loyalty points across the chain (protocol 13; shared/src/loyalty.rs,
-- storage/sql/loyalty.rs): the tenant's rules, each customer's points by
-- phone, each till's grant on them (an escrow like credit's: grants only
-- grow, and only within the points the hub holds free), what each till
-- earned, redeemed and gave back, and the statement's entries.
CREATE TABLE loyalty_rules (
    tenant_id         UUID PRIMARY KEY REFERENCES tenants (id),
    enabled           BOOLEAN NOT NULL,
    points_per_100    BIGINT NOT NULL,
    point_value_minor BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    max_bill_percent  BIGINT NOT NULL,
    min_redeem        BIGINT NOT NULL,
    updated_at_ms     BIGINT NOT NULL
);

CREATE TABLE loyalty_accounts (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    -- HQ's adjustments, added up (a welcome bonus, a correction).
    adjusted        BIGINT NOT NULL,
    -- What each till of the stores that know the customer holds offline.
    keep            BIGINT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, phone)
);

CREATE TABLE loyalty_shares (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    terminal_id     UUID NOT NULL,
    granted         BIGINT NOT NULL,
    released        BIGINT NOT NULL,
    earned          BIGINT NOT NULL,
    redeemed        BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, phone, terminal_id)
);

-- A bill that earned or redeemed points (its sale id), a return that gave
-- redeemed points back (its return id, redeemed negative), or HQ's adjustment.
CREATE TABLE loyalty_entries (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('bill', 'return', 'adjustment')),
    store_id        UUID,
    terminal_id     UUID,
    earned          BIGINT NOT NULL,
    redeemed        BIGINT NOT NULL,
    -- A bill's value, for taking back what a return of part of it earned.
    value_minor     BIGINT NOT NULL,
    -- What the points paid of the bill, for giving points back on a return.
    redeemed_minor  BIGINT NOT NULL DEFAULT 0,
    -- The bill's number, or HQ's reason.
    reference       TEXT NOT NULL,
    occurred_at_ms  BIGINT NOT NULL,
    received_at_ms  BIGINT NOT NULL
);
CREATE INDEX loyalty_entries_by_phone ON loyalty_entries (tenant_id, phone, occurred_at_ms);

CREATE TABLE loyalty_releases (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL,
    terminal_id     UUID NOT NULL,
    phone           TEXT NOT NULL,
    released        BIGINT NOT NULL,
    received_at_ms  BIGINT NOT NULL,
    envelope        TEXT NOT NULL
);
