-- The lists HQ follows page by page (a store's movements, sales, shift
-- closes, audit entries and stock takes) in commit order. Tills' uploads and
-- HQ's movements are written side by side (storage/sql/writes.rs), so the
-- hub's clock at the time of writing is not the order rows become visible:
-- a row written while a reader paged the live edge could commit behind the
-- reader's cursor and never be read. Each row now takes a number from its
-- tenant's `recorded_seq` when its transaction commits, the way feed changes
-- and events do (0046): pos_number_pending() numbers the rows the calling
-- transaction left without one, under the tenant row's lock held to the
-- commit, so a row committed later always gets a number after every number a
-- reader has seen.
ALTER TABLE tenants ADD COLUMN recorded_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE stock_movements ADD COLUMN recorded_seq BIGINT;
ALTER TABLE sales ADD COLUMN recorded_seq BIGINT;
ALTER TABLE shift_closes ADD COLUMN recorded_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN recorded_seq BIGINT;
ALTER TABLE stock_takes ADD COLUMN recorded_seq BIGINT;

-- What is already there keeps the order it was listed in.
UPDATE stock_movements m SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY recorded_at_ms, id) AS n FROM stock_movements) o
WHERE m.id = o.id;
UPDATE sales s SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM sales) o
WHERE s.id = o.id;
UPDATE shift_closes s SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM shift_closes) o
WHERE s.id = o.id;
UPDATE audit_log a SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM audit_log) o
WHERE a.id = o.id;
UPDATE stock_takes t SET recorded_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY received_at_ms, id) AS n FROM stock_takes) o
WHERE t.id = o.id;
UPDATE tenants t SET recorded_seq = GREATEST(
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM stock_movements WHERE tenant_id = t.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM sales WHERE tenant_id = t.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM shift_closes WHERE tenant_id = t.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM audit_log WHERE tenant_id = t.id),
    (SELECT COALESCE(MAX(recorded_seq), 0) FROM stock_takes WHERE tenant_id = t.id));

-- Pages are read by number; the rows still to be numbered are found by a
-- partial index that holds only the rows of transactions in flight.
DROP INDEX stock_movements_recorded;
DROP INDEX sales_received;
DROP INDEX shift_closes_paging;
DROP INDEX audit_log_paging;
DROP INDEX stock_takes_by_store;
CREATE INDEX stock_movements_in_order ON stock_movements (tenant_id, store_id, recorded_seq);
CREATE INDEX sales_in_order ON sales (tenant_id, store_id, recorded_seq);
CREATE INDEX shift_closes_in_order ON shift_closes (tenant_id, store_id, recorded_seq);
CREATE INDEX audit_log_in_order ON audit_log (tenant_id, store_id, recorded_seq);
CREATE INDEX stock_takes_in_order ON stock_takes (tenant_id, store_id, recorded_seq);
CREATE INDEX stock_movements_unnumbered ON stock_movements (tenant_id) WHERE recorded_seq IS NULL;
CREATE INDEX sales_unnumbered ON sales (tenant_id) WHERE recorded_seq IS NULL;
CREATE INDEX shift_closes_unnumbered ON shift_closes (tenant_id) WHERE recorded_seq IS NULL;
CREATE INDEX audit_log_unnumbered ON audit_log (tenant_id) WHERE recorded_seq IS NULL;
CREATE INDEX stock_takes_unnumbered ON stock_takes (tenant_id) WHERE recorded_seq IS NULL;

-- As in 0046, with the listed rows numbered too, each table in the order its
-- rows were written (the hub's clock, then id).
CREATE OR REPLACE FUNCTION pos_number_pending() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    t UUID;
    feed_head BIGINT;
    event_head BIGINT;
    recorded_head BIGINT;
    changes BIGINT;
    events BIGINT;
    recorded BIGINT;
    rows_here BIGINT;
    numbered BIGINT := 0;
BEGIN
    FOR t IN SELECT tenant_id FROM feed_pending
             UNION SELECT tenant_id FROM event_pending
             UNION SELECT tenant_id FROM stock_movements WHERE recorded_seq IS NULL
             UNION SELECT tenant_id FROM sales WHERE recorded_seq IS NULL
             UNION SELECT tenant_id FROM shift_closes WHERE recorded_seq IS NULL
             UNION SELECT tenant_id FROM audit_log WHERE recorded_seq IS NULL
             UNION SELECT tenant_id FROM stock_takes WHERE recorded_seq IS NULL
             ORDER BY 1 LOOP
        SELECT feed_seq, event_seq, recorded_seq INTO feed_head, event_head, recorded_head
        FROM tenants WHERE id = t FOR NO KEY UPDATE;
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

        recorded := 0;
        UPDATE stock_movements m SET recorded_seq = recorded_head + recorded + o.n
        FROM (SELECT id, row_number() OVER (ORDER BY recorded_at_ms, id) AS n
              FROM stock_movements WHERE tenant_id = t AND recorded_seq IS NULL) o
        WHERE m.id = o.id;
        GET DIAGNOSTICS rows_here = ROW_COUNT;
        recorded := recorded + rows_here;
        UPDATE sales s SET recorded_seq = recorded_head + recorded + o.n
        FROM (SELECT id, row_number() OVER (ORDER BY received_at_ms, id) AS n
              FROM sales WHERE tenant_id = t AND recorded_seq IS NULL) o
        WHERE s.id = o.id;
        GET DIAGNOSTICS rows_here = ROW_COUNT;
        recorded := recorded + rows_here;
        UPDATE shift_closes s SET recorded_seq = recorded_head + recorded + o.n
        FROM (SELECT id, row_number() OVER (ORDER BY received_at_ms, id) AS n
              FROM shift_closes WHERE tenant_id = t AND recorded_seq IS NULL) o
        WHERE s.id = o.id;
        GET DIAGNOSTICS rows_here = ROW_COUNT;
        recorded := recorded + rows_here;
        UPDATE audit_log a SET recorded_seq = recorded_head + recorded + o.n
        FROM (SELECT id, row_number() OVER (ORDER BY received_at_ms, id) AS n
              FROM audit_log WHERE tenant_id = t AND recorded_seq IS NULL) o
        WHERE a.id = o.id;
        GET DIAGNOSTICS rows_here = ROW_COUNT;
        recorded := recorded + rows_here;
        UPDATE stock_takes k SET recorded_seq = recorded_head + recorded + o.n
        FROM (SELECT id, row_number() OVER (ORDER BY received_at_ms, id) AS n
              FROM stock_takes WHERE tenant_id = t AND recorded_seq IS NULL) o
        WHERE k.id = o.id;
        GET DIAGNOSTICS rows_here = ROW_COUNT;
        recorded := recorded + rows_here;

        IF changes > 0 OR events > 0 OR recorded > 0 THEN
            UPDATE tenants SET feed_seq = feed_head + changes, event_seq = event_head + events,
                               recorded_seq = recorded_head + recorded
            WHERE id = t;
        END IF;
        numbered := numbered + changes + events + recorded;
    END LOOP;
    RETURN numbered;
END
$$;
