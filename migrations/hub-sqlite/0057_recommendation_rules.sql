-- HQ's rules for an item's recommendations, chain-wide: items pinned first
-- among what is bought with it (in `position` order) and items never
-- suggested beside it (storage/sql/recommendations.rs).
CREATE TABLE recommendation_rules (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    item_id    BLOB NOT NULL REFERENCES variants (id),
    target_id  BLOB NOT NULL REFERENCES variants (id),
    kind       TEXT NOT NULL CHECK (kind IN ('pin', 'exclude')),
    position   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, item_id, target_id)
);
