-- One HQ stock movement in one call (storage/sql/movement_alone.rs). The hub
-- reads the item's standing and works the movement out (its checks, the
-- position's new figure, the feed change, the orderability and low-stock
-- events) before it calls this; here, under the locks the transactional path
-- takes (the tenant shared, then the position), the same read runs again
-- (`standing_sql`, with the same parameters) and the writes happen only if it
-- gives the same row (`expected`, the md5 of the row's text). Each statement
-- of a volatile PL/pgSQL function reads a snapshot taken when it starts, so
-- the read after the locks sees every writer that held them before. A read
-- that changed raises PSM01 and a movement id already in the ledger PSM02:
-- either rolls back everything (the position row made to lock it included),
-- and the hub records the movement the transactional way. The feed change
-- and the events are numbered from the tenant row, locked from there to the
-- commit, as pos_number_pending (0046) does, so numbers follow commit order.
CREATE FUNCTION pos_move_stock(
    standing_sql TEXT, expected TEXT, lock_space INTEGER, p_now BIGINT,
    p_tenant UUID, p_store UUID, p_variant UUID,
    p_id UUID, p_delta BIGINT, p_reason TEXT, p_sale UUID, p_terminal UUID, p_occurred BIGINT,
    p_change TEXT, p_events TEXT, p_schema INTEGER
) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    standing_now TEXT;
    feed_head BIGINT;
    event_head BIGINT;
    events BIGINT;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(lock_space, hashtext(CAST(p_tenant AS TEXT)));
    INSERT INTO stock_positions (tenant_id, store_id, variant_id, on_hand_milli, updated_at_ms)
    SELECT p_tenant, p_store, p_variant, 0, p_now
    WHERE EXISTS (SELECT 1 FROM stores WHERE tenant_id = p_tenant AND id = p_store)
      AND EXISTS (SELECT 1 FROM variants WHERE tenant_id = p_tenant AND id = p_variant)
    ON CONFLICT (tenant_id, store_id, variant_id) DO UPDATE SET on_hand_milli = stock_positions.on_hand_milli;
    EXECUTE 'SELECT md5(CAST(q AS TEXT)) FROM (' || standing_sql || ') AS q'
        INTO standing_now USING p_tenant, p_store, p_now, p_variant;
    IF standing_now IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'the item''s standing changed since it was read' USING ERRCODE = 'PSM01';
    END IF;
    INSERT INTO stock_movements (id, tenant_id, store_id, variant_id, delta_milli, reason, sale_id, terminal_id,
                                 occurred_at_ms, recorded_at_ms, batch_code, batch_expires_on)
    VALUES (p_id, p_tenant, p_store, p_variant, p_delta, p_reason, p_sale, p_terminal, p_occurred, p_now, NULL, NULL)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'movement % is already in the ledger', p_id USING ERRCODE = 'PSM02';
    END IF;
    UPDATE stock_positions SET on_hand_milli = on_hand_milli + p_delta, updated_at_ms = p_now
    WHERE tenant_id = p_tenant AND store_id = p_store AND variant_id = p_variant;
    SELECT feed_seq, event_seq INTO feed_head, event_head FROM tenants WHERE id = p_tenant FOR NO KEY UPDATE;
    INSERT INTO feed_changes (tenant_id, seq, store_id, body, committed_at_ms)
    VALUES (p_tenant, feed_head + 1, p_store, p_change, p_now);
    INSERT INTO hub_events (tenant_id, seq, event_id, event_type, source, store_id, occurred_at_ms,
                            trace_id, schema_version, data, committed_at_ms)
    SELECT p_tenant, event_head + e.n, CAST(e.v->>'event_id' AS UUID), e.v->>'event_type', e.v->>'source',
           CAST(e.v->>'store_id' AS UUID), CAST(e.v->>'occurred_at_ms' AS BIGINT), CAST(e.v->>'trace_id' AS UUID),
           p_schema, e.v->>'data', p_now
    FROM json_array_elements(CAST(p_events AS JSON)) WITH ORDINALITY AS e(v, n);
    GET DIAGNOSTICS events = ROW_COUNT;
    UPDATE tenants SET feed_seq = feed_head + 1, event_seq = event_head + events WHERE id = p_tenant;
    RETURN feed_head + 1;
END
$$;
