-- A store's reorder point per item: when what it has available falls to it or
-- below, the hub raises `inventory.stock.low`; when it climbs back above,
-- `inventory.stock.replenished`.
CREATE TABLE reorder_points (
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    store_id       UUID NOT NULL REFERENCES stores (id),
    variant_id     UUID NOT NULL REFERENCES variants (id),
    point_milli    BIGINT NOT NULL CHECK (point_milli >= 0),
    updated_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, store_id, variant_id)
);
