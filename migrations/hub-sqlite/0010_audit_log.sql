-- Tills' audit entries, kept whole as received.
CREATE TABLE audit_log (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    store_id        BLOB NOT NULL REFERENCES stores (id),
    terminal_id     BLOB NOT NULL REFERENCES terminals (id),
    at_ms           INTEGER NOT NULL,
    action          TEXT NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    envelope        TEXT NOT NULL
);
CREATE INDEX audit_log_store ON audit_log (tenant_id, store_id, at_ms);
