-- Hub schema, SQLite (embedded default). Ids are 16-byte BLOBs. Times are Unix milliseconds (UTC) so both backends
-- store them the same way. Every row carries tenant_id; every query filters on it.

CREATE TABLE tenants (
    id             BLOB PRIMARY KEY,
    name           TEXT NOT NULL,
    -- Last sequence number handed out in this tenant's change feed. Bumping it
    -- takes the row lock, so feed entries commit in sequence order.
    feed_seq       INTEGER NOT NULL DEFAULT 0,
    created_at_ms  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    key_hash       TEXT PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    label          TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL
);

CREATE TABLE stores (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    currency       TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    UNIQUE (tenant_id, code)
);

CREATE TABLE terminals (
    id                    BLOB PRIMARY KEY,
    tenant_id             BLOB NOT NULL REFERENCES tenants (id),
    store_id              BLOB NOT NULL REFERENCES stores (id),
    name                  TEXT NOT NULL,
    receipt_prefix        TEXT NOT NULL,
    enrollment_code_hash  TEXT UNIQUE,
    device_token_hash     TEXT UNIQUE,
    enrolled_at_ms        INTEGER,
    created_at_ms         INTEGER NOT NULL,
    UNIQUE (tenant_id, receipt_prefix)
);

CREATE TABLE products (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    name           TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL
);

CREATE TABLE variants (
    id             BLOB PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    product_id     BLOB NOT NULL REFERENCES products (id),
    name           TEXT NOT NULL,
    sku            TEXT NOT NULL,
    gtin           TEXT NOT NULL,
    price_minor    INTEGER NOT NULL,
    currency       TEXT NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    CONSTRAINT variants_sku_unique UNIQUE (tenant_id, sku),
    CONSTRAINT variants_gtin_unique UNIQUE (tenant_id, gtin)
);

CREATE TABLE stock_movements (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    variant_id      BLOB NOT NULL REFERENCES variants (id),
    delta_milli     INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    sale_id         BLOB,
    terminal_id     BLOB,
    occurred_at_ms  INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL
);
CREATE INDEX stock_movements_by_store ON stock_movements (tenant_id, store_id, variant_id);

CREATE TABLE stock_positions (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    variant_id     BLOB NOT NULL REFERENCES variants (id),
    on_hand_milli  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, variant_id)
);

CREATE TABLE sales (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    receipt_no      TEXT NOT NULL,
    total_minor     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    occurred_at_ms  INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    -- The envelope as uploaded, kept verbatim for audit and replay.
    envelope        TEXT NOT NULL,
    CONSTRAINT sales_receipt_unique UNIQUE (terminal_id, receipt_no)
);
CREATE INDEX sales_by_store ON sales (tenant_id, store_id, received_at_ms);

CREATE TABLE feed_changes (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    seq            INTEGER NOT NULL,
    -- NULL: for every store of the tenant (catalog); else one store's (stock).
    store_id       BLOB,
    body           TEXT NOT NULL,
    committed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
