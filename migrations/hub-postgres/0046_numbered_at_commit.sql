-- Writers without a tenant-wide lock (storage/sql/writes.rs, ARCHITECTURE.md
-- "The feed's order"). A transaction's feed changes and events wait here,
-- unnumbered, while it works; its last statement before COMMIT,
-- pos_number_pending(), takes the tenant row's lock, gives them the next
-- numbers of the tenant's feed and outbox, and moves them over. The lock is
-- held from that statement to the commit only, so numbers are handed out in
-- commit order: a reader that has seen change n has seen every change before
-- it, and one committed later always gets a number after every number the
-- reader has seen.
CREATE TABLE feed_pending (
    id              BIGSERIAL PRIMARY KEY,
    tenant_id       UUID NOT NULL,
    store_id        UUID,
    body            TEXT NOT NULL,
    committed_at_ms BIGINT NOT NULL
);

CREATE TABLE event_pending (
    id              BIGSERIAL PRIMARY KEY,
    tenant_id       UUID NOT NULL,
    event_id        UUID NOT NULL,
    event_type      TEXT NOT NULL,
    source          TEXT NOT NULL,
    store_id        UUID,
    occurred_at_ms  BIGINT NOT NULL,
    trace_id        UUID NOT NULL,
    schema_version  INTEGER NOT NULL,
    data            TEXT NOT NULL,
    committed_at_ms BIGINT NOT NULL
);

-- Numbers what the calling transaction left pending, per tenant, in the order
-- it was written; answers how many rows it numbered. Rows another
-- transaction committed unnumbered (none should be) are numbered too: every
-- statement here reads afresh after the tenant's lock is held, so two callers
-- never number the same row.
CREATE FUNCTION pos_number_pending() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    t UUID;
    feed_head BIGINT;
    event_head BIGINT;
    changes BIGINT;
    events BIGINT;
    numbered BIGINT := 0;
BEGIN
    FOR t IN SELECT tenant_id FROM feed_pending UNION SELECT tenant_id FROM event_pending ORDER BY 1 LOOP
        SELECT feed_seq, event_seq INTO feed_head, event_head FROM tenants WHERE id = t FOR NO KEY UPDATE;
        WITH moved AS (DELETE FROM feed_pending WHERE tenant_id = t RETURNING *)
        INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms)
        SELECT t, feed_head + row_number() OVER (ORDER BY id), store_id, body, committed_at_ms FROM moved;
        GET DIAGNOSTICS changes = ROW_COUNT;
        WITH moved AS (DELETE FROM event_pending WHERE tenant_id = t RETURNING *)
        INSERT INTO hub_events (tenant_id, seq, event_id, event_type, source, store_id, occurred_at_ms,
                                trace_id, schema_version, data, committed_at_ms)
        SELECT t, event_head + row_number() OVER (ORDER BY id), event_id, event_type, source, store_id,
               occurred_at_ms, trace_id, schema_version, data, committed_at_ms FROM moved;
        GET DIAGNOSTICS events = ROW_COUNT;
        IF changes > 0 OR events > 0 THEN
            UPDATE tenants SET feed_seq = feed_head + changes, event_seq = event_head + events WHERE id = t;
        END IF;
        numbered := numbered + changes + events;
    END LOOP;
    RETURN numbered;
END
$$;
