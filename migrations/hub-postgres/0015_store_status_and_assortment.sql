-- A store's trading status, and the variants a store does not sell. Every
-- variant is in every store's assortment unless delisted there.
ALTER TABLE stores ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'closed', 'maintenance'));

CREATE TABLE store_delistings (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    store_id        UUID NOT NULL REFERENCES stores (id),
    variant_id      UUID NOT NULL REFERENCES variants (id),
    delisted_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, store_id, variant_id)
);
