-- HQ users: people who sign in with an email and a password, each with a
-- role and optionally limited to some stores, like an API key. An owner
-- invites them; the one-time invitation code is how they set a password.
CREATE TABLE hq_users (
    id                        BLOB PRIMARY KEY,
    tenant_id                 BLOB NOT NULL REFERENCES tenants (id),
    -- Lower-cased; one hub account per address, so signing in needs no tenant.
    email                     TEXT NOT NULL,
    name                      TEXT NOT NULL,
    role                      TEXT NOT NULL,
    -- JSON list of store ids; NULL for every store of the tenant.
    store_ids                 TEXT,
    -- Argon2id PHC string; NULL until the invitation is taken up.
    password_hash             TEXT,
    password_set_at_ms        INTEGER,
    -- SHA-256 of the outstanding invitation code, if any.
    invitation_hash           TEXT,
    invitation_expires_at_ms  INTEGER,
    failed_sign_ins           INTEGER NOT NULL DEFAULT 0,
    locked_until_ms           INTEGER,
    last_sign_in_at_ms        INTEGER,
    created_at_ms             INTEGER NOT NULL,
    disabled_at_ms            INTEGER
);
CREATE UNIQUE INDEX hq_users_email ON hq_users (email);
CREATE UNIQUE INDEX hq_users_invitation ON hq_users (invitation_hash);
CREATE INDEX hq_users_by_tenant ON hq_users (tenant_id, created_at_ms);

-- A signed-in user's bearer token (stored hashed), good until it expires or
-- the user signs out, changes password or is disabled.
CREATE TABLE hq_sessions (
    token_hash     TEXT PRIMARY KEY,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    user_id        BLOB NOT NULL REFERENCES hq_users (id),
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    ended_at_ms    INTEGER
);
CREATE INDEX hq_sessions_by_user ON hq_sessions (user_id);
