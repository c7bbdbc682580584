-- Automerge documents relayed by the hub: one per store and purpose, kept in
-- Automerge's compacted save format, plus each terminal's sync state per document.
CREATE TABLE store_documents (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    purpose        TEXT NOT NULL,
    doc            BLOB NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, purpose)
);

CREATE TABLE document_peers (
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    store_id       BLOB NOT NULL REFERENCES stores (id),
    purpose        TEXT NOT NULL,
    terminal_id    BLOB NOT NULL REFERENCES terminals (id),
    sync_state     BLOB NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, store_id, purpose, terminal_id)
);
