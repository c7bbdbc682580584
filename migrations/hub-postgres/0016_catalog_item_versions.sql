-- Every distinct state of a variant, in order. The hash is of the variant's
-- normalized JSON (keys sorted), so an update that changes nothing is known
-- as such: it makes no version and nothing reaches the feed.
CREATE TABLE catalog_item_versions (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    variant_id      UUID NOT NULL REFERENCES variants (id),
    version         BIGINT NOT NULL CHECK (version > 0),
    hash            TEXT NOT NULL,
    record          TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, variant_id, version)
);
