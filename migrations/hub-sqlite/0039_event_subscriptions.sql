-- Events out: HQ's webhook subscriptions to the tenant's events, and every
-- delivery and try.
--
-- event_subscriptions: where to send which event types, signed with `secret`
-- (`whsec_…`, shown to HQ once). The hub config has no at-rest encryption key,
-- so the secret is stored as it is (the signer needs it, a hash would not do)
-- and never read back out through the API. After a rotation the secret before
-- it keeps signing beside the new one until previous_secret_until_ms.
-- cursor_seq: the tenant's event sequence delivered (or given up) through;
-- the events after it go out in order. retry_at_ms: when the event after the
-- cursor, which failed, is tried again (later events wait behind it).
-- lease_until_ms / lease_token: the hub delivering now; another hub leaves
-- the subscription alone until the lease runs out, and a hub whose lease ran
-- out can no longer record (the token no longer matches).
CREATE TABLE event_subscriptions (
    id                        BLOB PRIMARY KEY,
    tenant_id                 BLOB NOT NULL REFERENCES tenants (id),
    url                       TEXT NOT NULL,
    event_types               TEXT NOT NULL,
    description               TEXT,
    enabled                   BOOLEAN NOT NULL,
    secret                    TEXT NOT NULL,
    previous_secret           TEXT,
    previous_secret_until_ms  INTEGER,
    cursor_seq                INTEGER NOT NULL,
    retry_at_ms               INTEGER,
    lease_until_ms            INTEGER,
    lease_token               BLOB,
    created_at_ms             INTEGER NOT NULL,
    updated_at_ms             INTEGER NOT NULL
);
CREATE INDEX event_subscriptions_by_tenant ON event_subscriptions (tenant_id, id);

-- One row per event and subscription once it was first tried: where it
-- stands (failed and retrying, delivered, dead, queued for a replay), its
-- tries, the last answer. A gap of events pruned before they could be sent
-- is a dead row with no event, seq to gap_to_seq. round_*: the current round
-- of tries (a replay starts a new one), which the retry schedule counts.
CREATE TABLE webhook_deliveries (
    id                   BLOB PRIMARY KEY,
    tenant_id            BLOB NOT NULL REFERENCES tenants (id),
    subscription_id      BLOB NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
    seq                  INTEGER NOT NULL,
    gap_to_seq           INTEGER,
    event_id             BLOB,
    event_type           TEXT,
    state                TEXT NOT NULL CHECK (state IN ('failed', 'delivered', 'dead', 'queued')),
    attempts             INTEGER NOT NULL,
    round_attempts       INTEGER NOT NULL,
    round_started_at_ms  INTEGER,
    last_status          INTEGER,
    last_error           TEXT,
    last_latency_ms      INTEGER,
    last_attempt_at_ms   INTEGER,
    next_attempt_at_ms   INTEGER,
    updated_at_ms        INTEGER NOT NULL,
    UNIQUE (subscription_id, seq)
);
CREATE INDEX webhook_deliveries_by_state ON webhook_deliveries (subscription_id, state, id);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (subscription_id, event_id);

-- Every try: when, the HTTP status (none when no answer came), how long it
-- took, what went wrong.
CREATE TABLE webhook_attempts (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL REFERENCES tenants (id),
    subscription_id  BLOB NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    event_id         BLOB NOT NULL,
    attempted_at_ms  INTEGER NOT NULL,
    status           INTEGER,
    latency_ms       INTEGER NOT NULL,
    delivered        BOOLEAN NOT NULL,
    error            TEXT
);
CREATE INDEX webhook_attempts_by_time ON webhook_attempts (subscription_id, attempted_at_ms);
