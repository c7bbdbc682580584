-- Credit at the store (shared/src/credit.rs, storage/sql/credit.rs): a
-- customer's account with the limit HQ sets, each till's cumulative grant on
-- it and what the hub has heard it lent, was paid and gave back, and the
-- entries of the account's statement (sales on account and payments, each
-- from its fact). What is owed is summed from the shares; the shares' lent
-- and paid are summed from the entries as they arrive.
CREATE TABLE credit_accounts (
    id              BLOB NOT NULL UNIQUE,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    -- +91 and ten digits.
    phone           TEXT NOT NULL,
    store_id        BLOB NOT NULL REFERENCES stores (id),
    name            TEXT,
    limit_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    -- What each till holds for offline lending (its share of the headroom).
    keep_minor      INTEGER NOT NULL,
    closed          BOOLEAN NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, phone)
);
CREATE INDEX credit_accounts_by_store ON credit_accounts (tenant_id, store_id, created_at_ms, id);

CREATE TABLE credit_shares (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    granted_minor   INTEGER NOT NULL,
    released_minor  INTEGER NOT NULL,
    lent_minor      INTEGER NOT NULL,
    paid_minor      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, phone, terminal_id)
);

CREATE TABLE credit_entries (
    -- The sale's id, the payment's, or the return's.
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    phone           TEXT NOT NULL,
    -- sale (on account), payment, or refund (a return's, back on the account).
    kind            TEXT NOT NULL,
    store_id        BLOB NOT NULL,
    terminal_id     BLOB NOT NULL,
    amount_minor    INTEGER NOT NULL,
    -- The bill's or return's number, or the payment's method.
    reference       TEXT NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    -- The payment fact as uploaded; none for a sale or refund (kept in
    -- sales and returns).
    envelope        TEXT
);
CREATE INDEX credit_entries_by_account ON credit_entries (tenant_id, phone, occurred_at_ms, id);

CREATE TABLE credit_releases (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL,
    terminal_id     BLOB NOT NULL,
    phone           TEXT NOT NULL,
    released_minor  INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
