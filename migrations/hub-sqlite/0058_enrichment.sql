-- Enrichment (cloud-hub/src/enrichment): suggested changes to one field of
-- an item, HQ's decisions on them, and per tenant how far into the catalog
-- feed the worker has read and from what confidence it takes suggestions
-- without HQ (storage/sql/enrichment.rs).
CREATE TABLE enrichment_proposals (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    variant_id      BLOB NOT NULL REFERENCES variants (id),
    field           TEXT NOT NULL,
    current_value   TEXT NOT NULL,
    proposed_value  TEXT NOT NULL,
    confidence      REAL NOT NULL,
    reason          TEXT NOT NULL,
    source          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'superseded')),
    created_at_ms   INTEGER NOT NULL,
    decided_at_ms   INTEGER,
    decided_by      TEXT
);
CREATE INDEX enrichment_proposals_by_state ON enrichment_proposals (tenant_id, state, id);
CREATE INDEX enrichment_proposals_by_item ON enrichment_proposals (tenant_id, variant_id, field);

CREATE TABLE enrichment_tenants (
    tenant_id       BLOB PRIMARY KEY REFERENCES tenants (id),
    through_seq     INTEGER NOT NULL DEFAULT 0,
    auto_accept_at  REAL
);
