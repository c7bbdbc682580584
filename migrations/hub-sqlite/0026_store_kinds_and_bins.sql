-- A store is a shop with tills or a dark store that only fulfils orders.
-- Bins are the numbered places stock sits in, grouped into zones (ambient,
-- chilled, frozen); each item has at most one bin per store to pick it from.
ALTER TABLE stores ADD COLUMN kind TEXT NOT NULL DEFAULT 'store' CHECK (kind IN ('store', 'dark_store'));
CREATE TABLE store_bins (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    code           TEXT NOT NULL,
    zone           TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, code)
);
CREATE TABLE bin_slots (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    variant_id     BLOB NOT NULL REFERENCES variants (id),
    bin_code       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, store_id, variant_id),
    FOREIGN KEY (tenant_id, store_id, bin_code) REFERENCES store_bins (tenant_id, store_id, code)
);
CREATE INDEX bin_slots_by_bin ON bin_slots (tenant_id, store_id, bin_code);
