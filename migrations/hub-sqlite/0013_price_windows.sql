-- Prices over time: a variant's price for a span, chain-wide (store_id NULL)
-- or for one store, per sales channel. Windows of one variant, scope and
-- channel never overlap (checked under the tenant lock). Times are Unix ms;
-- effective_to is exclusive, NULL for open-ended; a window cancelled before it
-- began ends where it starts and never holds.
CREATE TABLE price_windows (
    id                 BLOB PRIMARY KEY,
    tenant_id          BLOB NOT NULL REFERENCES tenants (id),
    variant_id         BLOB NOT NULL REFERENCES variants (id),
    store_id           BLOB REFERENCES stores (id),
    channel            TEXT NOT NULL,
    price_minor        INTEGER NOT NULL CHECK (price_minor >= 0),
    currency           TEXT NOT NULL,
    mrp_minor          INTEGER,
    effective_from_ms  INTEGER NOT NULL,
    effective_to_ms    INTEGER,
    created_at_ms      INTEGER NOT NULL,
    CHECK (effective_to_ms IS NULL OR effective_to_ms >= effective_from_ms),
    CHECK (mrp_minor IS NULL OR price_minor <= mrp_minor)
);
CREATE INDEX price_windows_lookup ON price_windows (tenant_id, variant_id, channel, effective_from_ms);
CREATE INDEX price_windows_by_store ON price_windows (tenant_id, store_id, channel);
