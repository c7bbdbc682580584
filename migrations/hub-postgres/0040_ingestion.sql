-- Ingestion: the tenant's source systems (restaurant POS, ERP/WMS, sellers),
-- what they pushed (archived before anything else), the runs that applied
-- it, and how their ids map to the hub's.
--
-- source_systems: `code` is short and unique per tenant; the hub names the
-- SKUs it makes for a source's items that have none after it.
CREATE TABLE source_systems (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('restaurant_pos', 'erp', 'seller')),
    vendor         TEXT,
    enabled        BOOLEAN NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL,
    UNIQUE (tenant_id, code)
);

-- A source's signing secrets, sealed with the hub's secret key (AES-256-GCM:
-- `v1:<key id>:<base64 nonce and ciphertext>`). The current one has no
-- valid_until_ms; after a rotation the one before it verifies until then.
CREATE TABLE source_secrets (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    source_id       UUID NOT NULL REFERENCES source_systems (id),
    sealed          TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    valid_until_ms  BIGINT
);
CREATE INDEX source_secrets_by_source ON source_secrets (source_id, created_at_ms);

-- A source's ids for the hub's records: its locations (stores, set when the
-- source is registered), categories, products and variants (found or made
-- by the adapters).
CREATE TABLE source_entities (
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    source_id      UUID NOT NULL REFERENCES source_systems (id),
    entity         TEXT NOT NULL CHECK (entity IN ('store', 'category', 'product', 'variant')),
    external_id    TEXT NOT NULL,
    canonical_id   UUID NOT NULL,
    updated_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (source_id, entity, external_id)
);
CREATE INDEX source_entities_by_canonical ON source_entities (tenant_id, entity, canonical_id);

-- Every webhook a source sent that passed its signature: the raw body and
-- headers, kept before anything is done with it, and where it stands in the
-- queue (leased by the hub applying it). duplicates: how many times the same
-- webhook-id came again (answered, never applied again).
CREATE TABLE inbound_payloads (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants (id),
    source_id        UUID NOT NULL REFERENCES source_systems (id),
    webhook_id       TEXT NOT NULL,
    received_at_ms   BIGINT NOT NULL,
    headers          TEXT NOT NULL,
    body             BYTEA NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'applied', 'failed')),
    attempts         BIGINT NOT NULL,
    duplicates       BIGINT NOT NULL,
    lease_until_ms   BIGINT,
    lease_token      UUID,
    last_run_id      UUID,
    error            TEXT,
    processed_at_ms  BIGINT,
    UNIQUE (source_id, webhook_id)
);
CREATE INDEX inbound_payloads_queue ON inbound_payloads (state, id);
CREATE INDEX inbound_payloads_by_source ON inbound_payloads (tenant_id, source_id, id);

-- A webhook refused at the door (signature, timestamp, size, disabled
-- source): who, when and why; never its body.
CREATE TABLE webhook_refusals (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    source_id       UUID NOT NULL REFERENCES source_systems (id),
    webhook_id      TEXT,
    received_at_ms  BIGINT NOT NULL,
    status          BIGINT NOT NULL,
    field           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    body_bytes      BIGINT NOT NULL
);
CREATE INDEX webhook_refusals_by_source ON webhook_refusals (tenant_id, source_id, id);

-- One application of a payload or a feed: counts and the first errors.
CREATE TABLE ingestion_runs (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    source_id       UUID REFERENCES source_systems (id),
    payload_id      UUID,
    trigger         TEXT NOT NULL CHECK (trigger IN ('webhook', 'replay', 'feed')),
    format          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed')),
    started_at_ms   BIGINT NOT NULL,
    finished_at_ms  BIGINT,
    received        BIGINT NOT NULL,
    applied         BIGINT NOT NULL,
    unchanged       BIGINT NOT NULL,
    failed          BIGINT NOT NULL,
    errors          TEXT NOT NULL
);
CREATE INDEX ingestion_runs_by_tenant ON ingestion_runs (tenant_id, id);
CREATE INDEX ingestion_runs_by_payload ON ingestion_runs (payload_id);

-- Stock a source owns: the newest absolute snapshot applied per item and
-- store (an older one that comes again changes nothing), and every delta
-- applied, by the source's id for it (once each; one older than the
-- snapshot is already in it).
CREATE TABLE source_stock_marks (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    source_id   UUID NOT NULL REFERENCES source_systems (id),
    store_id    UUID NOT NULL REFERENCES stores (id),
    variant_id  UUID NOT NULL REFERENCES variants (id),
    as_of_ms    BIGINT NOT NULL,
    PRIMARY KEY (source_id, store_id, variant_id)
);

CREATE TABLE source_stock_deltas (
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    source_id       UUID NOT NULL REFERENCES source_systems (id),
    external_id     TEXT NOT NULL,
    store_id        UUID NOT NULL REFERENCES stores (id),
    variant_id      UUID NOT NULL REFERENCES variants (id),
    change_milli    BIGINT NOT NULL,
    at_ms           BIGINT NOT NULL,
    movement_id     UUID,
    PRIMARY KEY (source_id, external_id)
);
CREATE INDEX source_stock_deltas_by_item ON source_stock_deltas (source_id, store_id, variant_id, at_ms);
