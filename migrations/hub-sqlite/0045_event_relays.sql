-- Kept in step with hub-postgres/0045_event_relays.sql.
-- How far each tenant's events have been relayed to a message broker (NATS
-- JetStream), per relay. The cursor moves only after the broker acknowledged
-- every event up to it, so a relay that dies re-publishes from here with the
-- same message ids and the broker drops the repeats.
-- lease_until_ms / lease_token: the hub relaying now; another hub on the same
-- database leaves the tenant alone until the lease runs out, and a hub that
-- outlived its lease records nothing (every write is fenced by the token).
CREATE TABLE event_relays (
    relay          TEXT NOT NULL,
    tenant_id      BLOB NOT NULL REFERENCES tenants (id),
    relayed_seq    BIGINT NOT NULL DEFAULT 0,
    relayed_at_ms  BIGINT,
    lease_until_ms BIGINT,
    lease_token    BLOB,
    PRIMARY KEY (relay, tenant_id)
);
