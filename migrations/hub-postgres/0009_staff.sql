-- Store staff who sign in at tills. The PIN is kept only as a salted hash,
-- which tills receive through the feed so they can sign staff in offline.
CREATE TABLE staff (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants (id),
    store_id       UUID NOT NULL REFERENCES stores (id),
    name           TEXT NOT NULL,
    code           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor', 'manager')),
    pin_salt       TEXT NOT NULL,
    pin_hash       TEXT NOT NULL,
    active         BOOLEAN NOT NULL,
    updated_at_ms  BIGINT NOT NULL,
    CONSTRAINT staff_code_unique UNIQUE (store_id, code)
);
