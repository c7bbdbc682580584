-- HQ revoking a terminal is kept: when, and the hash of the device
-- credential it took back. HQ's list of terminals then tells a revoked one
-- from one never enrolled, and the hub tells a till presenting the revoked
-- credential that HQ revoked it, not that it is unknown.
ALTER TABLE terminals ADD COLUMN revoked_at_ms BIGINT;
ALTER TABLE terminals ADD COLUMN revoked_token_hash TEXT;
CREATE INDEX terminals_revoked_token ON terminals (revoked_token_hash)
    WHERE revoked_token_hash IS NOT NULL;
