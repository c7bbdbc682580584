-- HQ API keys get an id (to list and revoke them by), a role, and optionally
-- the stores they are limited to. Keys made before this are owners.
ALTER TABLE api_keys ADD COLUMN id BLOB;
UPDATE api_keys SET id = randomblob(16);
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);
ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'owner';
-- JSON list of store ids; NULL for every store of the tenant.
ALTER TABLE api_keys ADD COLUMN store_ids TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_at_ms INTEGER;
