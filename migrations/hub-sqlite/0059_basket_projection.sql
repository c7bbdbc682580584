-- The recommendations' projection (cloud-hub/src/baskets.rs): what sold
-- with what and how much of each item sold, per UTC day, kept by the
-- basket worker from the event outbox's sales and served by
-- storage/sql/recommendations.rs. Items bought together count both ways
-- round, so either one reads its partners by its own key.
CREATE TABLE basket_pairs (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    store_id   BLOB NOT NULL,
    item_id    BLOB NOT NULL,
    day        BIGINT NOT NULL,
    other_id   BLOB NOT NULL,
    -- The store's sales that day holding both.
    sales      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, store_id, item_id, day, other_id)
);
-- The same summed over the chain's stores, so a chain-wide read costs what
-- one store's does.
CREATE TABLE chain_basket_pairs (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    item_id    BLOB NOT NULL,
    day        BIGINT NOT NULL,
    other_id   BLOB NOT NULL,
    sales      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, item_id, day, other_id)
);
-- Units sold (returns not taken off) and the sales or orders holding them.
CREATE TABLE item_sales_daily (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    store_id    BLOB NOT NULL,
    day         BIGINT NOT NULL,
    variant_id  BLOB NOT NULL,
    units_milli BIGINT NOT NULL,
    sales       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, store_id, day, variant_id)
);
-- How far into the tenant's events the projection has read; no row: never
-- built (the worker builds it from the ledger first).
CREATE TABLE basket_places (
    tenant_id      BLOB PRIMARY KEY REFERENCES tenants (id),
    through_seq    BIGINT NOT NULL,
    built_at_ms    BIGINT NOT NULL
);
-- An exclusion parts two items both ways: the rules naming an item as
-- excluded are read by the item excluded.
CREATE INDEX recommendation_rules_by_target ON recommendation_rules (tenant_id, target_id);
